"""What the lot trace looks like outside the page: the API's JSON and the CSV/XLSX export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.exports import FORMATS, export_response

TRACE_COLUMNS = [
    (_("Lot number"), "lot_number"),
    (_("Product"), lambda s: s.product.name),
    (_("Distributor"), lambda s: s.distributor.name),
    (_("Hospital"), lambda s: s.hospital.name),
    (_("Province"), lambda s: s.hospital.province),
    (_("City"), lambda s: s.hospital.city),
    (_("Shipped on"), "shipped_on"),
    (_("Quantity"), "quantity"),
    (_("Expiry date"), "expiry_date"),
]


def lot_trace_export(trace: dict, fmt: str):
    """The shipments of a lot trace as CSV or XLSX (a bad format answers 400)."""
    from rest_framework.exceptions import ValidationError

    if fmt not in FORMATS:
        raise ValidationError({"export": [_("Choose csv or xlsx.")]})
    return export_response(trace["shipments"], TRACE_COLUMNS, fmt, f"lot-{trace['lot_number']}")


def lot_trace_json(trace: dict, *, user) -> dict:
    """The lot trace as plain data (the API's body)."""
    return {
        "lot_number": trace["lot_number"],
        "products": trace["products"],
        "quantity": trace["quantity"],
        "shipments": [
            {
                "id": s.pk,
                "distributor": s.distributor_id,
                "distributor_name": s.distributor.name,
                "hospital": s.hospital_id,
                "hospital_name": s.hospital.name,
                "product": s.product_id,
                "product_name": s.product.name,
                "shipped_on": s.shipped_on,
                "quantity": s.quantity,
                "expiry_date": s.expiry_date,
            }
            for s in trace["shipments"]
        ],
        "hospitals": [
            {
                "id": h["hospital"].pk,
                "name": h["hospital"].name,
                "city": h["hospital"].city,
                "quantity": h["quantity"],
                "shipments": h["shipments"],
            }
            for h in trace["hospitals"]
        ],  # fmt: skip
        "distributors": [
            {
                "id": d["distributor"].pk,
                "name": d["distributor"].name,
                "quantity": d["quantity"],
                "shipments": d["shipments"],
            }
            for d in trace["distributors"]
        ],  # fmt: skip
        "complaints": [
            {
                "id": c.pk,
                "type": c.type,
                "severity": c.severity,
                "status": c.status,
                "title": c.title,
                "hospital": c.hospital_id,
                "aware_on": c.aware_on,
                "next_due_on": c.next_due_on,
            }
            for c in trace["complaints"]
        ],
    }
