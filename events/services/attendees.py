"""Invitations, RSVP, sign-in by the rep and the QR self sign-in with fuzzy matching."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import stats
from crm.permissions import EVENT_ALL_READERS, EVENT_ORGANISERS, NETWORK_INVITERS, PROGRAM_EDITORS
from crm.tenancy import tenant_id_of
from events.models import (
    FROZEN_STATUSES,
    Attendee,
    Event,
    EventStatus,
    InvitedVia,
    Program,
    ProgramStatus,
    ProgramTarget,
    Rsvp,
    SelfSignIn,
    SelfSignInStatus,
    SignInMethod,
)
from events.services._shared import (
    _can_edit,
    _enqueue_followups,
    _lock,
    _pk,
)
from hospitals.models import Doctor, DoctorRelation

# --- attendees ------------------------------------------------------------------------------


def _check_attendance_editable(event):
    if event.status in (EventStatus.CLOSED, EventStatus.CANCELLED, EventStatus.REJECTED):
        raise ValidationError(_("The event is closed: attendees can no longer change."))


@transaction.atomic
def attendees_invite(
    *,
    tenant,
    by,
    event,
    doctors=(),
    tiers=(),
    departments=(),
    hospitals=(),
    adoption_stages=(),
    product=None,
    relations_of=(),
    via: str | None = None,
) -> int:
    """Invite doctors from the master (the doctors ``by`` may see): a hand-picked list, or by
    tier, department (standard code), hospital, adoption stage (of ``product``) or from the
    relation network of some doctors (their classmates, mentees, …). Returns how many were
    added (doctors already invited are left as they are)."""
    from hospitals.selectors import visible_doctors
    from segmentation.selectors import filter_doctors_by_adoption, filter_doctors_by_tier

    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role in EVENT_ORGANISERS and event.owner_id == by.pk):
        raise ValidationError(_("Only the organiser invites doctors."))
    _check_attendance_editable(event)
    qs = visible_doctors(tenant=tenant, user=by).active()
    criteria = False
    if doctors:
        qs, criteria, via = qs.filter(pk__in=[_pk(d) for d in doctors]), True, via or InvitedVia.HAND_PICKED
    if tiers:
        qs, criteria, via = filter_doctors_by_tier(qs, tenant=tenant, tiers=list(tiers)), True, via or InvitedVia.TIER
    if departments:
        qs, criteria = qs.filter(department__code__in=list(departments)), True
        via = via or InvitedVia.DEPARTMENT
    if hospitals:
        qs, criteria, via = qs.filter(hospital_id__in=[_pk(h) for h in hospitals]), True, via or InvitedVia.HOSPITAL
    if adoption_stages:
        qs = filter_doctors_by_adoption(qs, tenant=tenant, stages=list(adoption_stages), product=product)
        criteria, via = True, via or InvitedVia.ADOPTION
    if relations_of:
        ids = [_pk(d) for d in relations_of]
        rel = DoctorRelation.objects.for_tenant(tenant)
        related = set(rel.filter(from_doctor_id__in=ids).values_list("to_doctor_id", flat=True)) | set(
            rel.filter(to_doctor_id__in=ids).values_list("from_doctor_id", flat=True)
        )
        qs, criteria, via = qs.filter(pk__in=related - set(ids)), True, via or InvitedVia.RELATION
    if not criteria:
        raise ValidationError(_("Choose doctors, or at least one criterion."))
    ids = list(qs.order_by().values_list("pk", flat=True)[:5000])
    tid = tenant_id_of(tenant)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_by_id, invited_at,
                                         signin_method)
            SELECT %s, %s, d, 'invited', %s, %s, now(), '' FROM unnest(%s::bigint[]) AS u(d)
            ON CONFLICT (tenant_id, event_id, doctor_id) DO NOTHING
            """,
            [tid, event.pk, str(via), by.pk, ids],
        )
        added = cur.rowcount
    stats.analyze_on_commit()
    return added


