"""The inbox of the kernel: in-app notifications, and the daily reminders every app registers.

An app never edits another app to tell someone something:

* :func:`notify` — one notification for a user (at most one per user, kind, object and day);
  :func:`notify_many` the same in bulk;
* :func:`register_kinds` — the labels of an app's notification kinds (a ``TextChoices``), in
  its ``AppConfig.ready()``;
* :func:`register_reminders` — a function of the app that writes its daily reminders, in its
  ``AppConfig.ready()``: ``fn(*, tenant, now, day) -> {kind: notifications created}``, set-based
  and idempotent per day (``INSERT … SELECT … ON CONFLICT DO NOTHING`` into
  :data:`NOTIFICATION_TABLE`). The daily job (``crm.tasks.reminders_daily``, 08:00
  Asia/Shanghai) runs :func:`reminders_send` once per tenant, which runs every registered one;
* :func:`notification_list`, :func:`unread_notification_count`, :func:`notifications_mark_read`
  — what the notifications page, the API (``/api/v1/notifications/``) and home cards use.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from crm.models import Notification
from crm.tenancy import tenant_id_of

NOTIFICATION_TABLE = Notification._meta.db_table

_KIND_LABELS: dict[str, object] = {}
_REMINDERS: dict[str, Callable] = {}


# --- registration (AppConfig.ready) ---------------------------------------------------------


def register_kinds(choices) -> None:
    """Make the kinds of a ``TextChoices`` (value → label) known to the inbox."""
    for value, label in choices.choices:
        _KIND_LABELS[value] = label


def kind_label(kind: str) -> str:
    """The label of ``kind`` as its app registered it (the code itself when unknown)."""
    return str(_KIND_LABELS.get(kind, kind))


def register_reminders(name: str, fn: Callable) -> None:
    """Add ``fn(*, tenant, now, day) -> {kind: count}`` to the daily reminders under ``name``
    (registering the same name again replaces it)."""
    _REMINDERS[name] = fn


def registered_reminders() -> dict[str, Callable]:
    """The registered reminder functions by name (in registration order)."""
    return dict(_REMINDERS)


# --- writes ---------------------------------------------------------------------------------


def _object_ref(obj) -> tuple[str, int | None]:
    if isinstance(obj, tuple):
        return obj
    if obj is not None:
        return obj._meta.model_name, obj.pk
    return "", None


def notify(*, tenant, user, kind: str, text, obj=None, link: str = "", day: datetime.date | None = None) -> None:
    """Tell ``user`` something: one notification per (user, kind, object, day) — a second call the
    same day adds nothing. ``obj``: the object it is about (a model instance, or a
    ``(type, id)`` pair)."""
    notify_many(tenant=tenant, items=[(user, kind, text, obj, link)], day=day)


def notify_many(*, tenant, items, day: datetime.date | None = None) -> None:
    """:func:`notify` for many at once, one statement: ``items`` of ``(user, kind, text, obj, link)``."""
    tid, day = tenant_id_of(tenant), day or timezone.localdate()
    rows = []
    for user, kind, text, obj, link in items:
        object_type, object_id = _object_ref(obj)
        rows.append(
            Notification(
                tenant_id=tid,
                user_id=getattr(user, "pk", user),
                kind=kind,
                text=str(text)[:300],
                link=link,
                object_type=object_type,
                object_id=object_id,
                date=day,
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def notifications_mark_read(*, tenant, by, ids=None) -> int:
    """Mark ``by``'s notifications read (the given ids, or all); returns how many changed."""
    qs = Notification.objects.for_tenant(tenant).filter(user=by, read=False)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read=True)


def reminders_send(*, tenant, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily reminders of ``tenant``: every registered reminder function, each in its own
    transaction, in the site's language. Idempotent per day (the unique notification per user,
    kind, object and day). Returns the notifications created per kind."""
    from django.conf import settings

    now = now or timezone.now()
    day = timezone.localtime(now).date()
    counts: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for fn in _REMINDERS.values():
            with transaction.atomic():
                counts.update(fn(tenant=tenant, now=now, day=day))
    return counts


# --- reads ----------------------------------------------------------------------------------


def notification_list(*, tenant, user) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first."""
    return Notification.objects.for_tenant(tenant).filter(user=user).order_by("-created_at", "-id")


def unread_notification_count(*, tenant, user) -> int:
    """How many of ``user``'s notifications are unread."""
    return Notification.objects.for_tenant(tenant).filter(user=user, read=False).count()
