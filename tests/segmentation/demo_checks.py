"""seed_demo's segmentation: a scorecard, two quarters of tiers with movement, overrides, settings, adoption.

Checked by tests/test_demo.py (one seeded demo for every app's checks)."""

from accounts.models import Tenant
from crm.tenancy import tenant_context
from segmentation import models as m
from segmentation import selectors

COUNTED = [
    m.Scorecard, m.ScorecardVersion, m.ScorecardDimension, m.ImportedDimension, m.ImportedValue, m.ScoringRun,
    m.TierAssignment, m.TierOverride, m.TierSetting, m.Adoption,
]  # fmt: skip


def counts():
    counts = {}
    for tenant in Tenant.objects.order_by("code"):
        with tenant_context(tenant):
            counts[tenant.code] = {model.__name__: model.objects.count() for model in COUNTED}
    return counts


def check(first):
    """The dashboard has two quarters with movement; ``first``: :func:`counts` after the first seed."""
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            doctors = first[tenant.code]
            # Two published quarters and a draft re-run of the latest (issue 15: tiers of record).
            assert doctors["ScoringRun"] == 3 and doctors["TierOverride"] == 3 and doctors["TierSetting"] == 4
            assert selectors.draft_runs(tenant=tenant).count() == 1
            previous, latest = selectors.last_two_periods(tenant=tenant)
            assert previous and latest
            matrix = selectors.movement_matrix(tenant=tenant)
            assert matrix["up"] > 0 and matrix["down"] > 0, "the dashboard shows movement"
            counts = selectors.tier_counts(tenant=tenant)
            assert counts["A"] > 0 and counts["D"] > counts["A"]
            # the demo's spread of 50, plus the KOL story's four doctors where not among them
            # … and the ROI story's attendees and matched non-attendees (analytics.demo.roi_story)
            story = m.Adoption.objects.filter(note="ROI demo").count()
            assert story > 50
            assert 50 + story <= sum(selectors.adoption_counts(tenant=tenant).values()) <= 54 + story
            assert m.AccountPlan.objects.filter(title__startswith="李振华").count() == 1
            _assert_masterclass_invites_the_classmates(tenant)
            assert m.ScorecardVersion.objects.filter(status="draft").count() == 1  # for what-if


def _assert_masterclass_invites_the_classmates(tenant):
    """The story's masterclass (events.demo.kol) invited the saved list of 李主任's classmates
    through the network path: every doctor of the list is an attendee, invited via the network,
    and the list and the plan's action name the event."""
    from events.demo.kol import MASTERCLASS_TITLE
    from events.models import Attendee, Event
    from segmentation.kol.selectors import invitation_list_doctor_ids

    plan = m.AccountPlan.objects.get(title__startswith="李振华")
    invitation = m.InvitationList.objects.get(plan=plan)
    event = Event.objects.get(title=MASTERCLASS_TITLE)
    classmates = set(invitation_list_doctor_ids(tenant=tenant, invitation_list=invitation))
    attendees = dict(Attendee.objects.filter(event=event).values_list("doctor_id", "invited_via"))
    assert classmates and classmates <= set(attendees)
    assert {attendees[d] for d in classmates} == {"relation"}
    assert set(attendees) - classmates == {plan.doctor_id}, "the chair, and nobody outside the list"
    assert invitation.event_ref == f"events.event:{event.pk}"
    assert m.AccountPlanAction.objects.get(plan=plan, kind="event_invitation").linked_id == event.pk
