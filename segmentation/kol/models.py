"""Account plans (team, objectives, actions, milestones, reviews) and invitation lists.

Imported by ``segmentation.models`` so that Django registers them in the segmentation app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    CLOSED = "closed", _("Closed")


class ReviewCadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


CADENCE_MONTHS = {ReviewCadence.MONTHLY: 1, ReviewCadence.QUARTERLY: 3}


class AccountPlanQuerySet(TenantQuerySet):
    """Account plans."""

    def open(self):
        """Plans still being worked (draft or active)."""
        return self.filter(status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE])

    def with_member(self, user):
        """Plans that ``user`` owns or is on the team of."""
        uid = getattr(user, "pk", user)
        return self.filter(Q(owner_id=uid) | Q(pk__in=AccountPlanMember.objects.filter(user_id=uid).values("plan_id")))


class AccountPlan(TenantModel):
    """A plan to take one key doctor (optionally with their department) up the adoption ladder of
    one product within a period: the current and target stage and usage share, objectives, the
    doctor's needs and pain points as the team understands them, a team, planned actions,
    milestones and reviews at a cadence."""

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    department = models.ForeignKey(
        "hospitals.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    start_stage = models.CharField(_("stage at the start"), max_length=10, blank=True)
    target_stage = models.CharField(_("target stage"), max_length=10)
    start_share = models.DecimalField(_("usage share at the start (%)"), max_digits=5, decimal_places=2, null=True,
                                      blank=True)  # fmt: skip
    target_share = models.DecimalField(_("target usage share (%)"), max_digits=5, decimal_places=2, null=True,
                                       blank=True)  # fmt: skip
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    objectives = models.TextField(_("objectives"), blank=True)
    needs = models.TextField(_("needs and pain points"), blank=True)
    career_direction = models.TextField(_("career direction and interests"), blank=True)
    review_cadence = models.CharField(
        _("review cadence"), max_length=10, choices=ReviewCadence.choices, default=ReviewCadence.QUARTERLY
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = AccountPlanQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="accountplan_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["tenant", "product", "status"], name="accountplan_tenant_prod_idx"),
            models.Index(fields=["tenant", "doctor"], name="accountplan_tenant_doctor_idx"),
            models.Index(fields=["tenant", "owner"], name="accountplan_tenant_owner_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        from segmentation.models import ADOPTION_ORDER

        if self.target_stage not in ADOPTION_ORDER:
            raise ValidationError({"target_stage": _("Choose a stage of the adoption ladder.")})
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The plan ends before it starts.")})
        for field in ("start_share", "target_share"):
            value = getattr(self, field)
            if value is not None and not 0 <= value <= 100:
                raise ValidationError({field: _("A share is between 0 and 100 %.")})


class TeamRole(models.TextChoices):
    REP = "rep", _("Representative")
    KAM = "kam", _("Key account manager")
    MEDICAL = "medical", _("Medical affairs")
    MANAGER = "manager", _("Manager")
    PRODUCT_MANAGER = "product_manager", _("Product manager")


class AccountPlanMember(TenantModel):
    """A member of a plan's team."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="members", verbose_name=_("plan"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))  # fmt: skip
    role = models.CharField(_("role in the plan"), max_length=20, choices=TeamRole.choices, default=TeamRole.REP)

    class Meta:
        verbose_name = _("plan team member")
        verbose_name_plural = _("plan team")
        constraints = [models.UniqueConstraint(fields=["tenant", "plan", "user"], name="planmember_tenant_uniq")]
        indexes = [models.Index(fields=["tenant", "user"], name="planmember_tenant_user_idx")]

    def __str__(self):
        return f"{self.plan_id}: {self.user_id}"


