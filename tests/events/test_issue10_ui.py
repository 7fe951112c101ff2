"""The user-facing parts of issue 10 added on top of events/: the week calendar (filters,
prev/next week), the scorecard charts, the event follow-up's questionnaire and key-message recall
inside the visit report form (visits.hooks), and "Send an insight" from a visit report and an
event, prefilled with product, key message and event."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import permissions as p
from crm.roles import Role
from crm.tenancy import tenant_context
from events import pages, services
from events.models import EventFollowUp, FollowUpRecall, Insight
from tests.events.factories import EventFactory, event_world
from tests.events.isolation_cases import _held
from visits.models import Visit


@pytest.fixture
def world(tenant):
    w = event_world(tenant, "U")
    w.prefix = "U"
    return w


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


# --- the week calendar --------------------------------------------------------------------------


def _event_at(world, when, **fields):
    return EventFactory(owner=world.rep, starts_at=when, ends_at=when + datetime.timedelta(hours=2), **fields)


def test_week_shows_the_weeks_events_under_their_day_and_navigates(client, world):
    monday = _monday(timezone.localdate()) + datetime.timedelta(days=14)
    at = timezone.make_aware(datetime.datetime.combine(monday + datetime.timedelta(days=2), datetime.time(14)))
    inside = _event_at(world, at, title="周三科室会")
    next_week = _event_at(world, at + datetime.timedelta(days=7), title="下周科室会")
    client.force_login(world.rep)
    html = client.get(reverse("event_week") + f"?week={(monday + datetime.timedelta(days=4)).isoformat()}").content
    html = html.decode()
    assert f'data-monday="{monday.isoformat()}"' in html  # any day of the week opens its Monday
    day = (monday + datetime.timedelta(days=2)).isoformat()
    cell = html.split(f'data-date="{day}"')[1].split('data-testid="week-day"')[0]
    assert f'data-event-id="{inside.pk}"' in cell and "周三科室会" in cell
    assert f'data-event-id="{next_week.pk}"' not in html  # the next week's event is not drawn
    assert f"?week={(monday + datetime.timedelta(days=7)).isoformat()}" in html
    assert f"?week={(monday - datetime.timedelta(days=7)).isoformat()}" in html
    following = client.get(reverse("event_week") + f"?week={(monday + datetime.timedelta(days=7)).isoformat()}")
    assert f'data-event-id="{next_week.pk}"' in following.content.decode()
    assert f'data-event-id="{inside.pk}"' not in following.content.decode()


def test_week_keeps_the_filters_and_spans_multi_day_events(client, world):
    monday = _monday(timezone.localdate())
    at = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    webinar = _event_at(world, at, title="线上会", type="webinar")
    masterclass = EventFactory(
        owner=world.rep, title="三天大师班", type="masterclass", starts_at=at, ends_at=at + datetime.timedelta(days=2)
    )
    client.force_login(world.rep)
    html = client.get(reverse("event_week") + "?type=masterclass&mine=1").content.decode()
    assert f'data-event-id="{webinar.pk}"' not in html  # filtered out (positive control below)
    assert html.count(f'data-event-id="{masterclass.pk}"') == 3  # Monday, Tuesday, Wednesday
    assert "type=masterclass&amp;mine=1" in html  # prev/next and the month link keep the filters
    everything = client.get(reverse("event_week")).content.decode()
    assert f'data-event-id="{webinar.pk}"' in everything
    assert client.get(reverse("event_week") + "?week=not-a-date").status_code == 200


def test_month_view_links_to_the_week_with_its_filters(client, world):
    client.force_login(world.rep)
    html = client.get(reverse("event_list") + "?status=held").content.decode()
    assert (
        'data-testid="to-week"' in html and "status=held" in html.split('data-testid="to-week"')[0].rsplit("<a", 1)[1]
    )


def test_week_only_shows_events_the_user_may_see(client, world, tenant, make_user):
    at = timezone.now() + datetime.timedelta(minutes=5)
    mine = _event_at(world, at, title="我的会")
    stranger = make_user(tenant, "rep")
    theirs = EventFactory(owner=stranger, starts_at=at, ends_at=at + datetime.timedelta(hours=1), title="别人的会")
    client.force_login(world.rep)
    html = client.get(reverse("event_week")).content.decode()
    assert f'data-event-id="{mine.pk}"' in html and f'data-event-id="{theirs.pk}"' not in html


@pytest.mark.parametrize("role", [r for r, _label in Role.choices])
def test_week_and_insight_form_role_matrix(client, tenant, make_user, role):
    user = make_user(tenant, role)
    client.force_login(user)
    assert client.get(reverse("event_week")).status_code == (200 if role in p.EVENT_ROLES else 403)
    assert client.get(reverse("insight_new")).status_code == (200 if role in p.INSIGHT_RAISERS else 403)


# --- scorecard charts ---------------------------------------------------------------------------


def test_scorecard_charts_from_the_figures():
    card = {
        "by_tier": {"A": 2, "C": 1},
        "invited": 5,
        "signed_in": 3,
        "per_rep": [{"name": "王代表", "total": 4, "done": 3, "on_time": 2}],
        "recall": [{"text": "每日一次", "total": 4, "remembered": 2, "partly": 1}],
    }
    charts = {k: json.loads(v) for k, v in pages.scorecard_charts(card).items()}
    assert charts["tiers"]["labels"] == ["A", "C"] and charts["tiers"]["datasets"][0]["data"] == [2, 1]
    assert charts["signed"]["datasets"][0]["data"] == [3, 2]
    assert [d["data"] for d in charts["followup"]["datasets"]] == [[2], [1], [1]]
    assert [d["data"] for d in charts["recall"]["datasets"]] == [[50.0], [25.0], [25.0]]
    empty = {"by_tier": {}, "invited": 0, "signed_in": 0, "per_rep": [], "recall": []}
    assert pages.scorecard_charts(empty) == {}


def test_event_page_draws_the_scorecard_charts(client, world):
    event = _held(world)
    with tenant_context(world.tenant):
        f = EventFollowUp.objects.get(event=event)
        services.followup_complete(
            tenant=world.tenant,
            by=f.assignee,
            followup=f,
            recalls=[{"key_message": world.km1.pk, "recall": "partly", "reaction": "doubt"}],
            trial="none",
        )
    client.force_login(world.pm)
    html = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    for testid in ("chart-tiers", "chart-signed", "chart-followup", "chart-recall"):
        assert f'data-testid="{testid}"' in html, testid
    assert "js/events.js" in html and "chart.umd.min.js" in html
    recall = html.split('data-testid="chart-recall"')[0].rsplit("data-event-chart=", 1)[1]
    assert "Partly remembered" in recall or "部分记得" in recall


def test_no_charts_before_the_event_is_held(client, world):
    event = EventFactory(owner=world.rep)
    client.force_login(world.rep)
    html = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert 'data-testid="scorecard-charts"' not in html and "js/events.js" not in html


# --- the follow-up questionnaire in the visit report form ---------------------------------------


def _followup(world):
    event = _held(world)
    with tenant_context(world.tenant):
        f = EventFollowUp.objects.select_related("visit_plan", "event").get(event=event)
    assert f.visit_plan_id and f.assignee_id == world.rep.pk
    return event, f


def _errors(response) -> list[str]:
    """The error messages a form page shows (for assertion messages)."""
    import re

    return re.findall(r'(?:field-error|role="alert")[^>]*>(.*?)</', response.content.decode(), re.S)


def _report(world, plan, action, **extra):
    when = timezone.localtime() - datetime.timedelta(minutes=20)
    data = {
        "plan": str(plan.pk),
        "channel": "in_person",
        "visited_at": when.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "15",
        "products": [str(world.product.pk)],
        f"km_{world.km1.pk}": "accepted",
        f"km_{world.km1.pk}_note": "",
        "objective": "会后随访",
        "objective_achieved": "yes",
        "feedback": "医生记得会议要点",
        "action": action,
    }
    data.update(extra)
    return data


def test_report_form_of_an_event_followup_shows_its_questionnaire(client, world):
    event, f = _followup(world)
    client.force_login(world.rep)
    html = client.get(reverse("visit_new") + f"?plan={f.visit_plan_id}").content.decode()
    assert 'data-testid="followup-section"' in html and event.title in html
    assert f'name="evfu-recall_{world.km1.pk}"' in html and f'name="evfu-reaction_{world.km1.pk}"' in html
    for q in [q for p_ in f.purposes for q in event.questionnaire.get(p_, [])]:
        assert q in html
    assert 'data-testid="open-question"' in html  # purpose B: the doctor's open question


def test_report_without_an_event_plan_has_no_followup_section(client, world):
    client.force_login(world.rep)
    html = client.get(reverse("visit_new") + f"?doctor={world.doctor.pk}").content.decode()
    assert 'data-testid="visit-form"' in html and 'data-testid="followup-section"' not in html


def test_submit_without_recall_is_refused_and_nothing_is_lost(client, world):
    _event, f = _followup(world)
    client.force_login(world.rep)
    response = client.post(reverse("visit_new"), _report(world, f.visit_plan, "submit", **{"evfu-q_0": "记得剂量"}))
    html = response.content.decode()
    assert response.status_code == 200 and f'data-testid="error-fu-recall-{world.km1.pk}"' in html
    assert "记得剂量" in html and "医生记得会议要点" in html
    with tenant_context(world.tenant):
        assert not Visit.objects.filter(plan=f.visit_plan).exists()
        f.refresh_from_db()
    assert f.status == "open"


def test_draft_keeps_the_answers_then_submit_records_the_followup(client, world):
    event, f = _followup(world)
    plan = f.visit_plan  # read now: refresh_from_db() drops it, and outside the tenant it is not found
    client.force_login(world.rep)
    draft = _report(world, plan, "draft", **{"evfu-q_0": "已回答", f"evfu-recall_{world.km1.pk}": "partly"})
    response = client.post(reverse("visit_new"), draft)
    assert response.status_code == 302, _errors(response)
    with tenant_context(world.tenant):
        visit = Visit.objects.get(plan=f.visit_plan)
        f.refresh_from_db()
        assert [r.recall for r in FollowUpRecall.objects.filter(followup=f)] == ["partly"]
    assert f.status == "open" and f.visit_id == visit.pk and "已回答" in f.answers.values()
    html = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    partly = html.split(f'data-testid="fu-recall-{world.km1.pk}-partly"')[1].split("</label>")[0]
    assert "已回答" in html and 'value="partly"' in partly and "checked" in partly

    final = _report(
        world,
        plan,
        "submit",
        **{
            "evfu-q_0": "已回答",
            f"evfu-recall_{world.km1.pk}": "remembered",
            f"evfu-reaction_{world.km1.pk}": "doubt",
            "evfu-trial": "started",
            "evfu-trial_indication": "高血压",
        },
    )
    response = client.post(reverse("visit_detail", args=[visit.pk]), final)
    assert response.status_code == 302, _errors(response)
    with tenant_context(world.tenant):
        visit.refresh_from_db()
        f.refresh_from_db()
        recalls = list(FollowUpRecall.objects.filter(followup=f).values_list("key_message_id", "recall", "reaction"))
        plan.refresh_from_db()
    assert visit.status == "submitted" and plan.status == "done"
    assert f.status == "done" and f.visit_id == visit.pk and f.trial == "started" and f.trial_indication == "高血压"
    assert recalls == [(world.km1.pk, "remembered", "doubt")]
    assert event.pk == f.event_id


def test_someone_elses_followup_is_not_in_their_report(client, world, tenant, make_user):
    _event, f = _followup(world)
    with tenant_context(tenant):
        EventFollowUp.objects.filter(pk=f.pk).update(assignee=world.manager)
    client.force_login(world.rep)
    html = client.get(reverse("visit_new") + f"?plan={f.visit_plan_id}").content.decode()
    assert 'data-testid="visit-form"' in html and 'data-testid="followup-section"' not in html


# --- "Send an insight" from a visit report and an event ------------------------------------------


def test_submitted_report_offers_an_insight_prefilled_with_product_key_message_event(client, world):
    event, f = _followup(world)
    client.force_login(world.rep)
    data = _report(
        world,
        f.visit_plan,
        "submit",
        **{f"evfu-recall_{world.km1.pk}": "not", f"evfu-reaction_{world.km1.pk}": "doubt", "evfu-trial": "none"},
    )
    response = client.post(reverse("visit_new"), data)
    assert response.status_code == 302, _errors(response)
    with tenant_context(world.tenant):
        visit = Visit.objects.get(plan=f.visit_plan)
    html = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    link = html.split('data-testid="send-insight"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert f"event={event.pk}" in link and f"product={world.product.pk}" in link
    assert f"key_message={world.km1.pk}" in link and f"visit={visit.pk}" in link
    form = client.get(link).content.decode()
    assert event.title in form and f'<option value="{world.km1.pk}" selected' in form
    assert f'<option value="{world.product.pk}" selected' in form
    response = client.post(
        reverse("insight_new"),
        {
            "visit": visit.pk,
            "event": event.pk,
            "kind": "objection",
            "product": world.product.pk,
            "key_message": world.km1.pk,
            "text": "医生怀疑每日一次的依从性数据",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.tenant):
        row = Insight.objects.get(text="医生怀疑每日一次的依从性数据")
    assert (row.event_id, row.visit_id, row.key_message_id, row.doctor_id) == (
        event.pk,
        visit.pk,
        world.km1.pk,
        visit.doctor_id,
    )
    assert row.product_manager_id == world.pm.pk  # lands in the PM's inbox
    client.force_login(world.pm)
    inbox = client.get(reverse("insight_inbox")).content.decode()
    assert "医生怀疑每日一次的依从性数据" in inbox


def test_event_page_has_the_prefilled_insight_button(client, world):
    event = _held(world)
    client.force_login(world.rep)
    html = client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert 'data-testid="send-insight-link"' in html
    link = html.split('data-testid="send-insight-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert f"event={event.pk}" in link and f"key_message={world.km1.pk}" in link
    client.force_login(world.pm)  # a PM answers insights, does not send them
    assert (
        'data-testid="send-insight-link"' not in client.get(reverse("event_detail", args=[event.pk])).content.decode()
    )


def test_key_message_of_another_product_is_refused(client, world):
    from tests.hospitals.factories import ProductFactory

    with tenant_context(world.tenant):
        other = ProductFactory(tenant=world.tenant, is_own=True)
    client.force_login(world.rep)
    response = client.post(
        reverse("insight_new"), {"kind": "question", "product": other.pk, "key_message": world.km1.pk, "text": "x"}
    )
    assert response.status_code == 400 and 'data-testid="error-key_message"' in response.content.decode()


def test_insight_about_another_tenants_event_or_visit_is_404(client, world, other_tenant):
    theirs = event_world(other_tenant, "V")
    theirs.prefix = "V"
    foreign = _held(theirs)
    client.force_login(world.rep)
    assert client.get(reverse("insight_new") + f"?event={foreign.pk}").status_code == 404
    assert (
        client.post(
            reverse("insight_new"), {"event": foreign.pk, "kind": "question", "product": world.product.pk, "text": "x"}
        ).status_code
        == 404
    )
    mine = _held(world)
    assert client.get(reverse("insight_new") + f"?event={mine.pk}").status_code == 200  # positive control
