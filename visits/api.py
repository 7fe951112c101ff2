"""API of visits: serializers and viewsets (thin: reads via selectors, writes via services).

Routes (registered in crm/api.py): ``visits`` (+ ``submit``, ``amend``), ``visit-amendments``,
``visit-plans``, ``cycle-plans`` (+ ``generate``, ``submit``, ``approve``, ``return``),
``cycle-plan-lines``, ``followup-tasks`` (+ ``complete``, ``reopen``), ``medical-inquiries``
(+ ``answer``, ``send-back``, ``assign``), ``content-items`` (+ ``approve``, ``withdraw``),
``followup-rules``, ``visit-settings``. Notifications are the kernel's inbox (crm.inbox.api).
Bases, roles per action: crm.rest / crm.permissions.

A change to a submitted visit report answers **409 Conflict** (the report is locked); the
correction is ``POST /visits/{id}/amend/`` with a reason. Another tenant's object, or one
the caller may not see, is 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Role, User
from crm.permissions import (
    ADMIN_ROLES,
    CONTENT_EDITORS,
    FIELD_ROLES,
    INQUIRY_ANSWERERS,
    INQUIRY_RAISERS,
    INQUIRY_SENDERS,
    MANAGER_ROLES,
    TASK_WORKERS,
    VISITING_ROLES,
)
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet
from hospitals.models import Doctor, Product
from visits import selectors, services
from visits.models import (
    ContentItem,
    CyclePlan,
    CyclePlanLine,
    FollowUpRule,
    FollowUpTask,
    MedicalInquiry,
    Reaction,
    SendBackChannel,
    Visit,
    VisitAmendment,
    VisitKeyMessage,
    VisitPlan,
    VisitSettings,
)


class Locked(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "locked"


def _call(fn, **kwargs):
    """Run a service; a "locked" validation error becomes 409, others stay 400 (crm.rest)."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == "locked":
            raise Locked(detail={"non_field_errors": exc.messages}) from exc
        raise


# --- visits --------------------------------------------------------------------------------


