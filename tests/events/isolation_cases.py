"""Isolation cases of the events API and pages (run by tests/test_isolation.py)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from events import services
from events.models import Attendee, EventFollowUp, EventPhoto, Expense, Insight, Question, SelfSignIn
from tests.events.factories import ProgramFactory, event_world
from tests.isolation import IsolationCase, isolation_case


def _case(basename, user, own, foreign, payload=None, writable=True):
    return IsolationCase(
        user=user,
        own=own,
        foreign=foreign,
        list_url=reverse(f"{basename}-list"),
        detail_url=lambda o: reverse(f"{basename}-detail", args=[o.pk]),
        update_payload=payload,
        writable=writable,
    )


def _held(world):
    """An event of ``world`` held with its follow-ups: an agenda item, budget line, expense, photo,
    an attendee signed in with an open question (an insight), a QR sign-in."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    t, rep = world.tenant, world.rep
    with tenant_context(t):
        event = services.event_create(
            tenant=t,
            by=rep,
            title=f"科室会{world.prefix}",
            type="department_meeting",
            host_hospital=world.hospital,
            starts_at=timezone.now() - datetime.timedelta(hours=2),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
            products=[world.product],
            key_messages=[world.km1],
        )
        services.agenda_item_create(tenant=t, by=rep, event=event, topic="指南解读", minutes=30)
        services.budget_line_set(tenant=t, by=rep, event=event, category="catering", amount=800)
        services.event_submit(tenant=t, by=rep, event=event)
        services.event_approve(tenant=t, by=world.manager, event=event)
        a = services.attendee_add_walk_in(tenant=t, by=rep, event=event, doctor=world.doctor)
        services.question_record(tenant=t, by=rep, event=event, attendee=a, text=f"剂量如何调整？{world.prefix}")
        services.self_sign_in(tenant=t, event=event, name="无名氏", hospital_text="某医院", phone_last4="1234")
        services.expense_add(
            tenant=t,
            by=rep,
            event=event,
            category="catering",
            amount=700,
            spent_on=timezone.localdate(),
            receipt=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"),
        )
        services.photo_add(tenant=t, by=rep, event=event, file=SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\nxx"))
        services.event_mark_held(tenant=t, by=rep, event=event)
        services.event_followups_create(tenant=t, event_id=event.pk)
        event.refresh_from_db()
    return event


def _worlds(tenant, other_tenant):
    mine, theirs = event_world(tenant, "K"), event_world(other_tenant, "L")
    mine.prefix, theirs.prefix = "K", "L"
    return mine, theirs, _held(mine), _held(theirs)


def _child(model, tenant, event, related=()):
    with tenant_context(tenant):
        return model.objects.filter(event=event).select_related(*related).first()


@isolation_case("program")
def program_api(tenant, other_tenant, make_user):
    own, foreign = ProgramFactory(owner__tenant=tenant), ProgramFactory(owner__tenant=other_tenant)
    pm = make_user(tenant, "product_manager")
    return _case("program", pm, [own], [foreign], {"budget": "1.00"})


@isolation_case("event")
def event_api(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return _case("event", mine.rep, [own], [foreign], {"title": "篡改"})


def _child_case(basename, model, writable=False):
    def build(tenant, other_tenant, make_user):
        mine, theirs, own, foreign = _worlds(tenant, other_tenant)
        return _case(
            basename, mine.rep, [_child(model, tenant, own)], [_child(model, other_tenant, foreign)], writable=writable
        )

    return build


for _basename, _model in [
    ("event-attendee", Attendee),
    ("event-expense", Expense),
    ("event-photo", EventPhoto),
    ("event-question", Question),
    ("event-self-signin", SelfSignIn),
    ("event-followup", EventFollowUp),
    ("insight", Insight),
]:
    isolation_case(_basename)(_child_case(_basename, _model))


@isolation_case("event-agenda-item")
def agenda_api(tenant, other_tenant, make_user):
    from events.models import AgendaItem

    return _child_case("event-agenda-item", AgendaItem)(tenant, other_tenant, make_user)


@isolation_case("event-budget-line")
def budget_api(tenant, other_tenant, make_user):
    from events.models import BudgetLine

    return _child_case("event-budget-line", BudgetLine)(tenant, other_tenant, make_user)


def _page(name, user, own, foreign, text=str, list_url=None):
    return IsolationCase(
        user=user,
        own=own,
        foreign=foreign,
        kind="page",
        list_url=list_url,
        detail_url=lambda o: reverse(name, args=[o.pk]),
        text=text,
    )


@isolation_case("page:event_detail")
def event_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return _page("event_detail", mine.rep, [own], [foreign], text=lambda e: e.title, list_url=reverse("event_list"))


@isolation_case("page:event_signin")
def signin_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return _page("event_signin", mine.rep, [own], [foreign], text=lambda e: e.title)


@isolation_case("page:program_detail")
def program_page(tenant, other_tenant, make_user):
    own, foreign = ProgramFactory(owner__tenant=tenant), ProgramFactory(owner__tenant=other_tenant)
    return _page("program_detail", own.owner, [own], [foreign], text=lambda p: p.name, list_url=reverse("program_list"))


@isolation_case("page:insight_detail")
def insight_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return _page(
        "insight_detail",
        mine.pm,
        [_child(Insight, tenant, own)],
        [_child(Insight, other_tenant, foreign)],
        text=lambda i: i.text[:20],
        list_url=reverse("insight_inbox"),
    )


@isolation_case("page:event_followup_detail")
def followup_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return _page(
        "event_followup_detail",
        mine.rep,
        [_child(EventFollowUp, tenant, own, ["event"])],
        [_child(EventFollowUp, other_tenant, foreign, ["event"])],
        text=lambda f: f.event.title,
        list_url=reverse("event_followup_list"),
    )


@isolation_case("page:event_week")
def week_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    week = timezone.localtime(own.starts_at).date().isoformat()  # both tenants' events are in this week
    return _page(
        "event_detail",
        mine.rep,
        [own],
        [foreign],
        text=lambda e: e.title,
        list_url=f"{reverse('event_week')}?week={week}",
    )


@isolation_case("page:insight_new")
def insight_new_page(tenant, other_tenant, make_user):
    """The insight form prefilled from an event (``?event=``): another tenant's event is 404."""
    mine, theirs, own, foreign = _worlds(tenant, other_tenant)
    return IsolationCase(
        user=mine.rep,
        own=[own],
        foreign=[foreign],
        kind="page",
        detail_url=lambda e: f"{reverse('insight_new')}?event={e.pk}",
        text=lambda e: e.title,
    )
