"""Lots: the lot check on intake (known lots link to their shipments) and lot signals (QA told
once when the complaints on a lot, or a product and kind, reach the tenant's threshold)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from crm import inbox
from crm.permissions import QA_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Shipment

from .. import rules
from ..models import (
    Complaint,
    LotSignal,
)
from ..vocabulary import NotificationKind
from ._shared import _pk


def lot_check(*, tenant, lot_number: str, product=None) -> bool:
    """The lot is in the tenant's shipments (of ``product`` when given)."""
    if not lot_number:
        return False
    qs = Shipment.objects.for_tenant(tenant).filter(lot_number=lot_number)
    if product is not None:
        qs = qs.filter(product_id=_pk(product))
    return qs.exists()


def lot_signals_check(*, tenant, complaint) -> list[LotSignal]:
    """Raise a signal once when the complaints on the complaint's lot — or on its product and
    kind — within the tenant's window reach the threshold; QA is told with the trace linked."""
    tid = tenant_id_of(tenant)
    settings_obj = rules.complaint_settings(tenant=tid)
    since = complaint.aware_on - datetime.timedelta(days=settings_obj.signal_window_days)
    recent = Complaint.objects.for_tenant(tid).filter(aware_on__gte=since)
    raised = []
    checks = []
    if complaint.lot_number:
        checks.append((f"lot:{complaint.lot_number}", recent.filter(lot_number=complaint.lot_number), {}))
    if complaint.product_id:
        kind = complaint.defect or complaint.type
        checks.append(
            (
                f"product:{complaint.product_id}:{kind}",
                recent.filter(product_id=complaint.product_id, type=complaint.type, defect=complaint.defect),
                {"product_id": complaint.product_id, "defect": kind},
            )
        )
    for key, qs, extra in checks:
        count = qs.count()
        if count < settings_obj.signal_threshold:
            continue
        if LotSignal.objects.for_tenant(tid).filter(key=key).exists():
            continue
        try:
            with transaction.atomic():
                signal = LotSignal.objects.create(
                    tenant_id=tid,
                    key=key,
                    lot_number=complaint.lot_number if key.startswith("lot:") else "",
                    complaints=count,
                    **extra,
                )
        except IntegrityError:  # raised at the same moment by another intake
            continue
        raised.append(signal)
        _signal_notify(tid, key, count, complaint)
    return raised


def _signal_notify(tid, key, count, complaint):
    from accounts.models import User

    settings_obj = rules.complaint_settings(tenant=tid)
    users = set(User.objects.in_tenant(tid).filter(role__in=QA_ROLES, is_active=True).values_list("pk", flat=True))
    if settings_obj.qa_assignee_id:
        users.add(settings_obj.qa_assignee_id)
    if key.startswith("lot:"):
        text = gettext("Signal: %(n)s complaints on lot %(lot)s") % {"n": count, "lot": complaint.lot_number}
        link = f"/complaints/lots/{complaint.lot_number}/"
    else:
        text = gettext("Signal: %(n)s complaints on %(product)s (%(kind)s)") % {
            "n": count,
            "product": complaint.product,
            "kind": complaint.get_defect_display() or complaint.get_type_display(),
        }
        link = f"/complaints/lots/{complaint.lot_number}/" if complaint.lot_number else "/complaints/"
    inbox.notify_many(
        tenant=tid, items=[(u, NotificationKind.LOT_SIGNAL, text, ("lotsignal", None), link) for u in users]
    )
