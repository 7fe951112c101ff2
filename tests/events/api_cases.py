"""CRUD and role matrix of the events API (run by tests/test_api_cases.py).

Rows of an event belong to its organiser: a user of another role made by the matrix does not
see them in detail (``visible_to``: head office), and writes to them go through the event
page's actions, tested in tests/events/test_api.py.
"""

import datetime

from django.utils import timezone

from crm import permissions as p
from crm.tenancy import tenant_context
from events.models import (
    AgendaItem,
    Attendee,
    BudgetLine,
    EventFollowUp,
    EventPhoto,
    Expense,
    Insight,
    Question,
    SelfSignIn,
)
from tests.api_cases import APICase, api_case
from tests.events.factories import ProgramFactory, event_world

WINDOW = {
    "starts_at": (timezone.now() + datetime.timedelta(days=3)).isoformat(),
    "ends_at": (timezone.now() + datetime.timedelta(days=3, hours=2)).isoformat(),
}


@api_case("program")
def program(tenant, make_user):
    obj = ProgramFactory(owner__tenant=tenant)
    return APICase(
        obj=obj,
        create={
            "name": "甲状腺外科大师班 2027",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "budget": "100000",
        },
        update={"budget": "123.00"},
        readers=p.EVENT_ROLES,
        writers=p.PROGRAM_EDITORS,
    )


@api_case("event")
def event(tenant, make_user):
    from tests.events.isolation_cases import _held

    world = event_world(tenant, "M")
    world.prefix = "M"
    obj = _held(world)
    return APICase(
        obj=obj,
        create={"title": "心内科科室会", "type": "department_meeting", "venue_name": "医院三楼会议室", **WINDOW},
        readers=p.EVENT_ROLES,
        creators=p.EVENT_ORGANISERS,
        visible_to=p.EVENT_ALL_READERS,
    )


def _child(basename, model, readers=p.EVENT_ROLES):
    def build(tenant, make_user):
        from tests.events.isolation_cases import _held

        world = event_world(tenant, "N")
        world.prefix = "N"
        held = _held(world)
        with tenant_context(tenant):
            obj = model.objects.filter(event=held).first()
        return APICase(obj=obj, readers=readers, visible_to=p.EVENT_ALL_READERS)

    return api_case(basename)(build)


_child("event-attendee", Attendee)
_child("event-agenda-item", AgendaItem)
_child("event-budget-line", BudgetLine)
_child("event-expense", Expense)
_child("event-photo", EventPhoto)
_child("event-question", Question)
_child("event-self-signin", SelfSignIn)
_child("event-followup", EventFollowUp)


@api_case("insight")
def insight(tenant, make_user):
    from tests.events.isolation_cases import _held

    world = event_world(tenant, "O")
    world.prefix = "O"
    held = _held(world)
    with tenant_context(tenant):
        obj = Insight.objects.filter(event=held).first()
    return APICase(
        obj=obj,
        create={"kind": "objection", "text": "担心肝损伤", "product": world.product.pk},
        readers=p.INSIGHT_ROLES,
        creators=p.INSIGHT_RAISERS,
        visible_to=p.EVENT_ALL_READERS,
    )
