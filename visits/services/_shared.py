"""What the services of visits share: ids of objects or ids, the doctor a user may see, approved key
messages and usable content, a rep's managers, notifications through the kernel's inbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from crm import inbox
from hospitals.models import KeyMessage
from hospitals.selectors import visible_doctors
from visits.models import (
    ContentItem,
)


def _pk(obj):
    return getattr(obj, "pk", obj)


def _managers_of(*, tenant, rep_id) -> list:
    """Managers whose team includes the rep (their node is above one of the rep's territories)."""
    from accounts.models import Territory, TerritoryAssignment

    rep_nodes = TerritoryAssignment.objects.for_tenant(tenant).filter(user_id=rep_id).values("territory_id")
    ancestors = Territory.objects.for_tenant(tenant).filter(_ancestor_of(rep_nodes)).values("pk")
    return list(
        User.objects.in_tenant(tenant)
        .filter(role=Role.MANAGER, is_active=True, territory_assignments__territory_id__in=ancestors)
        .distinct()
    )


def _ancestor_of(node_ids):
    """Q: the parent or grandparent of a node in ``node_ids`` (the tree is three levels deep)."""
    from django.db.models import Q

    return Q(children__pk__in=node_ids) | Q(children__children__pk__in=node_ids)


def _check_doctor_visible(tenant, by, doctor_id):
    """The doctor, when ``by`` may see them (else "Select a valid choice.")."""
    doctor = visible_doctors(tenant=tenant, user=by).filter(pk=doctor_id).first()
    if doctor is None:
        raise ValidationError({"doctor": _("Select a valid choice.")})
    return doctor


def _approved_key_message_ids(tenant, ids) -> list[int]:
    return list(_approved_key_messages(tenant, ids))


def _approved_key_messages(tenant, ids) -> dict[int, int]:
    """Key message id → product id, for ``ids`` that are all approved (else a ValidationError)."""
    ids = [int(_pk(i)) for i in ids]
    if not ids:
        return {}
    ok = dict(KeyMessage.objects.for_tenant(tenant).filter(pk__in=ids, is_active=True).values_list("pk", "product_id"))
    if any(i not in ok for i in ids):
        raise ValidationError({"key_messages": _("Only approved key messages can be used.")})
    return {i: ok[i] for i in ids}


def _usable_content_ids(tenant, ids, on=None) -> list[int]:
    ids = [int(_pk(i)) for i in ids]
    ok = set(ContentItem.objects.for_tenant(tenant).usable(on).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in ok for i in ids):
        raise ValidationError({"content_items": _("Only approved content valid on the visit date can be used.")})
    return ids


# --- notifications and reminders (the kernel's inbox: crm.inbox) ----------------------------


def _notify(*, tenant, user, kind, text, obj=None, link="", day=None) -> None:
    """One notification per (user, kind, object, day) through the kernel's inbox."""
    inbox.notify(tenant=tenant, user=user, kind=kind, text=text, obj=obj, link=link, day=day)


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
