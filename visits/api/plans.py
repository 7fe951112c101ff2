"""API of plans: ``visit-plans``, ``cycle-plans`` (+ ``generate``, ``submit``, ``approve``,
``return``) and ``cycle-plan-lines``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Role
from crm.permissions import (
    CYCLE_PLAN_ROLES,
    MANAGER_ROLES,
    VISITING_ROLES,
)
from crm.rest import IdListField, TenantModelViewSet, TenantReadOnlyViewSet
from hospitals.models import Doctor, Product
from visits import selectors, services
from visits.models import (
    CyclePlan,
    CyclePlanLine,
    VisitPlan,
)

# --- visit plans ---------------------------------------------------------------------------


class VisitPlanSerializer(serializers.ModelSerializer):
    """A planned visit; empty objective/channel/key messages are pre-filled from the tier and product."""

    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    objective = serializers.CharField(required=False, allow_blank=True, max_length=300)
    channel = serializers.CharField(required=False, max_length=24)
    key_messages = IdListField(required=False)
    content_items = IdListField(required=False)

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
        "generate": CYCLE_PLAN_ROLES | MANAGER_ROLES,  # a manager: a team member's plan
        "submit": CYCLE_PLAN_ROLES,
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
    write_roles = CYCLE_PLAN_ROLES
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
