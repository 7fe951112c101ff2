"""The visit report form: pre-filled from the plan, draft and submit over htmx, errors inline
with nothing lost, the 24 h rule and backdating, the locked view and amendments."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.segmentation_pages.helpers import elements
from tests.visits.factories import VisitFactory
from tests.visits_pages.conftest import HTMX, make_plan, make_report
from tests.visits_pages.helpers import checked, choice_values, field_value, has_testid
from visits.models import PendingFollowUp, Visit, VisitAmendment, VisitKeyMessage


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _report_data(team, *, plan=None, action="submit", **over):
    """A typical visit as the phone form posts it: two key messages, a signal, a next step."""
    data = {
        "channel": "in_person",
        "visited_at": _local(timezone.now() - datetime.timedelta(minutes=30)),
        "duration_minutes": "15",
        "products": [str(team.product.pk)],
        f"km_{team.km1.pk}": "accepted",
        f"km_{team.km1.pk}_note": "",
        f"km_{team.km2.pk}": "objection",
        f"km_{team.km2.pk}_note": "担心价格",
        "content_items": [str(team.content.pk)],
        "objective": "讨论临床研究数据",
        "objective_achieved": "partly",
        "feedback": "医生愿意在下个月试用",
        "questions_raised": "",
        "signals": ["literature_request"],
        "note_literature_request": "要最新的III期研究全文",
        "next_step": "送III期研究文献",
        "next_step_due": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "action": action,
    }
    if plan is not None:
        data["plan"] = str(plan.pk)
    else:
        data["doctor"] = str(team.doctor.pk)
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _visits(team):
    with tenant_context(team.tenant):
        return list(Visit.objects.filter(rep=team.rep).order_by("id"))


def test_a_report_from_a_plan_is_prefilled_with_its_channel_objective_and_key_messages(team, as_user):
    plan = make_plan(team, channel="phone", objective="介绍新适应证")
    html = as_user(team.rep).get(reverse("visit_new") + f"?plan={plan.pk}").content.decode()

    assert checked(html, "channel") == ["phone"]
    assert field_value(html, "objective") == "介绍新适应证"
    # The plan's key messages are listed, marked planned, with no reaction chosen (issue 15):
    # a report records what the rep tapped, never an assumed "neutral".
    assert checked(html, f"km_{team.km1.pk}") == []
    assert checked(html, f"km_{team.km2.pk}") == []
    assert {e["data-km-id"] for e in elements(html, "km-item") if e["data-planned"] == "1"} == {
        str(team.km1.pk),
        str(team.km2.pk),
    }
    assert checked(html, "products") == [str(team.product.pk)]
    # Every reaction is a tap target, "not delivered" included (one tap).
    assert set(choice_values(html, f"km_{team.km1.pk}")) == {"accepted", "neutral", "objection", "undelivered"}


def test_save_draft_over_htmx_then_submit_locks_the_report(team, as_user):
    client = as_user(team.rep)
    plan = make_plan(team, hours=-1)

    response = client.post(reverse("visit_new"), _report_data(team, plan=plan, action="draft"), **HTMX)

    assert response.status_code == 200
    (draft,) = _visits(team)
    assert draft.status == "draft" and draft.plan_id == plan.pk
    assert response["HX-Push-Url"] == reverse("visit_detail", args=[draft.pk])
    html = response.content.decode()
    assert has_testid(html, "draft-saved") and has_testid(html, "report-clock")
    # The form goes on at the draft's address with everything as typed.
    assert f'hx-post="{reverse("visit_detail", args=[draft.pk])}"' in html
    assert field_value(html, "feedback") == "医生愿意在下个月试用"
    assert checked(html, f"km_{team.km2.pk}") == ["objection"]

    response = client.post(reverse("visit_detail", args=[draft.pk]), _report_data(team, plan=plan), **HTMX)

    html = response.content.decode()
    assert has_testid(html, "locked-badge") and has_testid(html, "on-time-badge")
    assert not has_testid(html, "visit-form")
    with tenant_context(team.tenant):
        draft.refresh_from_db()
        reactions = dict(VisitKeyMessage.objects.filter(visit=draft).values_list("key_message_id", "reaction"))
        assert PendingFollowUp.objects.filter(visit=draft).exists()  # the follow-up job is queued
        plan.refresh_from_db()
    assert draft.status == "submitted" and draft.objective_achieved == "partly"
    assert draft.signals == ["literature_request"]
    assert draft.signal_notes == {"literature_request": "要最新的III期研究全文"}
    assert draft.next_step == "送III期研究文献" and draft.duration_minutes == 15
    assert reactions == {team.km1.pk: "accepted", team.km2.pk: "objection"}
    assert plan.status == "done"


def test_submit_straight_from_a_new_form(team, as_user):
    response = as_user(team.rep).post(reverse("visit_new"), _report_data(team), **HTMX)

    (visit,) = _visits(team)
    assert visit.status == "submitted" and visit.plan_id is None
    assert response["HX-Push-Url"] == reverse("visit_detail", args=[visit.pk])
    assert has_testid(response.content.decode(), "locked-badge")


def test_an_objection_without_a_note_is_refused_inline_and_nothing_typed_is_lost(team, as_user):
    data = _report_data(team, **{f"km_{team.km2.pk}_note": ""})

    html = as_user(team.rep).post(reverse("visit_new"), data, **HTMX).content.decode()

    assert _visits(team) == []
    assert has_testid(html, f"error-km_{team.km2.pk}_note") and has_testid(html, "form-errors")
    assert field_value(html, "feedback") == "医生愿意在下个月试用"
    assert field_value(html, "next_step") == "送III期研究文献"
    assert checked(html, f"km_{team.km1.pk}") == ["accepted"]
    assert checked(html, f"km_{team.km2.pk}") == ["objection"]
    assert checked(html, "signals") == ["literature_request"]
    assert checked(html, "objective_achieved") == ["partly"]


def test_submit_without_what_a_report_needs_keeps_a_draft_and_says_what_is_missing(team, as_user):
    data = _report_data(team, objective_achieved=None, next_step_due=None)

    response = as_user(team.rep).post(reverse("visit_new"), data, **HTMX)

    html = response.content.decode()
    (visit,) = _visits(team)
    assert visit.status == "draft"  # what was typed is saved as a draft
    assert visit.feedback == "医生愿意在下个月试用"
    assert has_testid(html, "error-objective_achieved") and has_testid(html, "error-next_step_due")
    assert response["HX-Push-Url"] == reverse("visit_detail", args=[visit.pk])
    assert field_value(html, "next_step") == "送III期研究文献"


def test_validation_messages_follow_the_language(team, client):
    client.force_login(team.rep)
    data = _report_data(team, objective_achieved=None)
    client.cookies["django_language"] = "en"
    english = client.post(reverse("visit_new"), data, **HTMX).content.decode()
    assert "Say whether the objective was achieved." in english


def test_a_visit_dated_beyond_the_backdating_limit_is_refused_with_a_clear_message(team, as_user):
    data = _report_data(team, visited_at=_local(timezone.now() - datetime.timedelta(days=10)))

    html = as_user(team.rep).post(reverse("visit_new"), data, **HTMX).content.decode()

    assert _visits(team) == []
    assert has_testid(html, "error-visited_at")
    assert "can no longer be reported" in html


def test_a_report_submitted_after_24_hours_is_flagged_late(team, as_user):
    draft = make_report(team, hours_ago=30, next_step="", objective_achieved="yes")
    data = _report_data(team, visited_at=_local(draft.visited_at), signals=[], next_step="", next_step_due=None)

    html = as_user(team.rep).post(reverse("visit_detail", args=[draft.pk]), data, **HTMX).content.decode()

    assert has_testid(html, "late-badge") and has_testid(html, "locked-badge")
    with tenant_context(team.tenant):
        draft.refresh_from_db()
    assert draft.is_late is True


def test_a_submitted_report_cannot_be_edited(team, as_user):
    visit = make_report(team, submit=True)
    client = as_user(team.rep)

    page = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert has_testid(page, "locked-badge") and has_testid(page, "amend-panel")
    assert not has_testid(page, "visit-form") and not has_testid(page, "save-draft")

    response = client.post(reverse("visit_detail", args=[visit.pk]), _report_data(team, feedback="改过了"))

    assert response.status_code == 409
    with tenant_context(team.tenant):
        visit.refresh_from_db()
    assert visit.feedback == "医生对新适应证感兴趣"


def test_an_amendment_needs_a_reason_and_keeps_the_original_visible(team, as_user):
    visit = make_report(team, submit=True)
    client = as_user(team.rep)
    url = reverse("visit_detail", args=[visit.pk])
    data = _report_data(
        team, action="amend", feedback="医生同意下月试用20例", signals=[], next_step="", next_step_due=None
    )
    data.pop("visited_at")

    html = client.post(url, {**data, "reason": ""}, **HTMX).content.decode()
    assert has_testid(html, "error-reason")
    assert field_value(html, "feedback") == "医生同意下月试用20例"  # kept for the retry
    with tenant_context(team.tenant):
        assert not VisitAmendment.objects.filter(visit=visit).exists()

    html = client.post(url, {**data, "reason": "补充试用病例数"}, **HTMX).content.decode()

    with tenant_context(team.tenant):
        (amendment,) = VisitAmendment.objects.filter(visit=visit)
        visit.refresh_from_db()
    assert amendment.by_id == team.rep.pk and amendment.reason == "补充试用病例数"
    assert amendment.changes["feedback"] == {"from": "医生对新适应证感兴趣", "to": "医生同意下月试用20例"}
    assert visit.feedback == "医生同意下月试用20例" and visit.status == "submitted" and visit.amended
    assert has_testid(html, "amendment") and has_testid(html, "amended-badge")
    assert "医生对新适应证感兴趣" in html  # the original, in the amendment history
    assert 'data-testid="amendment-reason">补充试用病例数<' in html


def test_the_manager_may_amend_a_team_report_and_compliance_only_reads_it(team, as_user, make_user):
    visit = make_report(team, submit=True)
    url = reverse("visit_detail", args=[visit.pk])
    data = _report_data(team, action="amend", feedback="经理更正", signals=[], next_step="", next_step_due=None)
    data.pop("visited_at")

    page = as_user(team.compliance).get(url).content.decode()
    assert has_testid(page, "locked-badge") and not has_testid(page, "amend-panel")
    assert as_user(team.compliance).post(url, {**data, "reason": "x"}).status_code == 403

    as_user(team.manager).post(url, {**data, "reason": "经理核实后更正"})
    with tenant_context(team.tenant):
        assert VisitAmendment.objects.get(visit=visit).by_id == team.manager.pk


def test_drafts_are_their_authors_only(team, as_user):
    draft = make_report(team)
    assert as_user(team.manager).get(reverse("visit_detail", args=[draft.pk])).status_code == 404
    assert as_user(team.compliance).get(reverse("visit_detail", args=[draft.pk])).status_code == 404
    assert as_user(team.rep).get(reverse("visit_detail", args=[draft.pk])).status_code == 200


def test_another_reps_doctor_cannot_be_reported(team, as_user):
    response = as_user(team.rep).get(reverse("visit_new") + f"?doctor={team.other_doctor.pk}")
    assert response.status_code == 404
    data = _report_data(team)
    data["doctor"] = str(team.other_doctor.pk)
    assert as_user(team.rep).post(reverse("visit_new"), data).status_code == 404
    assert _visits(team) == []


def test_ticking_a_product_lists_its_key_messages_and_keeps_the_reactions_tapped(team, as_user):
    from tests.hospitals.factories import KeyMessageFactory, ProductFactory

    other = ProductFactory(tenant=team.tenant, name="新药乙")
    km3 = KeyMessageFactory(product=other, text="起效快")
    plan = make_plan(team, key_messages=[team.km1.pk])
    url = reverse("visit_report_choices")
    query = {"plan": plan.pk, "products": [team.product.pk, other.pk], f"km_{team.km1.pk}": "accepted"}

    html = as_user(team.rep).get(url, query).content.decode()

    assert checked(html, f"km_{team.km1.pk}") == ["accepted"]
    # The other product's message is offered, nothing chosen until tapped.
    assert f"km_{km3.pk}" in html and checked(html, f"km_{km3.pk}") == []
    # Without any product the plan's messages stay; the product's others go.
    html = as_user(team.rep).get(url, {"plan": plan.pk}).content.decode()
    assert f"km_{team.km1.pk}" in html and f"km_{km3.pk}" not in html and f"km_{team.km2.pk}" not in html


def test_deleting_a_draft(team, as_user):
    draft = make_report(team)
    response = as_user(team.rep).post(reverse("visit_detail", args=[draft.pk]), {"action": "delete"}, **HTMX)
    assert response["HX-Redirect"] == reverse("my_day")
    assert _visits(team) == []


@pytest.mark.parametrize("role", ["medical_affairs", "compliance", "product_manager", "tenant_admin"])
def test_head_office_does_not_write_reports(team, make_user, role, as_user):
    user = make_user(team.tenant, role)
    assert as_user(user).get(reverse("visit_new") + f"?doctor={team.doctor.pk}").status_code == 403


def test_a_report_of_one_rep_is_not_theirs_to_submit_for_another(team, as_user):
    # rep2 cannot reach the rep's draft at all (drafts are the author's only).
    with tenant_context(team.tenant):
        draft = VisitFactory(doctor=team.doctor, rep=team.rep)
    response = as_user(team.rep2).post(reverse("visit_detail", args=[draft.pk]), _report_data(team))
    assert response.status_code == 404