class KeyMessageReactionSerializer(serializers.Serializer):
    key_message = serializers.IntegerField()
    reaction = serializers.ChoiceField(choices=Reaction.choices, default=Reaction.NEUTRAL)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class VisitSerializer(serializers.ModelSerializer):
    """A visit report; ``key_messages`` carry the doctor's reaction; ``submit: true`` on create submits at once."""

    # Plain ids: the service checks that the caller sees the doctor and owns the plan (one query
    # each), so the serializer does not look them up a second time.
    doctor = serializers.IntegerField(source="doctor_id")
    plan = serializers.IntegerField(source="plan_id", required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)
    key_messages = KeyMessageReactionSerializer(many=True, required=False, write_only=True)
    products = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)
    content_items = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)
    submit = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Visit
        fields = [
            "id",
            "rep",
            "rep_name",
            "doctor",
            "doctor_name",
            "plan",
            "channel",
            "visited_at",
            "duration_minutes",
            "products",
            "key_messages",
            "content_items",
            "objective",
            "objective_achieved",
            "feedback",
            "questions_raised",
            "signals",
            "signal_notes",
            "next_step",
            "next_step_due",
            "status",
            "submitted_at",
            "is_late",
            "amended",
            "created_at",
            "updated_at",
            "submit",
        ]
        read_only_fields = ["rep", "status", "submitted_at", "is_late", "amended", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["key_messages"] = [
            {"key_message": k.key_message_id, "text": k.key_message.text, "reaction": k.reaction, "note": k.note}
            for k in instance.key_messages.all()
        ]
        data["products"] = [p.pk for p in instance.products.all()]
        data["content_items"] = [c.pk for c in instance.content_items.all()]
        return data


def _children():
    # Built per request: a queryset made at import time has no tenant and would refuse to run.
    return (
        Prefetch("key_messages", queryset=VisitKeyMessage.objects.select_related("key_message").order_by("id")),
        "products",
        "content_items",
    )


def _with_children(visit):
    """``visit`` with what its representation lists, fetched in three queries."""
    prefetch_related_objects([visit], *_children())
    return visit


class VisitAmendSerializer(serializers.Serializer):
    reason = serializers.CharField()
    changes = serializers.DictField(help_text="Fields to correct, as in the visit (no doctor, plan or visited_at).")


class VisitViewSet(TenantModelViewSet):
    """Visit reports the caller may see. Drafts are edited by their author; submitted ones are
    locked (409) and corrected by ``amend``."""

    serializer_class = VisitSerializer
    write_roles = VISITING_ROLES
    filterset_fields = ["doctor", "rep", "status", "channel"]

    def get_queryset(self):
        qs = selectors.visit_list(tenant=self.tenant, user=self.request.user).order_by("-id")
        if self.action in ("submit", "amend"):
            return qs  # the answer is built from the service's result (_with_children)
        return qs.prefetch_related(*_children())

    @staticmethod
    def _data(serializer):
        data = dict(serializer.validated_data)
        for name in ("doctor", "plan"):
            if f"{name}_id" in data:
                data[name] = data.pop(f"{name}_id")
        return data

    def perform_create(self, serializer):
        visit = _call(services.visit_create, tenant=self.tenant, by=self.request.user, **self._data(serializer))
        serializer.instance = _with_children(visit)

    def perform_update(self, serializer):
        data = self._data(serializer)
        data.pop("submit", None)
        if serializer.instance.is_locked:
            raise Locked(detail={"non_field_errors": [str(services._locked_error().messages[0])]})
        _call(services.visit_update, tenant=self.tenant, by=self.request.user, visit=serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        _call(services.visit_delete, tenant=self.tenant, by=self.request.user, visit=instance)

    @extend_schema(request=None, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft: locked from now on; late submissions are accepted and flagged."""
        visit = _call(services.visit_submit, tenant=self.tenant, by=request.user, visit=self.get_object())
        return Response(self.get_serializer(_with_children(visit)).data)

    @extend_schema(request=VisitAmendSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Correct a submitted report; the amendment keeps the original, who, when and why."""
        visit = self.get_object()
        body = VisitAmendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data["changes"])
        if "key_messages" in changes:
            km = KeyMessageReactionSerializer(data=changes["key_messages"], many=True)
            km.is_valid(raise_exception=True)
            changes["key_messages"] = km.validated_data
        if "next_step_due" in changes and changes["next_step_due"]:
            changes["next_step_due"] = serializers.DateField().to_internal_value(changes["next_step_due"])
        services.visit_amend(
            tenant=self.tenant, by=request.user, visit=visit, reason=body.validated_data["reason"], **changes
        )
        return Response(self.get_serializer(_with_children(self.get_queryset().get(pk=visit.pk))).data)


class VisitAmendmentSerializer(serializers.ModelSerializer):
    by_name = serializers.CharField(source="by.__str__", read_only=True)

    class Meta:
        model = VisitAmendment
        fields = ["id", "visit", "by", "by_name", "at", "reason", "changes"]


class VisitAmendmentViewSet(TenantReadOnlyViewSet):
    """Amendments of the visits the caller may see (read-only: amend through the visit)."""

    serializer_class = VisitAmendmentSerializer
    filterset_fields = ["visit"]

    def get_queryset(self):
        return selectors.amendment_list(tenant=self.tenant, user=self.request.user).order_by("-id")


# --- visit plans ---------------------------------------------------------------------------


class VisitPlanSerializer(serializers.ModelSerializer):
    """A planned visit; empty objective/channel/key messages are pre-filled from the tier and product."""

    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    objective = serializers.CharField(required=False, allow_blank=True, max_length=300)
    channel = serializers.CharField(required=False, max_length=24)
    key_messages = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)
    content_items = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "rep",
            "doctor",
            "doctor_name",
            "planned_at",
            "channel",
            "product",
            "objective",
            "key_messages",
            "content_items",
            "questions",
            "status",
            "source",
            "created_at",
        ]
        read_only_fields = ["rep", "status", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["key_messages"] = [k.pk for k in instance.key_messages.all()]
        data["content_items"] = [c.pk for c in instance.content_items.all()]
        return data


class VisitPlanViewSet(TenantModelViewSet):
    """Visit plans: a rep their own (managers their team's, read-only). DELETE cancels."""

    serializer_class = VisitPlanSerializer
    write_roles = VISITING_ROLES
    filterset_fields = ["doctor", "rep", "status"]

    def get_queryset(self):
        return (
            selectors.visit_plan_list(tenant=self.tenant, user=self.request.user)
            .prefetch_related("key_messages", "content_items")
            .order_by("-id")
        )

    def perform_create(self, serializer):
        serializer.instance = services.visit_plan_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.visit_plan_update(
            tenant=self.tenant, by=self.request.user, plan=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def destroy(self, request, *args, **kwargs):
        services.visit_plan_cancel(tenant=self.tenant, by=request.user, plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- cycle plans ---------------------------------------------------------------------------


class CyclePlanSerializer(serializers.ModelSerializer):
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)

    class Meta:
        model = CyclePlan
        fields = [
            "id",
            "rep",
            "rep_name",
            "month",
            "status",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "generated_at",
        ]
        read_only_fields = fields


class CyclePlanGenerateSerializer(serializers.Serializer):
    month = serializers.DateField()
    rep = serializers.IntegerField(required=False, help_text="A manager may generate a team member's plan.")


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CyclePlanViewSet(TenantReadOnlyViewSet):
    """Monthly cycle plans: generate/refresh, submit (rep), approve or return (manager)."""

    serializer_class = CyclePlanSerializer
    filterset_fields = ["rep", "month", "status"]
    action_roles = {
        "generate": VISITING_ROLES,
        "submit": FIELD_ROLES,
        "approve": MANAGER_ROLES,
        "return_plan": MANAGER_ROLES,
    }

    def get_queryset(self):
        return selectors.cycle_plan_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    @extend_schema(request=CyclePlanGenerateSerializer, responses=CyclePlanSerializer)
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Create or refresh the caller's plan (or, for a manager, a team member's) for a month."""
        body = CyclePlanGenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rep = request.user
        if body.validated_data.get("rep") and body.validated_data["rep"] != request.user.pk:
            rep = (
                selectors.team_reps(tenant=self.tenant, manager=request.user)
                .filter(pk=body.validated_data["rep"])
                .first()
                if request.user.role == Role.MANAGER
                else None
            )
            if rep is None:
                raise exceptions.ValidationError({"rep": ["Select a valid choice."]})
        plan = services.cycle_plan_generate(tenant=self.tenant, rep=rep, month=body.validated_data["month"])
        return Response(self.get_serializer(plan).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=CyclePlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = services.cycle_plan_submit(tenant=self.tenant, by=request.user, plan=self.get_object())
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=ReviewSerializer, responses=CyclePlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.cycle_plan_approve(
            tenant=self.tenant, by=request.user, plan=self.get_object(), note=body.validated_data["note"]
        )
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=ReviewSerializer, responses=CyclePlanSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_plan(self, request, pk=None):
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.cycle_plan_return(
            tenant=self.tenant, by=request.user, plan=self.get_object(), note=body.validated_data["note"]
        )
        return Response(self.get_serializer(plan).data)


class CyclePlanLineSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    actual = serializers.IntegerField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)

    class Meta:
        model = CyclePlanLine
        fields = ["id", "plan", "doctor", "doctor_name", "tier", "target", "planned", "actual", "remaining"]
        read_only_fields = ["plan", "doctor", "tier", "target"]


class CyclePlanLineViewSet(TenantModelViewSet):
    """Lines of the cycle plans the caller sees, with actual and remaining; the rep sets ``planned``."""

    serializer_class = CyclePlanLineSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]
    write_roles = FIELD_ROLES
    filterset_fields = ["plan"]

    def get_queryset(self):
        return selectors.cycle_plan_line_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    def perform_update(self, serializer):
        services.cycle_plan_line_set_planned(
            tenant=self.tenant,
            by=self.request.user,
            line=serializer.instance,
            planned=serializer.validated_data.get("planned", serializer.instance.planned),
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


# --- follow-up tasks -----------------------------------------------------------------------


class FollowUpTaskSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.name", read_only=True, default="")
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "visit",
            "rule",
            "kind",
            "doctor",
            "doctor_name",
            "title",
            "detail",
            "assignee_role",
            "assignee",
            "inquiry",
            "due_at",
            "priority",
            "status",
            "done_by",
            "done_at",
            "answer",
            "created_at",
            "is_overdue",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj) -> bool:
        from django.utils import timezone

        return obj.status == "open" and obj.due_at < timezone.now()


class CompleteSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpTaskViewSet(TenantReadOnlyViewSet):
    """The caller's task inboxes; ``complete`` with the answer, ``reopen``."""

    serializer_class = FollowUpTaskSerializer
    filterset_fields = ["status", "kind", "assignee_role", "doctor", "visit"]
    action_roles = {
        "complete": TASK_WORKERS,
        "reopen": TASK_WORKERS,
    }

    def get_queryset(self):
        return selectors.followup_task_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    @extend_schema(request=CompleteSerializer, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.followup_task_complete(
            tenant=self.tenant, by=request.user, task=self.get_object(), answer=body.validated_data["answer"]
        )
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        task = services.followup_task_reopen(tenant=self.tenant, by=request.user, task=self.get_object())
        return Response(self.get_serializer(task).data)


# --- medical inquiries ---------------------------------------------------------------------


class MedicalInquirySerializer(serializers.ModelSerializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    is_past_sla = serializers.BooleanField(read_only=True)

    class Meta:
        model = MedicalInquiry
        fields = [
            "id",
            "visit",
            "doctor",
            "doctor_name",
            "product",
            "question",
            "asked_by",
            "received_at",
            "due_date",
            "assignee",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "sent_back_channel",
            "sent_back_at",
            "is_past_sla",
        ]
        read_only_fields = [
            "visit",
            "asked_by",
            "received_at",
            "due_date",
            "assignee",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "sent_back_channel",
            "sent_back_at",
        ]


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class SendBackSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SendBackChannel.choices)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()


class MedicalInquiryViewSet(TenantModelViewSet):
    """Medical inquiries: raised by field staff, answered and sent back by medical affairs."""

    serializer_class = MedicalInquirySerializer
    http_method_names = ["get", "post", "head", "options"]
    write_roles = INQUIRY_RAISERS
    action_roles = {
        "answer": INQUIRY_ANSWERERS,
        "assign": INQUIRY_ANSWERERS,
        "send_back": INQUIRY_SENDERS,
    }
    filterset_fields = ["status", "doctor", "product"]

    def get_queryset(self):
        return selectors.medical_inquiry_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.medical_inquiry_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AnswerSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_answer(
            tenant=self.tenant, by=request.user, inquiry=self.get_object(), answer=body.validated_data["answer"]
        )
        return Response(self.get_serializer(inquiry).data)

    @extend_schema(request=SendBackSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk=None):
        body = SendBackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_send_back(
            tenant=self.tenant,
            by=request.user,
            inquiry=self.get_object(),
            channel=body.validated_data["channel"],
            sent_at=body.validated_data["sent_at"],
        )
        return Response(self.get_serializer(inquiry).data)

    @extend_schema(request=AssignSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_assign(
            tenant=self.tenant, by=request.user, inquiry=self.get_object(), assignee=body.validated_data["assignee"]
        )
        return Response(self.get_serializer(inquiry).data)


# --- content library -----------------------------------------------------------------------


class ContentItemSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    use_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = ContentItem
        fields = [
            "id",
            "kind",
            "product",
            "title",
            "description",
            "file",
            "url",
            "tags",
            "approved_by",
            "approved_at",
            "valid_from",
            "valid_until",
            "created_at",
            "use_count",
        ]
        read_only_fields = ["approved_by", "approved_at", "created_at"]


class ContentItemViewSet(TenantModelViewSet):
    """The content library: reps see approved, valid items; medical affairs edits and approves.
    ``?search=`` matches title, tag or product; ``use_count`` counts submitted visit reports."""

    serializer_class = ContentItemSerializer
    write_roles = CONTENT_EDITORS
    filterset_fields = ["kind", "product"]

    def get_queryset(self):
        items = selectors.content_item_list(
            tenant=self.tenant, user=self.request.user, search=self.request.query_params.get("search", "")
        )
        return selectors.with_usage(items).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.content_item_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.content_item_update(
            tenant=self.tenant, by=self.request.user, item=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.content_item_withdraw(tenant=self.tenant, by=self.request.user, item=instance)

    def destroy(self, request, *args, **kwargs):
        """Withdraw the approval (items used in visits are kept)."""
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ContentItemSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        services.content_item_approve(tenant=self.tenant, by=request.user, item=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=ContentItemSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        services.content_item_withdraw(tenant=self.tenant, by=request.user, item=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


# --- notifications, rules, settings --------------------------------------------------------


class FollowUpRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpRule
        fields = ["id", "trigger", "assignee", "due_hours", "priority", "creates_inquiry", "is_active"]


class FollowUpRuleViewSet(TenantModelViewSet):
    """The tenant's follow-up rules (defaults inserted on first read); administrators edit them."""

    serializer_class = FollowUpRuleSerializer
    write_roles = ADMIN_ROLES

    def get_queryset(self):
        return selectors.followup_rule_list(tenant=self.tenant).order_by("-id")

    def list(self, request, *args, **kwargs):
        services.followup_rules_ensure(tenant=self.tenant)
        return super().list(request, *args, **kwargs)


class VisitSettingsSerializer(serializers.ModelSerializer):
    pv_assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)

    class Meta:
        model = VisitSettings
        fields = [
            "id",
            "submit_window_hours",
            "backdate_limit_days",
            "inquiry_sla_days",
            "objective_templates",
            "pv_assignee",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and getattr(request.user, "tenant_id", None):
            fields["pv_assignee"].queryset = User.objects.in_tenant(request.user.tenant_id).filter(
                role=Role.MEDICAL_AFFAIRS
            )
        return fields


class VisitSettingsViewSet(TenantModelViewSet):
    """The tenant's visit settings (one row); administrators change them."""

    serializer_class = VisitSettingsSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]
    write_roles = ADMIN_ROLES

    def get_queryset(self):
        return VisitSettings.objects.for_tenant(self.tenant).order_by("-id")

    def list(self, request, *args, **kwargs):
        if not VisitSettings.objects.for_tenant(self.tenant).exists() and request.user.role == Role.TENANT_ADMIN:
            services.visit_settings_update(tenant=self.tenant, by=request.user)
        return super().list(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = services.visit_settings_update(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )
