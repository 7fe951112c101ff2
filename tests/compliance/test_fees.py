"""Fees: computed from the rate card, exceptions need a second approver, the workflow and its
clear errors, the paid record immutable in the database, reversals, the ledger append-only,
labour-remuneration tax, meals per signed-in attendee, seeded audit samples."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.tenancy import tenant_context
from events.fees import selectors, services, tax
from events.fees.models import Engagement, FeeRecord, ToVEntry
from tests.compliance import factories as f


@pytest.fixture
def w(tenant):
    return f.world(tenant)


def request_lecture(w, *, hours="1.5", amount=None, reason="", doctor=None, ev=None, approval=True, days_ahead=3):
    ev = ev or f.event(w, days_ago=-days_ahead)
    with tenant_context(w.tenant):
        return services.engagement_request(
            tenant=w.tenant,
            by=w.rep,
            doctor=doctor or w.doctor,
            service_type="lecture",
            event=ev,
            service_date=ev.starts_at.date(),
            planned_hours=Decimal(hours),
            amount=amount,
            exception_reason=reason,
            contract_file=ContentFile(b"%PDF contract", name="contract.pdf"),
            contract_signed_on=timezone.localdate(),
            hospital_approval_file=ContentFile(b"%PDF ok", name="approval.pdf") if approval else None,
            hospital_approval_on=timezone.localdate() if approval else None,
        )


def fee_of(w, engagement):
    with tenant_context(w.tenant):
        return FeeRecord.objects.get(engagement=engagement, kind="fee")


def pay_through(w, engagement, *, by=None):
    fee = fee_of(w, engagement)
    with tenant_context(w.tenant):
        services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee)
        services.engagement_deliver(tenant=w.tenant, by=w.rep, engagement=engagement, evidence_attendance=True)
        services.fee_request_payment(tenant=w.tenant, by=w.rep, fee=fee)
        return services.fee_pay(
            tenant=w.tenant, by=w.compliance, fee=fee, payer_entity="华康制药（上海）有限公司", channel="doctor_bank"
        )


def test_the_fee_is_rate_times_hours_capped_by_the_card(w):
    e = request_lecture(w, hours="1.5")
    fee = fee_of(w, e)
    assert fee.academic_level == "local" and fee.hourly_rate == Decimal("1000")
    assert fee.card_amount == fee.amount == Decimal("1500.00")
    e2 = request_lecture(w, hours="5", doctor=w.doctors[1])  # 5 000 capped at 3 000
    assert fee_of(w, e2).amount == Decimal("3000.00")


def test_an_amount_over_the_card_needs_a_reason_and_nothing_is_written(w):
    with pytest.raises(ValidationError) as exc:
        request_lecture(w, amount="2500")
    assert "amount" in exc.value.message_dict
    with tenant_context(w.tenant):
        assert Engagement.objects.count() == 0  # nothing half-written
    e = request_lecture(w, amount="2500", reason="国家级学会主委，临时替讲")  # positive control
    assert fee_of(w, e).is_exception


def test_an_exception_needs_a_second_approver_other_than_the_approver(w):
    e = request_lecture(w, amount="2500", reason="特殊专题")
    fee = fee_of(w, e)
    with tenant_context(w.tenant):
        with pytest.raises(ValidationError, match="second approver"):
            services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee)
        services.fee_exception_approve(tenant=w.tenant, by=w.compliance2, fee=fee)
        with pytest.raises(ValidationError):
            services.fee_approve(tenant=w.tenant, by=w.compliance2, fee=fee)
        services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee)
        fee.refresh_from_db()
    assert fee.status == "approved" and fee.exception_approved_by_id == w.compliance2.pk


def test_a_lecture_without_hospital_approval_cannot_be_approved(w):
    e = request_lecture(w, approval=False)
    fee = fee_of(w, e)
    with tenant_context(w.tenant), pytest.raises(ValidationError, match="hospital"):
        services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee)
    with tenant_context(w.tenant):
        services.engagement_documents(
            tenant=w.tenant,
            by=w.rep,
            engagement=e,
            hospital_approval_file=ContentFile(b"x", name="a.pdf"),
            hospital_approval_on=timezone.localdate(),
        )
        assert services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee).status == "approved"


def test_a_rejected_fee_cannot_be_paid(w):
    e = request_lecture(w)
    fee = fee_of(w, e)
    with tenant_context(w.tenant):
        services.fee_reject(tenant=w.tenant, by=w.compliance, fee=fee, reason="讲者资质不符")
        for call in (
            lambda: services.fee_request_payment(tenant=w.tenant, by=w.rep, fee=fee),
            lambda: services.fee_pay(
                tenant=w.tenant, by=w.compliance, fee=fee, payer_entity="X", channel="doctor_bank"
            ),
        ):
            with pytest.raises(ValidationError, match="rejected"):
                call()
        fee.refresh_from_db()
    assert fee.status == "rejected" and fee.status_reason == "讲者资质不符"


def test_paying_posts_the_ledger_withholds_tax_and_moves_the_year_total(w):
    year = timezone.localdate().year
    with tenant_context(w.tenant):
        before = selectors.doctor_year_totals(tenant=w.tenant, doctor_id=w.doctor.pk, year=year)
    fee = pay_through(w, request_lecture(w, hours="2"))  # 2 000
    assert fee.status == "paid" and fee.tax_withheld == Decimal("240.00") and fee.net_amount == Decimal("1760.00")
    with tenant_context(w.tenant):
        after = selectors.doctor_year_totals(tenant=w.tenant, doctor_id=w.doctor.pk, year=year)
        assert ToVEntry.objects.filter(fee_record=fee, category="fee", amount=Decimal("2000.00")).count() == 1
    assert after["fees_paid"] - before["fees_paid"] == Decimal("2000.00")


def test_a_paid_record_is_immutable_in_the_database_and_corrected_by_a_reversal(w):
    fee = pay_through(w, request_lecture(w, hours="2"))
    with tenant_context(w.tenant):
        for sql in (
            "UPDATE events_feerecord SET amount = 1 WHERE id = %s",
            "DELETE FROM events_feerecord WHERE id = %s",
            "UPDATE events_engagement SET planned_hours = 9 WHERE id = %s",
        ):
            target = fee.pk if "feerecord" in sql else fee.engagement_id
            with pytest.raises(IntegrityError, match="paid"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [target])
        # positive control: an unpaid record can still be updated by SQL
        other = fee_of(w, request_lecture(w, doctor=w.doctors[2]))
        with connection.cursor() as cur:
            cur.execute("UPDATE events_feerecord SET status_reason = 'x' WHERE id = %s", [other.pk])
        reversal = services.fee_reverse(tenant=w.tenant, by=w.compliance, fee=fee, reason="重复付款，已追回")
        fee.refresh_from_db()
        total = selectors.doctor_year_totals(tenant=w.tenant, doctor_id=w.doctor.pk, year=timezone.localdate().year)
        with pytest.raises(ValidationError, match="already reversed"):
            services.fee_reverse(tenant=w.tenant, by=w.compliance, fee=fee, reason="again")
    assert fee.amount == Decimal("2000.00") and fee.status == "paid"
    assert reversal.reverses_id == fee.pk and reversal.amount == Decimal("-2000.00")
    assert total["fees_paid"] == 0


def test_the_ledger_is_append_only_except_a_doctor_merge(w):
    fee = pay_through(w, request_lecture(w))
    with tenant_context(w.tenant):
        entry = ToVEntry.objects.get(fee_record=fee)
        for sql in ("UPDATE events_toventry SET amount = 0 WHERE id = %s", "DELETE FROM events_toventry WHERE id = %s"):
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [entry.pk])
        with connection.cursor() as cur:  # a merge moves the doctor: allowed
            cur.execute("UPDATE events_toventry SET doctor_id = %s WHERE id = %s", [w.doctors[1].pk, entry.pk])
        entry.refresh_from_db()
    assert entry.doctor_id == w.doctors[1].pk and entry.amount == fee.amount


@pytest.mark.parametrize(
    "gross, expected",
    [
        ("800", "0.00"),
        ("3000", "440.00"),
        ("4000", "640.00"),
        ("10000", "1600.00"),
        ("30000", "5200.00"),
        ("80000", "18600.00"),
    ],
)
def test_labour_remuneration_withholding(gross, expected):
    assert tax.labour_remuneration_tax(Decimal(gross)) == Decimal(expected)
    assert tax.net_of_tax(Decimal(gross), to_hospital=True) == (Decimal("0.00"), Decimal(gross))


def test_catering_is_shared_per_signed_in_attendee_and_posted_once(w):
    ev = f.event(w, status="held")
    f.attendees(w, ev, w.doctors[:4])
    f.attendees(w, ev, w.doctors[4:6], signed=False)
    f.catering(w, ev, "1200")
    with tenant_context(w.tenant):
        assert services.tov_post_event_meals(tenant=w.tenant, event=ev) == 4
        assert services.tov_post_event_meals(tenant=w.tenant, event=ev) == 0  # idempotent
        f.catering(w, ev, "400")
        assert services.tov_post_event_meals(tenant=w.tenant, event=ev) == 4  # the difference only
        rows = ToVEntry.objects.filter(event=ev, category="meal")
        per_doctor = {d.pk: sum(r.amount for r in rows if r.doctor_id == d.pk) for d in w.doctors[:6]}
    assert [per_doctor[d.pk] for d in w.doctors[:4]] == [Decimal("400.00")] * 4
    assert per_doctor[w.doctors[4].pk] == 0


def test_audit_samples_are_seeded_and_reproducible(w):
    for i in range(12):
        request_lecture(w, doctor=w.doctors[i % 8], days_ahead=i + 1)
    today = timezone.localdate()
    kwargs = {"kind": "engagements", "size": 5, "period_from": today, "period_until": today + dt.timedelta(days=30)}
    with tenant_context(w.tenant):
        a = services.audit_sample_draw(tenant=w.tenant, by=w.compliance, seed=42, **kwargs)
        b = services.audit_sample_draw(tenant=w.tenant, by=w.compliance, seed=42, **kwargs)
        c = services.audit_sample_draw(tenant=w.tenant, by=w.compliance, seed=7, **kwargs)
        ids = [[i.engagement_id for i in s.items.all()] for s in (a, b, c)]
        item = a.items.first()
        with pytest.raises(ValidationError):
            services.audit_item_review(tenant=w.tenant, by=w.compliance, item=item, outcome="issue", note="")
        services.audit_item_review(tenant=w.tenant, by=w.compliance, item=item, outcome="ok")
    assert ids[0] == ids[1] and len(ids[0]) == 5 and ids[0] != ids[2]
    assert a.population == 12


def test_a_rep_may_request_only_for_their_own_event(w):
    ev = f.event(w, owner=w.rep2, days_ago=-2)
    with pytest.raises(ValidationError, match="own events"):
        request_lecture(w, ev=ev)
