"""The duplicate-doctor steward: finding likely pairs, merging with everything that refers to a
doctor, reversing a merge, and the pages of the steward."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from hospitals.models import (
    CandidateStatus,
    Doctor,
    DoctorMerge,
    DoctorRelation,
    DoctorTerritory,
    DuplicateCandidate,
    SocietyPosition,
    UsageShare,
)
from hospitals.steward.duplicates import duplicate_candidates, duplicate_scan
from hospitals.steward.hooks import registered_fields
from hospitals.steward.merge import doctor_merge, doctor_merge_revert, duplicate_dismiss, merge_plan
from segmentation.models import TierAssignment, TierOverride
from tests.factories import territory_tree
from tests.hospitals import factories as f
from tests.segmentation.factories import make_version
from tests.visits.factories import FollowUpTaskFactory, VisitFactory, VisitPlanFactory
from visits.models import Visit, VisitAmendment

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_every_foreign_key_to_a_doctor_is_moved_by_a_merge():
    """An app that adds a reference to doctors registers it (hospitals.steward.hooks), or merges
    would leave its rows behind on an inactive doctor."""
    registered = {(m, name) for m, name in registered_fields()}
    missing = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical") or model in (DuplicateCandidate, DoctorMerge):
            continue
        for field in model._meta.concrete_fields:
            points_at_doctor = isinstance(field, models.ForeignKey) and field.related_model is Doctor
            if points_at_doctor and (model, field.name) not in registered and field.name != "merged_into":
                missing.append(f"{model._meta.label}.{field.name}")
    assert not missing, f"register these with hospitals.steward.hooks.register_doctor_reference: {missing}"


def _pairs(tenant):
    with tenant_context(tenant):
        return {
            (c.doctor_a.name, c.doctor_b.name): (sorted(c.reasons), c.score, c.status)
            for c in DuplicateCandidate.objects.select_related("doctor_a", "doctor_b")
        }


def test_scan_finds_name_phone_and_pinyin_pairs_and_keeps_decisions(tenant, other_tenant):
    zs = f.HospitalFactory(tenant=tenant, name="复旦大学附属中山医院")
    rj = f.HospitalFactory(tenant=tenant, name="瑞金医院")
    cardio = f.DepartmentFactory(hospital=zs, name="心内科")
    f.DoctorFactory(hospital=zs, department=cardio, name="许立", phone="13499255324")
    xu_2 = f.DoctorFactory(hospital=zs, department=cardio, name="许立", phone="")
    with tenant_context(tenant):
        Doctor.objects.filter(pk=xu_2.pk).update(name="许 立")  # stored before names were normalised
    f.DoctorFactory(hospital=rj, name="郭霞", phone="+86 134-9925-5324")  # the same phone as 许立
    f.DoctorFactory(hospital=zs, department=cardio, name="张伟", phone="")
    f.DoctorFactory(hospital=zs, department=cardio, name="章伟", phone="")  # the same pinyin
    f.DoctorFactory(hospital=rj, name="张伟", phone="")  # another hospital: not a pair
    f.DoctorFactory(hospital__tenant=other_tenant, hospital__name="复旦大学附属中山医院", name="许立", phone="")

    result = duplicate_scan(tenant=tenant)

    pairs = _pairs(tenant)
    assert result.found == 3 == len(pairs)
    assert pairs[("许立", "许 立")] == (["name_hospital"], 70, "open")
    assert pairs[("许立", "郭霞")] == (["phone"], 60, "open")
    assert pairs[("张伟", "章伟")] == (["pinyin_department"], 40, "open")
    assert not _pairs(other_tenant), "another tenant's doctors are never paired"

    # A pair dismissed stays dismissed; a scan again changes nothing else.
    with tenant_context(tenant):
        dismissed = DuplicateCandidate.objects.get(reasons=["phone"])
    duplicate_dismiss(tenant=tenant, by=None, candidate=dismissed)
    again = duplicate_scan(tenant=tenant)
    assert again.removed == 0
    assert _pairs(tenant)[("许立", "郭霞")][2] == "dismissed"
    with tenant_context(tenant):
        assert [c.reasons for c in duplicate_candidates(tenant=tenant)] == [["name_hospital"], ["pinyin_department"]]


@pytest.fixture
def pair(tenant, make_user):
    """Two records of one doctor (许立), each with records of their own, and a colleague."""
    _, _, t1, t2 = territory_tree(tenant, "M")
    hospital = f.HospitalFactory(tenant=tenant, name="复旦大学附属中山医院")
    dept = f.DepartmentFactory(hospital=hospital, name="心内科")
    keep = f.DoctorFactory(
        hospital=hospital, department=dept, name="许立", phone="", external_id="", email="", university="北京大学"
    )
    dup = f.DoctorFactory(
        hospital=hospital, department=dept, name="许立", phone="134-9925-5324", external_id="HCP-9", university="复旦"
    )
    colleague = f.DoctorFactory(hospital=hospital, department=dept, name="王芳")
    rep = make_user(tenant, "rep")
    version = make_version(tenant)
    with tenant_context(tenant):
        for doctor, territory in ((keep, t1), (dup, t1), (dup, t2)):
            DoctorTerritory.objects.create(tenant=tenant, doctor=doctor, territory=territory)
        for doctor, period, tier in ((keep, "2026Q1", "B"), (dup, "2026Q1", "A"), (dup, "2025Q4", "A")):
            TierAssignment.objects.create(
                tenant=tenant, doctor=doctor, period=period, version=version, tier=tier, score=1.0
            )
        TierOverride.objects.create(
            tenant=tenant, doctor=dup, tier="A", reason="学术带头人", expires_on=datetime.date(2027, 1, 1)
        )
        DoctorRelation.objects.create(tenant=tenant, from_doctor=keep, to_doctor=dup, kind="colleague")
        DoctorRelation.objects.create(tenant=tenant, from_doctor=dup, to_doctor=colleague, kind="mentor")
        f.SocietyPositionFactory(doctor=dup, society="中华医学会心血管病学分会")
        f.UsageShareFactory(doctor=dup, period=datetime.date(2026, 1, 1))
    submitted = VisitFactory(doctor=dup, rep=rep, status="submitted")
    draft = VisitFactory(doctor=dup, rep=rep)
    plan = VisitPlanFactory(doctor=dup, rep=rep)
    task = FollowUpTaskFactory(doctor=dup)
    return {
        "keep": keep,
        "dup": dup,
        "colleague": colleague,
        "admin": make_user(tenant, "tenant_admin"),
        "visits": [submitted, draft],
        "plan": plan,
        "task": task,
    }


def _count(tenant, model, **filters):
    with tenant_context(tenant):
        return model.objects.filter(**filters).count()


def test_merge_moves_visits_tiers_relations_alignment_and_history_and_can_be_reversed(tenant, pair):
    keep, dup, admin = pair["keep"], pair["dup"], pair["admin"]
    with tenant_context(tenant):
        plan = {p["field"]: p for p in merge_plan(keep, dup)}
        history_before = dup.history.count()
    assert plan["phone"]["take"] and plan["external_id"]["take"], "the kept doctor's empty fields are filled"
    assert not plan.get("name"), "the same name is not a choice"

    merge = doctor_merge(tenant=tenant, by=admin, survivor=keep, merged=dup)

    with tenant_context(tenant):
        keep.refresh_from_db()
        dup.refresh_from_db()
        assert (keep.phone, keep.phone_display, keep.external_id) == ("+8613499255324", "134-9925-5324", "HCP-9")
        assert keep.university != "复旦", "a field the kept doctor has is not taken unless chosen"
        assert (dup.is_active, dup.merged_into_id, dup.external_id) == (False, keep.pk, "")
        # Everything moved, but what the kept doctor had already for the same period or territory.
        assert Visit.objects.filter(doctor=keep).count() == 2
        assert VisitAmendment.objects.filter(visit=pair["visits"][0]).count() == 1, "a locked report moves by amendment"
        assert set(TierAssignment.objects.filter(doctor=keep).values_list("period", "tier")) == {
            ("2026Q1", "B"),
            ("2025Q4", "A"),
        }
        assert TierAssignment.objects.filter(doctor=dup).count() == 1
        assert TierOverride.objects.filter(doctor=keep).count() == 1
        assert DoctorTerritory.objects.filter(doctor=keep).count() == 2
        assert DoctorRelation.objects.filter(from_doctor=keep, to_doctor=pair["colleague"], kind="mentor").exists()
        assert DoctorRelation.objects.filter(from_doctor=keep, to_doctor=dup).exists(), "never a self-relation"
        assert SocietyPosition.objects.filter(doctor=keep).count() == 1
        assert UsageShare.objects.filter(doctor=keep).count() == 1
        assert keep.history.filter(history_change_reason__startswith="merge").exists()
        assert keep.history.count() >= history_before + 1, "the merged doctor's history joins the kept one's"
        assert merge.kept == {"segmentation.TierAssignment.doctor": 1, "hospitals.DoctorTerritory.doctor": 1,
                              "hospitals.DoctorRelation.from_doctor": 1}  # fmt: skip
    for model, obj in ((type(pair["plan"]), pair["plan"]), (type(pair["task"]), pair["task"])):
        assert _count(tenant, model, pk=obj.pk, doctor=keep) == 1

    doctor_merge_revert(tenant=tenant, by=admin, merge=merge)

    with tenant_context(tenant):
        keep.refresh_from_db()
        dup.refresh_from_db()
        assert (keep.phone, keep.external_id) == ("", "")
        assert (dup.is_active, dup.merged_into_id) == (True, None)
        assert (dup.external_id, dup.phone) == ("HCP-9", "+8613499255324")
        assert Visit.objects.filter(doctor=dup).count() == 2
        assert TierAssignment.objects.filter(doctor=dup).count() == 2
        assert TierAssignment.objects.filter(doctor=keep).count() == 1
        assert DoctorTerritory.objects.filter(doctor=dup).count() == 2
        assert DoctorRelation.objects.filter(from_doctor=dup, to_doctor=pair["colleague"]).exists()
        assert dup.history.count() >= history_before
        merge.refresh_from_db()
        assert merge.reverted_at is not None and merge.reverted_by == admin
    with pytest.raises(ValidationError):
        doctor_merge_revert(tenant=tenant, by=admin, merge=merge)


def test_a_merge_older_than_30_days_stays(tenant, pair):
    merge = doctor_merge(tenant=tenant, by=pair["admin"], survivor=pair["keep"], merged=pair["dup"])
    with tenant_context(tenant):
        DoctorMerge.objects.filter(pk=merge.pk).update(at=timezone.now() - datetime.timedelta(days=31))
        merge.refresh_from_db()
    with pytest.raises(ValidationError, match="30"):
        doctor_merge_revert(tenant=tenant, by=pair["admin"], merge=merge)


def test_a_doctor_cannot_be_merged_twice_or_into_itself_or_across_tenants(tenant, other_tenant, pair):
    admin = pair["admin"]
    with pytest.raises(ValidationError):
        doctor_merge(tenant=tenant, by=admin, survivor=pair["keep"], merged=pair["keep"])
    foreign = f.DoctorFactory(hospital__tenant=other_tenant)
    with pytest.raises(ValidationError):
        doctor_merge(tenant=tenant, by=admin, survivor=pair["keep"], merged=foreign)
    doctor_merge(tenant=tenant, by=admin, survivor=pair["keep"], merged=pair["dup"])
    with pytest.raises(ValidationError):
        doctor_merge(tenant=tenant, by=admin, survivor=pair["colleague"], merged=pair["dup"])


def test_steward_pages_review_merge_and_reverse(client, tenant, pair, make_user, english):
    duplicate_scan(tenant=tenant)
    with tenant_context(tenant):
        candidate = DuplicateCandidate.objects.get()
    client.force_login(make_user(tenant, "product_manager"))

    listing = client.get(reverse("duplicate_list")).content.decode()
    assert "Same name and hospital" in listing and reverse("duplicate_detail", args=[candidate.pk]) in listing

    page = client.get(reverse("duplicate_detail", args=[candidate.pk])).content.decode()
    assert 'data-testid="field-phone"' in page and "134-9925-5324" in page
    assert "Visit reports: 2" in page or "visit reports: 2" in page.lower()

    response = client.post(
        reverse("duplicate_detail", args=[candidate.pk]), {"keep": "a", "action": "merge", "take": ["phone"]}
    )
    with tenant_context(tenant):
        merge = DoctorMerge.objects.get()
        candidate.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == reverse("doctor_merge_detail", args=[merge.pk])
    assert candidate.status == CandidateStatus.MERGED
    assert merge.survivor_id == candidate.doctor_a_id and "external_id" not in merge.survivor_before
    detail = client.get(reverse("doctor_merge_detail", args=[merge.pk])).content.decode()
    assert 'data-testid="revert-merge"' in detail
    profile = client.get(reverse("doctor_detail", args=[merge.survivor_id])).content.decode()
    assert 'data-testid="history-merged-from"' in profile, "the merged record's history, marked as such"
    assert f"merge of #{merge.merged_id} into #{merge.survivor_id}" in profile

    client.post(reverse("doctor_merge_detail", args=[merge.pk]))
    with tenant_context(tenant):
        merge.refresh_from_db()
    assert merge.reverted_at is not None


def test_reps_have_no_steward_pages(client, tenant, make_user):
    client.force_login(make_user(tenant, "rep"))
    assert client.get(reverse("duplicate_list")).status_code == 403
    assert client.post(reverse("duplicate_scan")).status_code == 403
