"""A rep's events through ``EventTerritory`` (the territories of the attendees' doctors, kept by
triggers): the rep sees the events their doctors attend and not another rep's, and what they
see follows attendees added/removed/moved, alignments changed and territories reassigned."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import TerritoryAssignment
from crm.tenancy import tenant_context
from events import selectors, services
from events.models import Attendee, EventTerritory
from hospitals.models import DoctorTerritory
from tests.events.factories import EventFactory, event_world


@pytest.fixture
def world(tenant):
    return event_world(tenant)


def _seen(world, user) -> set[int]:
    return set(selectors.event_list(tenant=world.tenant, user=user).values_list("pk", flat=True))


def _pairs(world, event) -> set[int]:
    rows = EventTerritory.objects.for_tenant(world.tenant).filter(event=event)
    return set(rows.values_list("territory_id", flat=True))


def _pm_event(world):
    """An event the product manager organises (neither rep owns it nor follows it up)."""
    return EventFactory(tenant=world.tenant, owner=world.pm)


def test_rep_sees_the_events_their_doctors_attend_and_not_another_reps(world):
    with tenant_context(world.tenant):
        event = _pm_event(world)
        assert event.pk not in _seen(world, world.rep) and event.pk not in _seen(world, world.rep2)
        # Invited through the service (the product manager may invite any doctor).
        assert services.attendees_invite(tenant=world.tenant, by=world.pm, event=event, doctors=[world.doctor]) == 1
        assert _pairs(world, event) == {world.t1.pk}
        assert event.pk in _seen(world, world.rep)  # world.doctor is aligned to t1
        assert event.pk not in _seen(world, world.rep2)  # rep2 covers t2 only
        assert event.pk not in _seen(world, world.manager)  # a manager: their team's events (rule unchanged)
        services.attendees_invite(tenant=world.tenant, by=world.pm, event=event, doctors=[world.other_doctor])
        assert _pairs(world, event) == {world.t1.pk, world.t2.pk}
        assert event.pk in _seen(world, world.rep2)


def test_removing_an_attendee_drops_the_territory_only_when_no_other_attendee_keeps_it(world):
    with tenant_context(world.tenant):
        event = _pm_event(world)
        a1 = Attendee.objects.create(tenant=world.tenant, event=event, doctor=world.doctors[0])
        a2 = Attendee.objects.create(tenant=world.tenant, event=event, doctor=world.doctors[1])
        assert event.pk in _seen(world, world.rep)
        a1.delete()
        assert _pairs(world, event) == {world.t1.pk}  # doctors[1] still attends: still visible
        assert event.pk in _seen(world, world.rep)
        a2.delete()
        assert _pairs(world, event) == set()
        assert event.pk not in _seen(world, world.rep)


def test_realignment_moves_the_event_between_reps(world):
    with tenant_context(world.tenant):
        event = _pm_event(world)
        Attendee.objects.create(tenant=world.tenant, event=event, doctor=world.doctor)
        link = DoctorTerritory.objects.for_tenant(world.tenant).get(doctor=world.doctor, territory=world.t1)
        # UPDATE of the alignment: t1 → t2.
        link.territory = world.t2
        link.save()
        assert _pairs(world, event) == {world.t2.pk}
        assert event.pk not in _seen(world, world.rep) and event.pk in _seen(world, world.rep2)
        # DELETE, then INSERT of an alignment.
        link.delete()
        assert event.pk not in _seen(world, world.rep2)
        DoctorTerritory.objects.create(tenant=world.tenant, doctor=world.doctor, territory=world.t1)
        assert event.pk in _seen(world, world.rep) and event.pk not in _seen(world, world.rep2)


def test_reassigning_a_rep_changes_what_they_see_at_once(world):
    with tenant_context(world.tenant):
        event = _pm_event(world)
        Attendee.objects.create(tenant=world.tenant, event=event, doctor=world.doctor)  # t1
        assert event.pk not in _seen(world, world.rep2)
        TerritoryAssignment.objects.for_tenant(world.tenant).filter(user=world.rep2).update(territory=world.t1)
        assert event.pk in _seen(world, world.rep2)
        TerritoryAssignment.objects.for_tenant(world.tenant).filter(user=world.rep).delete()
        assert event.pk not in _seen(world, world.rep)


def test_an_attendee_moved_to_another_doctor_moves_the_territory(world):
    """A doctor merge moves attendee rows (UPDATE doctor_id): the pairs follow."""
    with tenant_context(world.tenant):
        event = _pm_event(world)
        a = Attendee.objects.create(tenant=world.tenant, event=event, doctor=world.doctor)
        Attendee.objects.for_tenant(world.tenant).filter(pk=a.pk).update(doctor=world.other_doctor)
        assert _pairs(world, event) == {world.t2.pk}
        assert event.pk in _seen(world, world.rep2) and event.pk not in _seen(world, world.rep)
        # An update that does not move the attendee (sign-in) changes nothing.
        Attendee.objects.for_tenant(world.tenant).filter(pk=a.pk).update(rsvp="accepted")
        assert _pairs(world, event) == {world.t2.pk}


def test_rebuild_finds_nothing_to_fix_after_the_triggers_and_repairs_a_damaged_table(world):
    with tenant_context(world.tenant):
        events = [_pm_event(world) for _ in range(3)]
        for e in events:
            Attendee.objects.bulk_create(
                [Attendee(tenant=world.tenant, event=e, doctor=d) for d in (*world.doctors, world.other_doctor)]
            )
        Attendee.objects.for_tenant(world.tenant).filter(event=events[0], doctor=world.other_doctor).delete()
        assert services.event_territories_rebuild(tenant=world.tenant) == {"added": 0, "removed": 0}
        EventTerritory.objects.for_tenant(world.tenant).filter(event=events[1]).delete()
        EventTerritory.objects.create(tenant=world.tenant, event=events[0], territory=world.t2)
        assert services.event_territories_rebuild(tenant=world.tenant) == {"added": 2, "removed": 1}
        assert _pairs(world, events[0]) == {world.t1.pk}
        assert _pairs(world, events[1]) == {world.t1.pk, world.t2.pk}


def test_event_territories_are_walled_by_tenant(world, other_tenant):
    other = event_world(other_tenant, prefix="O")
    with tenant_context(world.tenant):
        mine = _pm_event(world)
        Attendee.objects.create(tenant=world.tenant, event=mine, doctor=world.doctor)
    with tenant_context(other_tenant):
        theirs = EventFactory(tenant=other_tenant, owner=other.pm)
        Attendee.objects.create(tenant=other_tenant, event=theirs, doctor=other.doctor)
        assert _pairs(other, theirs) == {other.t1.pk}
    with tenant_context(world.tenant), connection.cursor() as cur:
        # Row-level security, not only the manager: raw SQL sees this tenant's rows only.
        cur.execute("SELECT DISTINCT tenant_id FROM events_eventterritory")
        assert [r[0] for r in cur.fetchall()] == [world.tenant.pk]
        assert theirs.pk not in _seen(world, world.rep) and mine.pk in _seen(world, world.rep)
