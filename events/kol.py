"""What events offer on a key opinion leader's saved invitation list (segmentation.hooks)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.permissions import NETWORK_INVITERS, has_role


def invitation_list_action(*, user, invitation) -> dict | None:
    """"Invite to an event" for those who may invite a network (events.views.event_invite_network)."""
    if not has_role(user, NETWORK_INVITERS):
        return None
    return {"url": reverse("event_invite_network", args=[invitation.pk]), "label": _("Invite to an event")}
