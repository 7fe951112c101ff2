"""Helpers shared by the services of events (not public)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import inbox
from crm.tenancy import tenant_id_of
from events.models import (
    Event,
    PendingEventFollowUp,
)
from hospitals.models import Doctor, Product

EVENT_FIELDS = frozenset(
    {
        "program",
        "title",
        "type",
        "organiser_kind",
        "distributor",
        "third_party",
        "host_hospital",
        "host_department",
        "venue_name",
        "venue_city",
        "venue_address",
        "venue_kind",
        "starts_at",
        "ends_at",
        "slide_deck",
        "expected_attendees",
    }
)
PROGRAM_FIELDS = frozenset(
    {"name", "objective", "target_tiers", "target_departments", "owner", "starts_on", "ends_on", "budget", "status"}
)
ALLOWED_UPLOADS = {  # magic bytes → what it is
    b"%PDF": "pdf",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF8": "gif",
    b"RIFF": "webp",
}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def _pk(obj):
    return getattr(obj, "pk", obj)


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _notify(tenant, user_id, kind, text, obj, link):
    inbox.notify_many(tenant=tenant_id_of(tenant), items=[(user_id, kind, text[:300], obj, link)])


def _check_role(by, roles, message):
    if getattr(by, "role", None) not in roles:
        raise ValidationError(message)


def _set_m2m(model, tenant, parent_field, parent, field, ids):
    tid = tenant_id_of(tenant)
    model.objects.for_tenant(tenant).filter(**{parent_field: parent}).delete()
    model.objects.bulk_create([model(tenant_id=tid, **{parent_field: parent, field: i}) for i in dict.fromkeys(ids)])


def _product_ids(tenant, products) -> list[int]:
    ids = [int(_pk(p)) for p in products or []]
    found = set(Product.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in found for i in ids):
        raise ValidationError({"products": _("Select a valid choice.")})
    return ids


def _doctor_ids(tenant, doctors) -> list[int]:
    ids = [int(_pk(d)) for d in doctors or []]
    found = set(Doctor.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in found for i in ids):
        raise ValidationError({"doctors": _("Select a valid choice.")})
    return ids


def _lock(tenant, event) -> Event:
    return Event.objects.for_tenant(tenant).select_for_update().get(pk=_pk(event))


def _can_edit(by, event) -> bool:
    return event.owner_id == by.pk or by.role == Role.TENANT_ADMIN


def _json(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | Decimal):
        return str(value)
    return value


def _managers_of(tenant, user_id) -> list[int]:
    from visits.services._shared import _managers_of as managers

    return [m.pk for m in managers(tenant=tenant, rep_id=user_id)]


def _enqueue_followups(tenant, event):
    from events.tasks import create_followups

    PendingEventFollowUp.objects.bulk_create(
        [PendingEventFollowUp(tenant_id=tenant_id_of(tenant), event=event)], ignore_conflicts=True
    )
    create_followups.delay_on_commit(tenant_id=tenant_id_of(tenant), event_id=event.pk)


def _dumps(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