@transaction.atomic
def attendees_invite_from_list(*, tenant, by, event, invitation_list, doctor_ids=None) -> tuple[int, int]:
    """Invite the doctors of a saved KOL invitation list (a doctor's network, segmentation.kol),
    or the hand-picked ``doctor_ids`` among them, through :func:`attendees_invite`; the list
    records the event that took it. Returns ``(invited, already)``: doctors added now, and
    doctors of the selection who were already on the event."""
    from segmentation.kol.services import invitation_list_update

    if getattr(by, "role", None) not in NETWORK_INVITERS:
        raise PermissionDenied(_("You may not invite doctors to events."))
    tid = tenant_id_of(tenant)
    ids = _invitation_list_doctors(tid, invitation_list, doctor_ids)
    event = _lock(tenant, event)
    already = Attendee.objects.for_tenant(tid).filter(event=event, doctor_id__in=ids).count()
    invited = attendees_invite(tenant=tenant, by=by, event=event, doctors=ids, via=InvitedVia.RELATION)
    ref = f"events.event:{event.pk}"
    if invitation_list.event_ref != ref:
        invitation_list_update(tenant=tid, by=by, invitation_list=invitation_list, event_ref=ref)
    return invited, already


def _invitation_list_doctors(tid, invitation_list, doctor_ids) -> list[int]:
    from segmentation.kol.selectors import invitation_list_doctor_ids

    if invitation_list.tenant_id != tid:
        raise ValidationError(_("Not found."))
    ids = invitation_list_doctor_ids(tenant=tid, invitation_list=invitation_list)
    if doctor_ids is not None:
        wanted = {int(i) for i in doctor_ids}
        ids = [i for i in ids if i in wanted]
    if not ids:
        raise ValidationError(_("Pick at least one doctor of the list."))
    return ids


@transaction.atomic
def program_targets_from_list(*, tenant, by, program, invitation_list, doctor_ids=None) -> tuple[int, int]:
    """Add the doctors of a saved KOL invitation list (or those picked among them) to a program's
    target audience (:class:`ProgramTarget`): inviting a network "to a program" means making it
    the audience the program's events are planned for; each event then invites whom it seats.
    Returns ``(added, already)``; the list records the program that took it."""
    from segmentation.kol.services import invitation_list_update

    if getattr(by, "role", None) not in (NETWORK_INVITERS & PROGRAM_EDITORS):
        raise PermissionDenied(_("Only a product manager or an administrator changes programs."))
    tid = tenant_id_of(tenant)
    ids = _invitation_list_doctors(tid, invitation_list, doctor_ids)
    program = Program.objects.for_tenant(tid).select_for_update().get(pk=_pk(program))
    if program.status == ProgramStatus.CLOSED or program.ends_on < timezone.localdate():
        raise ValidationError(_("The program is over: its audience no longer changes."))
    have = set(ProgramTarget.objects.for_tenant(tid).filter(program=program).values_list("doctor_id", flat=True))
    new = [i for i in ids if i not in have]
    ProgramTarget.objects.bulk_create([ProgramTarget(tenant_id=tid, program=program, doctor_id=i) for i in new])
    ref = f"events.program:{program.pk}"
    if invitation_list.event_ref != ref:
        invitation_list_update(tenant=tid, by=by, invitation_list=invitation_list, event_ref=ref)
    return len(new), len(ids) - len(new)


@transaction.atomic
def attendee_rsvp(*, tenant, by, attendee, rsvp: str) -> Attendee:
    a = Attendee.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(attendee))
    _check_attendance_editable(a.event)
    if rsvp not in Rsvp.values:
        raise ValidationError({"rsvp": _("Select a valid choice.")})
    a.rsvp = rsvp
    a.save(update_fields=["rsvp"])
    return a


def _can_sign_in(by, event) -> bool:
    return (
        event.owner_id == by.pk
        or by.role in (Role.MANAGER, Role.TENANT_ADMIN)
        or by.role in (Role.REP, Role.DISTRIBUTOR_REP)
    )


def _check_signin_open(event):
    if event.status not in (EventStatus.APPROVED, EventStatus.HELD):
        raise ValidationError(
            _("Sign-in is open for approved events only (this one is %(status)s).")
            % {"status": event.get_status_display()}
        )


@transaction.atomic
def attendee_sign_in(*, tenant, by, attendee, signed_in: bool = True) -> Attendee:
    """The rep marks an attendee present (or undoes it) on the day."""
    a = Attendee.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(attendee))
    _check_signin_open(a.event)
    if not _can_sign_in(by, a.event):
        raise ValidationError(_("You do not sign in attendees of this event."))
    if signed_in:
        if a.signed_in_at is None:
            a.signed_in_at, a.signin_method, a.signed_in_by = timezone.now(), SignInMethod.REP, by
            if a.rsvp in (Rsvp.INVITED, Rsvp.TENTATIVE, Rsvp.DECLINED):
                a.rsvp = Rsvp.ACCEPTED
    else:
        a.signed_in_at, a.signin_method, a.signed_in_by = None, "", None
    a.save()
    return a


