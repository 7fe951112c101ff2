"""Words of complaints that other modules share: the kinds of notification the app sends."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a complaints notification is about (labels registered with crm.inbox)."""

    ASSIGNED = "complaint_new", _("New complaint")
    DUE_SOON = "complaint_due", _("Complaint due soon")
    DUE_DIGEST = "complaint_due_digest", _("Complaints due soon (daily digest)")
    ESCALATED = "complaint_escalated", _("Complaint overdue (escalated)")
    OVERDUE_DIGEST = "complaint_overdue", _("Complaints overdue (daily digest)")
    LOT_SIGNAL = "lot_signal", _("Lot signal")
    FOLLOW_UP = "complaint_followup", _("Complaint follow-up")
