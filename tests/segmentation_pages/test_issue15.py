"""Issue 15 on the tier pages: explanations with facts ("无数据" and the missing-data policy,
never a bare 0), the record (drafts to compare and publish, unscored doctors and "score new
doctors"), the re-score schedule for tenant administrators, the override date input and the
adoption select with nothing preselected."""

import re

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from segmentation.models import Adoption, RunStatus, ScoringRun, TierAssignment, TierResult
from tests.hospitals import factories as f
from tests.segmentation_pages.helpers import elements, one
from tests.segmentation_pages.world import LATEST


def _zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_a_doctor_without_usage_reads_no_data_with_the_policy_not_zero(client, tier_world):
    doctor = tier_world.doctors["王芳"]
    other = tier_world.doctors["李建国"]
    with tenant_context(tier_world.tenant):
        # Positive control: 李建国 has usage in the quarter, 王芳 none.
        f.UsageShareFactory(doctor=other, product=tier_world.product, period="2026-04-01", volume=120, share=18)
        f.SocietyPositionFactory(doctor=doctor, society="中华医学会内分泌学分会", level="national", position="chair")
    client.force_login(tier_world.pm)
    html = _zh(client).get(reverse("doctor_detail", args=[doctor.pk])).content.decode()
    rows = {r["data-key"]: r for r in elements(html, "breakdown-row")}
    business = rows["business_contribution"]
    assert business["data-missing"] == "1"
    assert "无数据" in business["text"] and "计为最低值" in business["text"]
    # The academic input names the society post and its level.
    assert "中华医学会内分泌学分会" in rows["academic_influence"]["text"]
    assert "主任委员" in rows["academic_influence"]["text"] and "国家级" in rows["academic_influence"]["text"]

    html = _zh(client).get(reverse("doctor_detail", args=[other.pk])).content.decode()
    business = {r["data-key"]: r for r in elements(html, "breakdown-row")}["business_contribution"]
    assert business["data-missing"] == "0" and "无数据" not in business["text"]
    assert "120" in business["text"] and "18%" in business["text"]


def test_the_dashboard_counts_unscored_doctors_and_offers_to_score_them(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(reverse("tier_dashboard")).content.decode()
    assert one(html, "unscored")["data-count"] == "0" and not elements(html, "score-new-doctors")
    hospital = tier_world.doctors["王芳"].hospital
    f.DoctorFactory(hospital=hospital, name="新医生甲")
    f.DoctorFactory(hospital=hospital, name="新医生乙")
    html = client.get(reverse("tier_dashboard")).content.decode()
    assert one(html, "unscored")["data-count"] == "2" and elements(html, "score-new-doctors")
    assert one(html, "next-rescore")["data-date"]
    # A rep sees neither the count nor the action.
    client.force_login(tier_world.rep)
    html = client.get(reverse("tier_dashboard")).content.decode()
    assert not elements(html, "unscored")


def _draft(world):
    """A draft re-run of the latest quarter in which 李建国 goes from A to B."""
    with tenant_context(world.tenant):
        run = ScoringRun.objects.create(
            tenant=world.tenant,
            version=world.version,
            period=LATEST,
            status=RunStatus.DONE,
            is_draft=True,
            changed_rows=1,
            finished_at=timezone.now(),
        )
        rows = []
        for a in TierAssignment.objects.filter(period=LATEST):
            tier = "B" if a.doctor_id == world.doctors["李建国"].pk else a.tier
            rows.append(TierResult(tenant=world.tenant, run=run, doctor_id=a.doctor_id, tier=tier, score=a.score))
        TierResult.objects.bulk_create(rows)
    return run


def test_a_draft_is_compared_and_published_with_a_reason_on_the_page(client, tier_world):
    run = _draft(tier_world)
    doctor = tier_world.doctors["李建国"]
    client.force_login(tier_world.pm)
    html = client.get(reverse("tier_dashboard")).content.decode()
    assert one(html, "draft-run")["data-run-id"] == str(run.pk)
    html = client.get(reverse("tier_run_publish", args=[run.pk])).content.decode()
    assert one(html, "draft-comparison")["data-changed"] == "1"

    response = client.post(reverse("tier_run_publish", args=[run.pk]), {"reason": ""})
    assert response.status_code == 200 and elements(response.content.decode(), "error-reason")
    with tenant_context(tier_world.tenant):
        assert TierAssignment.objects.get(doctor=doctor, period=LATEST).tier == "A"  # still the record

    response = client.post(reverse("tier_run_publish", args=[run.pk]), {"reason": "学会任职数据更正"})
    assert response.status_code == 302
    with tenant_context(tier_world.tenant):
        assert TierAssignment.objects.get(doctor=doctor, period=LATEST).tier == "B"
        # The replaced record is kept under its run.
        old = tier_world.runs[LATEST]
        assert TierResult.objects.get(run=old, doctor=doctor).tier == "A"
    html = client.get(reverse("tier_run_publish", args=[run.pk])).content.decode()
    assert [r["data-run-id"] for r in elements(html, "record-history-row")] == [
        str(run.pk),
        str(tier_world.runs[LATEST].pk),
    ]


def test_a_tenant_admin_sees_and_moves_the_quarterly_rescore(client, tier_world, make_user):
    admin = make_user(tier_world.tenant, "tenant_admin")
    client.force_login(admin)
    response = client.get(reverse("tier_schedule"))
    assert response.status_code == 200  # was 403 on the raw beat rows
    response = client.post(reverse("tier_schedule"), {"rescore_enabled": "on", "rescore_day": "15"})
    assert response.status_code == 302
    html = client.get(reverse("tier_schedule")).content.decode()
    assert one(html, "next-rescore")["data-date"].endswith("-15")
    response = client.post(reverse("tier_schedule"), {"rescore_enabled": "on", "rescore_day": "31"})
    assert elements(response.content.decode(), "error-rescore_day")
    client.force_login(tier_world.rep)
    assert client.get(reverse("tier_schedule")).status_code in (403, 404)


def test_the_override_expiry_renders_as_an_iso_date_in_chinese(client, tier_world):
    client.force_login(tier_world.pm)
    html = _zh(client).get(reverse("tier_override_new", args=[tier_world.doctors["周杰"].pk])).content.decode()
    (value,) = re.findall(r'name="expires_on" value="([^"]*)"', html) or re.findall(
        r'value="([^"]*)"[^>]*name="expires_on"', html
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value


def test_the_adoption_select_preselects_no_stage_and_an_empty_choice_records_nothing(client, tier_world):
    doctor, product = tier_world.doctors["李建国"], tier_world.product
    client.force_login(tier_world.rep)
    html = client.get(reverse("doctor_detail", args=[doctor.pk])).content.decode()
    select = html[html.index('data-testid="adoption-stage-select"') :]
    select = select[: select.index("</select>")]
    selected = re.findall(r'<option value="([^"]*)"[^>]*selected', select)
    assert selected == [""]  # "choose a stage", not 未知晓
    client.post(reverse("doctor_adoption", args=[doctor.pk]), {"product": product.pk, "stage": ""})
    with tenant_context(tier_world.tenant):
        assert not Adoption.objects.exists()
    client.post(reverse("doctor_adoption", args=[doctor.pk]), {"product": product.pk, "stage": "aware"})
    with tenant_context(tier_world.tenant):
        assert Adoption.objects.get().stage == "aware"