@transaction.atomic
def attendee_add_walk_in(*, tenant, by, event, doctor) -> Attendee:
    """A doctor who was not invited walks in: added and signed in. Twice is refused."""
    from hospitals.selectors import visible_doctors

    event = _lock(tenant, event)
    _check_signin_open(event)
    d = (
        visible_doctors(tenant=tenant, user=by).filter(pk=_pk(doctor)).first()
        if by.role not in EVENT_ALL_READERS
        else (Doctor.objects.for_tenant(tenant).filter(pk=_pk(doctor)).first())
    )
    if d is None:
        raise ValidationError({"doctor": _("Select a valid choice.")})
    if Attendee.objects.for_tenant(tenant).filter(event=event, doctor=d).exists():
        raise ValidationError({"doctor": _("This doctor is already an attendee of the event.")})
    return Attendee.objects.create(
        tenant_id=event.tenant_id,
        event=event,
        doctor=d,
        rsvp=Rsvp.WALK_IN,
        invited_via=InvitedVia.WALK_IN,
        invited_by=by,
        signed_in_at=timezone.now(),
        signin_method=SignInMethod.REP,
        signed_in_by=by,
    )


# --- QR self sign-in ------------------------------------------------------------------------

MATCH_SCORE = 85  # at or above (and clearly ahead of the next candidate): matched
MATCH_GAP = 8


def _score(name, hospital_text, phone4, doctor) -> int:
    from rapidfuzz import fuzz

    from hospitals.pinyin import name_pinyin

    typed = name.replace(" ", "")
    name_score = max(
        fuzz.ratio(typed, doctor["name"]),
        fuzz.ratio(name_pinyin(typed), doctor["name_pinyin"] or "") if typed else 0,
        fuzz.ratio(typed.lower(), (doctor["name_pinyin"] or "").replace(" ", "")),
    )
    hosp = fuzz.partial_ratio(hospital_text, doctor["hospital__name"]) if hospital_text else 50
    phone = 100 if phone4 and (doctor["phone"] or "").endswith(phone4) else 0
    return round(0.6 * name_score + 0.25 * hosp + 0.15 * phone)


