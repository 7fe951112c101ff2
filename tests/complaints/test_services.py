"""Complaint services: intake, routing, lot check, workflow, clocks, the closed lock, follow-up."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from complaints import services
from complaints.models import ClockKind, Complaint, ComplaintClock, ComplaintEvent, LotSignal, Queue, Status
from crm.models import Notification
from crm.tenancy import tenant_context
from tests.complaints.factories import complaints_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant):
    return complaints_world(tenant)


def _quality(world, by=None, **kw):
    data = {
        "tenant": world.tenant,
        "by": by or world.rep,
        "type": "quality",
        "defect": "packaging",
        "reporter_kind": "hospital",
        "hospital": world.hospital,
        "product": world.product,
        "lot_number": world.lot,
        "description": "铝箔破损",
        "contact_name": "药剂科王主任",
        "contact_phone": "13800000000",
    }
    data.update(kw)
    with tenant_context(world.tenant):
        return services.complaint_create(**data)


def test_quality_complaint_goes_to_qa_with_clocks_and_a_known_lot(world):
    c = _quality(world)
    assert c.queue == Queue.QA and c.assignee_id == world.qa.pk and c.lot_known
    with tenant_context(world.tenant):
        clocks = {k.kind: k for k in ComplaintClock.objects.filter(complaint=c)}
        assert set(clocks) == {"acknowledge", "investigation", "closure"}
        assert clocks["investigation"].due_on == c.aware_on + datetime.timedelta(days=30)
        assert c.next_due_on == min(k.due_on for k in clocks.values())
        assert Notification.objects.filter(user=world.qa, kind="complaint_new", object_id=c.pk).exists()
        assert not ComplaintEvent.objects.filter(complaint=c, kind="warning").exists()


def test_unknown_lot_is_accepted_with_a_warning(world):
    c = _quality(world, lot_number="nope-123")
    assert c.pk and not c.lot_known and c.lot_number == "NOPE-123"
    with tenant_context(world.tenant):
        warning = ComplaintEvent.objects.get(complaint=c, kind="warning")
    assert "NOPE-123" in warning.note


def test_bad_input_is_refused_with_field_errors(world):
    with pytest.raises(ValidationError) as err:
        _quality(world, defect="", description="", product=None)
    assert {"defect", "description", "product"} <= set(err.value.message_dict)
    with tenant_context(world.tenant):
        assert not Complaint.objects.exists()


def test_serious_adverse_event_from_a_visit_has_the_visit_date_as_day_zero(world):
    from tests.visits.factories import VisitFactory
    from visits.models import Visit, VisitProduct
    from visits.services import visit_followups_create

    visited = timezone.now() - datetime.timedelta(days=2)
    with tenant_context(world.tenant):
        visit = VisitFactory(
            doctor=world.doctor,
            rep=world.rep,
            visited_at=visited,
            signals=["adverse_event"],
            signal_notes={"adverse_event": "患者用药后严重皮疹住院"},
        )
        VisitProduct.objects.create(visit=visit, product=world.product)
        Visit.objects.filter(pk=visit.pk).update(status="submitted", submitted_at=timezone.now())
        visit_followups_create(tenant=world.tenant, visit_id=visit.pk)
        visit_followups_create(tenant=world.tenant, visit_id=visit.pk)  # the job may run twice
        [c] = Complaint.objects.filter(visit=visit)
        regulator = ComplaintClock.objects.get(complaint=c, kind=ClockKind.REGULATOR)
    day0 = timezone.localtime(visited).date()
    assert c.type == "adverse_event" and c.queue == Queue.PV and c.assignee_id == world.pv.pk
    assert c.aware_on == day0 and c.severity == "high" and c.channel == "visit"
    assert regulator.due_on == day0 + datetime.timedelta(days=15)


def test_workflow_closed_is_locked_in_the_database_and_reopen_needs_a_reason(world):
    c = _quality(world)
    t, qa = world.tenant, world.qa
    with tenant_context(t):
        with pytest.raises(ValidationError):
            services.complaint_resolve(tenant=t, by=qa, complaint=c)  # not from new
        services.complaint_triage(tenant=t, by=qa, complaint=c, severity="high", note="已致电药剂科")
        services.complaint_start_investigation(tenant=t, by=qa, complaint=c)
        with pytest.raises(ValidationError):
            services.complaint_resolve(tenant=t, by=qa, complaint=c)  # no decision yet
        services.complaint_investigation_record(
            tenant=t,
            by=qa,
            complaint=c,
            root_cause="packaging",
            findings="封口温度偏低",
            capa_ref="CAPA-2025-017",
            lot_affected=True,
            decision="replace",
        )
        services.complaint_resolve(tenant=t, by=qa, complaint=c)
        with pytest.raises(ValidationError):
            services.complaint_close(tenant=t, by=qa, complaint=c)  # no reply yet
        services.complaint_reply(
            tenant=t, by=qa, complaint=c, channel="phone", replied_on=timezone.localdate(), text="已查明原因并更换产品"
        )
        services.complaint_close(tenant=t, by=qa, complaint=c)
        c.refresh_from_db()
        assert c.status == Status.CLOSED and c.next_due_on is None
        # The rep who recorded it gets the satisfaction follow-up.
        assert Notification.objects.filter(user=world.rep, kind="complaint_followup", object_id=c.pk).exists()
        with pytest.raises(ValidationError):
            services.complaint_update(tenant=t, by=qa, complaint=c, description="改")
        # The database refuses it too, whatever the path.
        with pytest.raises(DatabaseError), transaction.atomic():
            Complaint.objects.filter(pk=c.pk).update(description="偷偷改")
        with pytest.raises(DatabaseError), transaction.atomic():
            Complaint.objects.filter(pk=c.pk).delete()
        with pytest.raises(ValidationError):
            services.complaint_reopen(tenant=t, by=qa, complaint=c, reason=" ")
        services.complaint_reopen(tenant=t, by=qa, complaint=c, reason="客户再次反馈")
        c.refresh_from_db()
        assert c.status == Status.INVESTIGATING and c.reopen_count == 1
        statuses = list(
            ComplaintEvent.objects.filter(complaint=c, kind="transition").values_list("to_status", flat=True)
        )
    assert statuses == ["triaged", "investigating", "resolved", "closed", "investigating"]


def test_roles_that_do_not_handle_are_refused(world):
    c = _quality(world)
    with tenant_context(world.tenant), pytest.raises(ValidationError):
        services.complaint_triage(tenant=world.tenant, by=world.pv, complaint=c)  # PV does not take QA's
    with tenant_context(world.tenant), pytest.raises(ValidationError):
        services.complaint_triage(tenant=world.tenant, by=world.rep, complaint=c)
    with tenant_context(world.tenant):
        services.complaint_triage(tenant=world.tenant, by=world.qa, complaint=c)


def test_clock_job_reminds_before_escalates_after_once_a_day(world):
    t = world.tenant
    late = _quality(world, aware_on=timezone.localdate() - datetime.timedelta(days=40))
    fresh = _quality(world, lot_number="")
    with tenant_context(t):
        ack = ComplaintClock.objects.get(complaint=fresh, kind="acknowledge")
    day, now = ack.remind_from, timezone.now()  # the fresh complaint's reminder window has begun
    with tenant_context(t):
        first = services.complaint_reminders(tenant=t, now=now, day=day)
        second = services.complaint_reminders(tenant=t, now=now, day=day)
        # The late complaint (minor) is counted in the escalation user's digest, not told alone.
        digests = Notification.objects.filter(kind="complaint_overdue", user=world.admin)
        assert first["complaint_overdue"] == 1 and digests.count() == 1  # no QA escalation set: the administrator
        assert first["complaint_escalated"] == 0
        assert not Notification.objects.filter(kind="complaint_escalated", object_id=late.pk).exists()
        assert Notification.objects.filter(kind="complaint_due", object_id=fresh.pk, user=world.qa).count() == 1
        # Negative beside it: the fresh complaint is not escalated (nothing of it is past due).
        assert not Notification.objects.filter(kind="complaint_escalated", object_id=fresh.pk).exists()
        assert second == dict.fromkeys(first, 0)
        # The next day it runs again (the late complaint is in the next day's digest, once).
        third = services.complaint_reminders(tenant=t, now=now, day=day + datetime.timedelta(days=1))
        assert third["complaint_overdue"] == 1 and digests.count() == 2


def _close(world, c):
    t, qa = world.tenant, world.qa
    with tenant_context(t):
        services.complaint_triage(tenant=t, by=qa, complaint=c, note="")
        services.complaint_start_investigation(tenant=t, by=qa, complaint=c)
        services.complaint_investigation_record(
            tenant=t, by=qa, complaint=c, root_cause="packaging", findings="封口温度偏低", capa_ref="CAPA-1",
            lot_affected=False, decision="no_action",
        )  # fmt: skip
        services.complaint_resolve(tenant=t, by=qa, complaint=c)
        services.complaint_reply(
            tenant=t, by=qa, complaint=c, channel="phone", replied_on=timezone.localdate(), text="已答复"
        )
        services.complaint_close(tenant=t, by=qa, complaint=c)


def test_escalations_are_one_digest_per_user_and_day_urgent_ones_also_alone(world, other_tenant):
    """800,000 overdue complaints must not be 800,000 notifications: the escalation user gets one
    digest a day with the count (closed, not yet overdue and other tenants' complaints not in
    it), and every urgent one (critical, serious adverse event) still on its own."""
    t = world.tenant
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    late = [_quality(world, aware_on=long_ago) for _ in range(3)]
    critical = _quality(world, aware_on=long_ago, severity="critical")
    closed = _quality(world, aware_on=long_ago)
    _close(world, closed)
    fresh = _quality(world, lot_number="")
    other = complaints_world(other_tenant, prefix="D")
    for _ in range(2):  # overdue in the other tenant: never counted here
        _quality(other, aware_on=long_ago)
    with tenant_context(world.tenant):
        world.admin.language = "en"
        world.admin.save(update_fields=["language"])
    with tenant_context(t):
        day = ComplaintClock.objects.get(complaint=fresh, kind="acknowledge").due_on  # fresh: due, not overdue
        first = services.complaint_reminders(tenant=t, now=timezone.now(), day=day)
        digest = Notification.objects.get(kind="complaint_overdue", user=world.admin, date=day)
        assert digest.text == "4 complaints overdue (1 urgent)"  # 3 late + the critical one
        assert digest.link == "/complaints/?scope=all&status=open&overdue=on"
        assert (digest.object_type, digest.object_id) == ("", None)
        escalated = Notification.objects.filter(kind="complaint_escalated", date=day)
        assert list(escalated.values_list("object_id", flat=True)) == [critical.pk]
        assert first["complaint_overdue"] == 1 and first["complaint_escalated"] == 1
        # Negative beside it: the closed and the fresh complaint are neither counted nor told.
        assert not escalated.filter(object_id__in=[closed.pk, fresh.pk] + [c.pk for c in late]).exists()
        # A second run the same day adds nothing.
        assert services.complaint_reminders(tenant=t, now=timezone.now(), day=day) == dict.fromkeys(first, 0)
        assert Notification.objects.filter(kind__in=["complaint_overdue", "complaint_escalated"]).count() == 2
    # The other tenant's people were told nothing by this tenant's job.
    with tenant_context(other_tenant):
        assert not Notification.objects.filter(kind__in=["complaint_overdue", "complaint_escalated"]).exists()
        # Its own job counts only its own two.
        services.complaint_reminders(tenant=other_tenant, now=timezone.now(), day=day)
        [theirs] = Notification.objects.filter(kind="complaint_overdue", user=other.admin)
        assert theirs.text.startswith("2")


def test_the_digest_speaks_the_users_language_and_links_to_the_overdue_inbox(world, client):
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    late = _quality(world, aware_on=long_ago)
    _quality(world, aware_on=long_ago, severity="critical")
    fresh = _quality(world)
    with tenant_context(world.tenant):
        world.admin.language = "zh-hans"
        world.admin.save(update_fields=["language"])
    with tenant_context(world.tenant):
        services.complaint_reminders(tenant=world.tenant, now=timezone.now(), day=timezone.localdate())
        digest = Notification.objects.get(kind="complaint_overdue", user=world.admin)
    assert digest.text == "2 件投诉超期（1 件紧急）"
    client.force_login(world.admin)
    page = client.get(digest.link).content.decode()
    assert f"/complaints/{late.pk}/" in page and f"/complaints/{fresh.pk}/" not in page  # overdue only


def test_an_assignee_with_many_reminders_gets_a_digest_urgent_ones_alone(world, monkeypatch):
    from complaints.services import clocks

    monkeypatch.setattr(clocks, "REMIND_DIGEST_OVER", 2)  # the threshold, small for the test
    minor = [_quality(world, lot_number="") for _ in range(2)]
    critical = _quality(world, lot_number="", severity="critical")
    with tenant_context(world.tenant):
        day = ComplaintClock.objects.get(complaint=critical, kind="acknowledge").remind_from
        first = services.complaint_reminders(tenant=world.tenant, now=timezone.now(), day=day)
        assert first["complaint_due_digest"] == 1 and first["complaint_due"] == 1
        [digest] = Notification.objects.filter(kind="complaint_due_digest", user=world.qa)
        assert digest.text.startswith("3") and digest.object_id is None
        each = Notification.objects.filter(kind="complaint_due", user=world.qa)
        assert list(each.values_list("object_id", flat=True)) == [critical.pk]
        assert not each.filter(object_id__in=[c.pk for c in minor]).exists()


def test_lot_signal_once_at_the_threshold(world):
    _quality(world)
    _quality(world)
    with tenant_context(world.tenant):
        assert not LotSignal.objects.exists()
    _quality(world)
    _quality(world)
    with tenant_context(world.tenant):
        assert LotSignal.objects.filter(key=f"lot:{world.lot}").count() == 1
        assert Notification.objects.filter(kind="lot_signal", user=world.qa).count() == 1


def test_a_doctor_merge_moves_a_closed_complaint_and_its_revert_puts_it_back(world, tenant_admin):
    """Two records of one doctor merged: the closed complaint follows the survivor (the lock lets
    only the doctor column change), the revert puts it back, and its content stays locked."""
    from hospitals.steward.merge import doctor_merge, doctor_merge_revert
    from tests.hospitals.factories import DoctorFactory

    t, qa = world.tenant, world.qa
    with tenant_context(t):
        duplicate = DoctorFactory(tenant=t, hospital=world.doctor.hospital, name=world.doctor.name)
        c = _quality(world, reporter_kind="doctor", doctor=duplicate)
        services.complaint_triage(tenant=t, by=qa, complaint=c, severity="low", note="")
        services.complaint_start_investigation(tenant=t, by=qa, complaint=c)
        services.complaint_investigation_record(
            tenant=t, by=qa, complaint=c, root_cause="packaging", findings="-", capa_ref="", lot_affected=False,
            decision="no_action",
        )  # fmt: skip
        services.complaint_resolve(tenant=t, by=qa, complaint=c)
        services.complaint_reply(
            tenant=t, by=qa, complaint=c, channel="phone", replied_on=timezone.localdate(), text="好"
        )
        services.complaint_close(tenant=t, by=qa, complaint=c)
        other = _quality(world)  # positive control: a complaint of nobody's doctor does not move

        merge = doctor_merge(tenant=t, by=tenant_admin, survivor=world.doctor, merged=duplicate)
        c.refresh_from_db()
        assert c.status == Status.CLOSED and c.doctor_id == world.doctor.pk
        assert Complaint.objects.get(pk=other.pk).doctor_id == other.doctor_id
        with pytest.raises(DatabaseError), transaction.atomic():
            Complaint.objects.filter(pk=c.pk).update(description="偷偷改")

        doctor_merge_revert(tenant=t, by=tenant_admin, merge=merge)
        c.refresh_from_db()
        assert c.doctor_id == duplicate.pk