class ActionKind(models.TextChoices):
    VISIT = "visit", _("Visit with an objective")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    SPEAKING = "speaking", _("Speaking opportunity")
    CHAIRING = "chairing", _("Chairing opportunity")
    SCIENTIFIC_EXCHANGE = "scientific_exchange", _("Scientific exchange with medical affairs")
    INTRODUCTION = "introduction", _("Introduction through a peer")
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class AccountPlanAction(TenantModel):
    """A planned action: a to-do until it becomes an object of the product (a visit plan, an
    event invitation …), then ``linked_type``/``linked_id`` name that object."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    title = models.CharField(_("action"), max_length=200)
    objective = models.CharField(_("objective"), max_length=300, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    linked_type = models.CharField(_("linked object type"), max_length=40, blank=True,
                                   help_text=_("e.g. visits.visitplan, segmentation.invitationlist"))  # fmt: skip
    linked_id = models.BigIntegerField(_("linked object id"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["tenant", "plan", "due"], name="planaction_tenant_plan_idx")]

    def __str__(self):
        return self.title


class AccountPlanMilestone(TenantModel):
    """A milestone of a plan: by ``due``, the doctor should be at ``stage`` (and/or ``share``)."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="milestones",
                             verbose_name=_("plan"))  # fmt: skip
    title = models.CharField(_("milestone"), max_length=200)
    due = models.DateField(_("due"))
    stage = models.CharField(_("stage"), max_length=10, blank=True)
    share = models.DecimalField(_("usage share (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    achieved_on = models.DateField(_("achieved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan milestone")
        verbose_name_plural = _("plan milestones")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["tenant", "plan", "due"], name="planmilestone_tenant_plan_idx")]

    def __str__(self):
        return self.title


class ReviewRating(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


class AccountPlanReview(TenantModel):
    """The record of one review of a plan: where the doctor stood (stage, share), the rating, notes
    and the next steps agreed. Append-only."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("plan"))
    reviewed_on = models.DateField(_("reviewed on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))  # fmt: skip
    stage = models.CharField(_("stage at the review"), max_length=10, blank=True)
    share = models.DecimalField(_("usage share at the review (%)"), max_digits=5, decimal_places=2, null=True,
                                blank=True)  # fmt: skip
    rating = models.CharField(_("rating"), max_length=10, choices=ReviewRating.choices)
    notes = models.TextField(_("notes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["-reviewed_on", "-id"]
        indexes = [models.Index(fields=["tenant", "plan", "reviewed_on"], name="planreview_tenant_plan_idx")]

    def __str__(self):
        return f"{self.plan_id} {self.reviewed_on}"


class InvitationList(TenantModel):
    """A saved list of doctors to invite to an event or program, drawn from a doctor's network
    (1–2 hops, filtered by tier, department, adoption). Events (once they exist) read it through
    ``segmentation.selectors.invitation_list_doctor_ids`` and set ``event_ref``."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True,
                               help_text=_("e.g. masterclass chaired by the target"))  # fmt: skip
    center = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("network of"))  # fmt: skip
    product = models.ForeignKey("hospitals.Product", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("product"))  # fmt: skip
    plan = models.ForeignKey(AccountPlan, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="invitation_lists", verbose_name=_("plan"))  # fmt: skip
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    event_ref = models.CharField(_("event"), max_length=60, blank=True,
                                 help_text=_("Set when an event takes the list (app.model:id)."))  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation list")
        verbose_name_plural = _("invitation lists")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "center"], name="invlist_tenant_center_idx")]

    def __str__(self):
        return self.name


class InvitationListEntry(TenantModel):
    """A doctor on an invitation list, with how they are linked to the list's doctor."""

    invitation_list = models.ForeignKey(InvitationList, on_delete=models.CASCADE, related_name="entries",
                                        verbose_name=_("invitation list"))  # fmt: skip
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("doctor"))  # fmt: skip
    hops = models.PositiveSmallIntegerField(_("hops"), default=1)
    relation = models.CharField(_("relation"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("invitation list entry")
        verbose_name_plural = _("invitation list entries")
        ordering = ["hops", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "invitation_list", "doctor"], name="inventry_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "doctor"], name="inventry_tenant_doctor_idx")]

    def __str__(self):
        return f"{self.invitation_list_id}: {self.doctor_id}"

    @property
    def relation_display(self) -> str:
        """The relation kinds (stored as codes, comma-separated) in the reader's language."""
        from hospitals.models import RelationKind

        labels = dict(RelationKind.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.relation.split(",") if code)