def self_sign_in(*, tenant, event, name: str, hospital_text: str, phone_last4: str, now=None) -> SelfSignIn:
    """A doctor signs in on the QR page (no account). What they typed is stored whatever
    happens; matched to a doctor of the master (an invited one first, then by name, pinyin and
    the host hospital), they are signed in (added as a walk-in when not invited); otherwise the
    sign-in waits in the review list."""
    from hospitals.pinyin import name_pinyin

    now = now or timezone.now()
    name, hospital_text, phone_last4 = (name or "").strip(), (hospital_text or "").strip(), (phone_last4 or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter your name.")
    if not hospital_text:
        errors["hospital_text"] = _("Enter your hospital.")
    if not (len(phone_last4) == 4 and phone_last4.isdigit()):
        errors["phone_last4"] = _("Enter the last 4 digits of your mobile phone.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.for_tenant(tenant).select_for_update().get(pk=_pk(event))
        if event.status not in (EventStatus.APPROVED, EventStatus.HELD) or now > event.ends_at + datetime.timedelta(
            hours=6
        ):
            raise ValidationError(_("Sign-in for this event is closed."))
        doctors = Doctor.objects.for_tenant(tenant).active()
        fields = ("pk", "name", "name_pinyin", "phone", "hospital__name")
        invited = list(
            doctors.filter(pk__in=Attendee.objects.for_tenant(tenant).filter(event=event).values("doctor_id")).values(
                *fields
            )[:3000]
        )
        by_name = list(doctors.filter(name=name).values(*fields)[:50])
        py = name_pinyin(name) if name else ""
        by_pinyin = list(doctors.filter(name_pinyin=py).values(*fields)[:50]) if py else []
        host = (
            list(doctors.filter(hospital_id=event.host_hospital_id).values(*fields)[:3000])
            if event.host_hospital_id
            else []
        )
        seen, scored = set(), []
        for d in invited + by_name + by_pinyin + host:
            if d["pk"] in seen:
                continue
            seen.add(d["pk"])
            scored.append((_score(name, hospital_text, phone_last4, d), d))
        scored.sort(key=lambda x: -x[0])
        top = scored[:5]
        candidates = [
            {"doctor_id": d["pk"], "name": d["name"], "hospital": d["hospital__name"], "score": s} for s, d in top
        ]
        matched = bool(top) and top[0][0] >= MATCH_SCORE and (len(top) == 1 or top[0][0] - top[1][0] >= MATCH_GAP)
        row = SelfSignIn(
            tenant_id=event.tenant_id,
            event=event,
            name=name[:100],
            hospital_text=hospital_text[:200],
            phone_last4=phone_last4,
            at=now,
            status=SelfSignInStatus.MATCHED if matched else SelfSignInStatus.REVIEW,
            score=top[0][0] if top else 0,
            candidates=candidates,
        )
        if matched:
            row.doctor_id = top[0][1]["pk"]
            row.attendee = _sign_in_doctor(event, row.doctor_id, SignInMethod.QR, None, now)
        row.save()
        return row


def _sign_in_doctor(event, doctor_id, method, by, now) -> Attendee:
    a = (
        Attendee.objects.for_tenant(event.tenant_id)
        .select_for_update()
        .filter(event=event, doctor_id=doctor_id)
        .first()
    )
    if a is None:
        return Attendee.objects.create(
            tenant_id=event.tenant_id,
            event=event,
            doctor_id=doctor_id,
            rsvp=Rsvp.WALK_IN,
            invited_via=InvitedVia.WALK_IN,
            signed_in_at=now,
            signin_method=method,
            signed_in_by=by,
        )
    if a.signed_in_at is None:
        a.signed_in_at, a.signin_method, a.signed_in_by = now, method, by
        if a.rsvp != Rsvp.WALK_IN:
            a.rsvp = Rsvp.ACCEPTED
        a.save()
    return a


@transaction.atomic
def self_signin_resolve(*, tenant, by, signin, doctor=None, dismiss: bool = False) -> SelfSignIn:
    """The organiser settles a sign-in of the review list: the doctor it was (signed in then),
    or dismissed (kept, with who dismissed it)."""
    row = SelfSignIn.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(signin))
    if not (_can_edit(by, row.event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser settles the sign-ins."))
    if row.status not in (SelfSignInStatus.REVIEW,):
        raise ValidationError(_("This sign-in is already settled."))
    row.resolved_by = by
    if dismiss:
        row.status = SelfSignInStatus.DISMISSED
    else:
        d = Doctor.objects.for_tenant(tenant).filter(pk=_pk(doctor)).first() if doctor is not None else None
        if d is None:
            raise ValidationError({"doctor": _("Select a valid choice.")})
        if row.event.status in (EventStatus.CLOSED, EventStatus.CANCELLED, EventStatus.REJECTED):
            raise ValidationError(_("The event is closed: attendees can no longer change."))
        row.doctor = d
        row.attendee = _sign_in_doctor(row.event, d.pk, SignInMethod.QR, by, row.at)
        row.status = SelfSignInStatus.RESOLVED
    row.save()
    if not dismiss and row.event.status in FROZEN_STATUSES:
        _enqueue_followups(tenant, row.event)  # a late-matched attendee gets their follow-up too
    return row


# --- event visibility by territory ----------------------------------------------------------

_TERRITORIES_PRUNE_SQL = """
DELETE FROM events_eventterritory et WHERE et.tenant_id = %(tenant)s AND NOT EXISTS (
    SELECT 1 FROM events_attendee a
    JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
                                     AND dt.territory_id = et.territory_id
    WHERE a.tenant_id = et.tenant_id AND a.event_id = et.event_id)
"""

_TERRITORIES_FILL_SQL = """
INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
SELECT DISTINCT a.tenant_id, a.event_id, dt.territory_id
FROM events_attendee a
JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
WHERE a.tenant_id = %(tenant)s
ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING
"""


@transaction.atomic
def event_territories_rebuild(*, tenant) -> dict[str, int]:
    """Recompute ``EventTerritory`` of ``tenant`` from its attendees and alignments (the
    triggers of migration 0007 keep it as writes happen; this is the repair and the check):
    returns how many pairs were ``added`` and ``removed`` (both 0 when the triggers kept up)."""
    tid = tenant_id_of(tenant)
    with connection.cursor() as cur:
        cur.execute(_TERRITORIES_PRUNE_SQL, {"tenant": tid})
        removed = cur.rowcount
        cur.execute(_TERRITORIES_FILL_SQL, {"tenant": tid})
        added = cur.rowcount
    if added or removed:
        stats.analyze_on_commit()
    return {"added": added, "removed": removed}
