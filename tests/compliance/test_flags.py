"""Audit flags: every rule fires on its case and stays quiet on a clean control; the refresh is
set-based, idempotent, keeps a cleared flag cleared and resolves what no longer applies."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from crm.tenancy import tenant_context
from events.fees import flags, services
from events.fees.models import (
    ComplianceSettings,
    FeeFlag,
    FeeRecord,
    FlagClearing,
    PhotoFingerprint,
    VenueCapacity,
)
from events.models import AgendaItem
from hospitals.models import SalesRecord
from tests.compliance import factories as f
from tests.compliance.test_fees import fee_of, pay_through, request_lecture


@pytest.fixture
def w(tenant):
    return f.world(tenant)


def refresh(w):
    with tenant_context(w.tenant):
        flags.flags_refresh(tenant=w.tenant)
        return {(x.rule, x.key): x for x in FeeFlag.objects.all()}


def open_rules(w, **filters):
    with tenant_context(w.tenant):
        return set(FeeFlag.objects.filter(status="open", **filters).values_list("rule", flat=True))


def clean_event(w, *, days_ago=1, doctors=None, speaker=None):
    ev = f.event(w, status="held", days_ago=days_ago)
    f.agenda(w, ev, speaker=speaker, minutes=100)
    f.attendees(w, ev, doctors or w.doctors[1:7])
    return ev


def test_a_clean_event_and_fee_raise_no_flag(w):
    ev = clean_event(w, speaker=w.doctor)
    future = f.event(w, status="approved", days_ago=-5)
    e2 = request_lecture(w, ev=future, doctor=w.doctors[7])
    refresh(w)
    assert open_rules(w, engagement=e2) == set()
    assert open_rules(w, event=ev) == set()


def test_rate_card_cap_and_frequency_rules(w):
    with tenant_context(w.tenant):
        ComplianceSettings.objects.create(
            tenant=w.tenant, annual_cap=Decimal("5000"), max_engagements_90d=2, max_hours_per_day=Decimal("3")
        )
    e1 = request_lecture(w, hours="2")  # 2 000 paid
    pay_through(w, e1)
    e2 = request_lecture(w, hours="2", amount="2900", reason="特邀", days_ahead=4)  # above card
    e3 = request_lecture(w, hours="2", days_ahead=4)  # same day as e2: 4 h > 3; total 6 900 > 5 000
    flagged = refresh(w)
    assert ("above_rate_card", f"fee:{fee_of(w, e2).pk}") in flagged
    assert ("above_rate_card", f"fee:{fee_of(w, e3).pk}") not in flagged  # control
    cap = flagged[("above_annual_cap", f"doctor:{w.doctor.pk}:{timezone.localdate().year}")]
    assert cap.engagement_id == e3.pk  # 2 000 paid + 2 900 is within the cap; + 2 000 (e3) crosses it
    assert Decimal(str(cap.detail["total"])) == Decimal("6900.00") and cap.detail["cap"] == 5000
    assert ("too_many_engagements", f"eng:{e3.pk}") in flagged or ("too_many_engagements", f"eng:{e2.pk}") in flagged
    assert ("too_many_hours", f"day:{w.doctor.pk}:{e2.service_date}") in flagged
    assert not {k for k in flagged if k[0] == "too_many_hours" and k[1].startswith(f"day:{w.doctors[1].pk}:")}


def test_documents_dates_and_payment_order_rules(w):
    past = f.event(w, status="held", days_ago=10)
    e = request_lecture(w, ev=past, approval=False)  # service 10 days ago, no approval, no evidence
    with tenant_context(w.tenant):
        e.contract_file = ""
        e.contract_signed_on = None
        e.save()
    rules = {k[0] for k in refresh(w) if k[1] == f"eng:{e.pk}"}
    assert {"missing_contract", "missing_hospital_approval", "missing_evidence"} <= rules
    # approval after the service
    with tenant_context(w.tenant):
        services.engagement_documents(
            tenant=w.tenant,
            by=w.rep,
            engagement=e,
            hospital_approval_file=ContentFile(b"x", name="a.pdf"),
            hospital_approval_on=timezone.localdate(),
            contract_file=ContentFile(b"x", name="c.pdf"),
            contract_signed_on=timezone.localdate(),
        )
        services.fee_approve(tenant=w.tenant, by=w.compliance, fee=fee_of(w, e))
    flagged = refresh(w)
    assert ("approved_after_service", f"eng:{e.pk}") in flagged
    assert flagged[("missing_hospital_approval", f"eng:{e.pk}")].status == "resolved"
    # paid before delivered: a record paid with no delivery (as an import or a raw write would leave it)
    with tenant_context(w.tenant):
        FeeRecord.objects.filter(pk=fee_of(w, e).pk).update(status="paid", paid_at=timezone.now())
    assert ("paid_before_delivered", f"fee:{fee_of(w, e).pk}") in refresh(w)


def test_duplicate_payment_same_doctor_event_and_amount(w):
    ev = f.event(w, days_ago=-3)
    a = request_lecture(w, ev=ev)
    with tenant_context(w.tenant):
        b = services.engagement_request(
            tenant=w.tenant,
            by=w.rep,
            doctor=w.doctor,
            service_type="chair",
            event=ev,
            service_date=ev.starts_at.date(),
            planned_hours=Decimal("1.5"),
        )
        c = services.engagement_request(  # another doctor: control
            tenant=w.tenant,
            by=w.rep,
            doctor=w.doctors[1],
            service_type="chair",
            event=ev,
            service_date=ev.starts_at.date(),
            planned_hours=Decimal("1.5"),
        )
    flagged = refresh(w)
    assert ("duplicate_payment", f"fee:{fee_of(w, a).pk}") in flagged
    assert ("duplicate_payment", f"fee:{fee_of(w, b).pk}") in flagged
    assert ("duplicate_payment", f"fee:{fee_of(w, c).pk}") not in flagged


def test_event_rules_attendees_inflation_content_and_venue(w):
    clean = clean_event(w)
    empty = f.event(w, status="held", days_ago=2, title="空会")
    few = f.event(w, status="held", days_ago=3, title="小会")
    f.attendees(w, few, w.doctors[:2])
    inflated = f.event(w, status="held", days_ago=4, title="虚增")
    f.attendees(w, inflated, w.doctors[:2], rsvp="accepted")
    f.attendees(w, inflated, w.doctors[2:8], rsvp="walk_in")  # 8 signed in for 2 invited
    over_capacity = clean_event(w, days_ago=5)
    denied = clean_event(w, days_ago=6)
    resort = f.event(w, status="held", days_ago=7, venue_kind="resort", hours=4, title="度假村会")
    f.agenda(w, resort, minutes=20)
    f.agenda(w, resort, minutes=60, academic=False, topic="高尔夫", order=1)
    f.attendees(w, resort, w.doctors[1:7])
    with tenant_context(w.tenant):
        VenueCapacity.objects.create(tenant=w.tenant, event=over_capacity, capacity=4)
        from events.fees.models import AttendanceDenial
        from events.models import Attendee

        att = Attendee.objects.filter(event=denied).first()
        AttendanceDenial.objects.create(tenant=w.tenant, attendee=att, event=denied, noted_by=w.rep, note="医生说没去")
    refresh(w)
    assert open_rules(w, event=clean) == set()
    assert "no_attendees" in open_rules(w, event=empty)
    assert open_rules(w, event=few) >= {"few_attendees"} and "no_attendees" not in open_rules(w, event=few)
    assert "attendee_inflation" in open_rules(w, event=inflated)
    assert "attendee_inflation" in open_rules(w, event=over_capacity)
    assert "attendee_inflation" in open_rules(w, event=denied)
    assert {"low_academic_content", "flagged_venue"} <= open_rules(w, event=resort)
    with tenant_context(w.tenant):
        flag = FeeFlag.objects.get(event=resort, rule="low_academic_content")
    assert flag.detail["academic_minutes"] == 20 and flag.detail["event_minutes"] == 240
    assert "20" in flag.explanation and "240" in flag.explanation


def test_a_reused_photo_is_caught_exactly_and_as_a_resized_recompressed_copy(w):
    a, b, c, d = (clean_event(w, days_ago=i + 1) for i in range(4))
    original = f.jpeg(1)
    f.photo(w, a, original)
    f.photo(w, a, f.jpeg(2))
    f.photo(w, b, original, kind="signin_sheet")  # the same file
    f.photo(w, c, f.jpeg(1, quality=60, resize=0.8, crop=0.05))  # re-saved, resized, cropped
    f.photo(w, d, f.jpeg(3))  # a different photo: control
    with tenant_context(w.tenant):
        assert services.photos_fingerprint_missing(tenant=w.tenant) == 5
    refresh(w)
    assert "photo_reused" in open_rules(w, event=b)
    assert "photo_reused" in open_rules(w, event=c)
    assert "photo_reused" not in open_rules(w, event=d)
    assert "photo_reused" not in open_rules(w, event=a)  # the first use is not the reuse
    with tenant_context(w.tenant):
        exact = FeeFlag.objects.get(event=b, rule="photo_reused")
    assert exact.detail["exact"] is True and exact.detail["other_events"] == [a.pk]


def test_every_altered_copy_of_a_photo_is_flagged_and_no_different_photo_is(w):
    """Recall: twelve photos re-saved at another JPEG quality, resized and cropped by 5 % a side
    (the copies whose whole-picture hashes moved by more than the 3 bits a 16-bit band tolerates
    too) are each flagged; twelve different photos (the controls) are not."""
    originals, copies, others = (clean_event(w, days_ago=i + 1) for i in range(3))
    rnd = __import__("random").Random(4)
    copy_ids, control_ids = set(), set()
    for seed in range(10, 22):
        f.photo(w, originals, f.jpeg(seed))
        copy = f.jpeg(seed, quality=rnd.choice((55, 65, 75)), resize=rnd.choice((0.6, 0.8, 1.25)), crop=0.05)
        copy_ids.add(f.photo(w, copies, copy).pk)
        control_ids.add(f.photo(w, others, f.jpeg(seed + 100)).pk)
    with tenant_context(w.tenant):
        assert services.photos_fingerprint_missing(tenant=w.tenant) == 36
    refresh(w)
    with tenant_context(w.tenant):
        found = list(FeeFlag.objects.filter(rule="photo_reused"))
    flagged = {int(fl.key.split(":")[1]) for fl in found}
    far = [fl.detail["phash_distance"] + fl.detail["dhash_distance"] for fl in found]
    assert flagged == copy_ids
    assert not flagged & control_ids
    assert max(far) > 8  # some copies were far from the original as whole pictures


def test_older_fingerprints_get_their_centre_hashes(w):
    ev = clean_event(w)
    photo = f.photo(w, ev, f.jpeg(5))
    with tenant_context(w.tenant):
        services.photos_fingerprint_missing(tenant=w.tenant)
        fp = PhotoFingerprint.objects.get(photo=photo)
        PhotoFingerprint.objects.filter(pk=fp.pk).update(phash_inner=None, dhash_inner=None)
        assert services.photos_fingerprint_missing(tenant=w.tenant) == 1
        fp.refresh_from_db()
        assert fp.phash_inner is not None and fp.dhash_inner is not None and fp.phash_inner != fp.phash
        assert services.photos_fingerprint_missing(tenant=w.tenant) == 0


def test_speaker_repeat_and_sales_jump(w):
    events = [f.event(w, days_ago=-(i * 5 + 1)) for i in range(4)]
    for ev in events:
        request_lecture(w, ev=ev)
    for i, ev in enumerate(events[:3]):  # another doctor at three: under the default 4
        request_lecture(w, ev=ev, doctor=w.doctors[1])
    today = timezone.localdate()
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous = (quarter - dt.timedelta(days=1)).replace(day=1)
    from tests.hospitals.factories import DistributorFactory

    dist = DistributorFactory(tenant=w.tenant)
    with tenant_context(w.tenant):
        for month, value in ((previous, 1000), (quarter, 3000)):
            SalesRecord.objects.create(
                tenant=w.tenant,
                distributor=dist,
                hospital=w.hospital,
                product=w.product,
                month=month,
                sell_out_value=value,
            )
    refresh(w)
    assert "speaker_repeat" in open_rules(w, doctor=w.doctor)
    assert "speaker_repeat" not in open_rules(w, doctor=w.doctors[1])
    with tenant_context(w.tenant):
        jump = FeeFlag.objects.filter(rule="sales_jump", doctor=w.doctor).first()
    if events[-1].starts_at.date() < quarter.replace(month=quarter.month + 2 if quarter.month < 10 else 12, day=28):
        assert jump is not None and jump.severity == "low"


def test_refresh_is_idempotent_clearing_is_audited_and_resolved_flags_reopen(w):
    empty = f.event(w, status="held", days_ago=2)
    first = refresh(w)
    flag = first[("no_attendees", f"event:{empty.pk}")]
    assert refresh(w)[("no_attendees", f"event:{empty.pk}")].pk == flag.pk
    with tenant_context(w.tenant):
        with pytest.raises(ValidationError):
            services.flags_clear(tenant=w.tenant, by=w.compliance, flags=[flag], reason=" ")
        with pytest.raises(ValidationError):
            services.flags_clear(tenant=w.tenant, by=w.rep, flags=[flag], reason="ok")
        assert services.flags_clear(tenant=w.tenant, by=w.compliance, flags=[flag], reason="线上会议，签到在平台") == 1
        assert FlagClearing.objects.get(flag=flag).by_id == w.compliance.pk
    assert refresh(w)[("no_attendees", f"event:{empty.pk}")].status == "cleared"  # stays cleared
    f.attendees(w, empty, w.doctors[:6])
    with tenant_context(w.tenant):
        AgendaItem.objects.create(tenant=w.tenant, event=empty, topic="x", minutes=120)
    assert refresh(w)[("no_attendees", f"event:{empty.pk}")].status == "cleared"
    other = f.event(w, status="held", days_ago=3)
    assert refresh(w)[("no_attendees", f"event:{other.pk}")].status == "open"
    f.attendees(w, other, w.doctors[:6])
    assert refresh(w)[("no_attendees", f"event:{other.pk}")].status == "resolved"


def test_the_resolve_is_planned_from_the_merged_flags_real_number(w, monkeypatch):
    """The refresh analyses what its merge wrote before it resolves (from an empty flag table's
    statistics PostgreSQL chose a nested-loop anti-join that ran for minutes at 1 M engagements)."""
    from django.db import connection

    from crm import stats

    steps = []
    real = stats.analyze_so_far
    monkeypatch.setattr(stats, "analyze_so_far", lambda **kw: steps.append("analyze") or real(**kw))

    def spy(execute, sql, params, many, context):
        if sql == flags.MERGE:
            steps.append("merge")
        elif sql.startswith(flags.RESOLVE):
            steps.append("resolve")
        return execute(sql, params, many, context)

    ev = f.event(w, status="held", days_ago=2)
    f.attendees(w, ev, w.doctors[1:3])  # too few attendees: a flag to merge
    with connection.execute_wrapper(spy):
        refresh(w)
    assert "few_attendees" in open_rules(w, event=ev)  # the merge wrote a flag
    assert steps == ["merge", "analyze", "resolve"]
