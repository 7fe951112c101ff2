"""The masterclass of the 李主任 story (segmentation.demo.kol): the product manager plans a
regional masterclass that 李主任 chairs and invites his classmates to it from the saved network
invitation list — through ``events.services.attendees_invite_from_list``, the path the network
view takes. The plan's "invite his classmates" action then names the event."""

from __future__ import annotations

import datetime

from django.utils import timezone

from events import services
from events.models import Event

MASTERCLASS_TITLE = "区域大师班（李振华主任主持）"


def seed_masterclass(*, tenant, pm, product, program=None, stdout=None) -> Event | None:
    """Plan the masterclass and invite the target's classmates, once (None without the KOL story)."""
    from segmentation.demo.kol import PLAN_TITLE
    from segmentation.kol.models import AccountPlan, AccountPlanAction, InvitationList
    from segmentation.kol.services import plan_action_update

    plan = AccountPlan.objects.for_tenant(tenant).filter(title=PLAN_TITLE).select_related("doctor").first()
    invitation = InvitationList.objects.for_tenant(tenant).filter(plan=plan).order_by("pk").first() if plan else None
    if invitation is None or Event.objects.for_tenant(tenant).filter(title=MASTERCLASS_TITLE).exists():
        return None
    target = plan.doctor
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=30), datetime.time(14, 0))
    )
    event = services.event_create(
        tenant=tenant,
        by=pm,
        title=MASTERCLASS_TITLE,
        type="masterclass",
        host_hospital=target.hospital,
        program=program,
        venue_kind="hospital",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        expected_attendees=30,
        products=[plan.product],
    )
    services.agenda_item_create(tenant=tenant, by=pm, event=event, topic="主席致辞与病例讨论", minutes=60,
                                speaker_doctor=target)  # fmt: skip
    services.attendees_invite(tenant=tenant, by=pm, event=event, doctors=[target])  # the chair
    invited, _already = services.attendees_invite_from_list(
        tenant=tenant, by=pm, event=event, invitation_list=invitation
    )
    for action in AccountPlanAction.objects.for_tenant(tenant).filter(plan=plan, kind="event_invitation"):
        plan_action_update(tenant=tenant, by=pm, action=action, linked_type="events.event", linked_id=event.pk)
    if stdout is not None:
        stdout.write(f"tenant {tenant.code}: masterclass {event.pk} chaired by {target.name}, {invited} invited")
    return event
