"""API of key opinion leaders: account plans and their team, actions, milestones and reviews;
the plan timeline; invitation lists; introduction paths and the 2-hop network of a doctor.

Writes through the API are for product managers and administrators (managers and the team work
in the browser, where the plan they act on is checked); reads follow the plan visibility of
segmentation.kol.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.models import User
from crm.permissions import HEAD_OFFICE_ROLES, NETWORK_ROLES, PLAN_ALL_READERS, PLAN_ROLES
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet
from crm.roles import Role
from hospitals.models import Doctor, Product
from hospitals.selectors import visible_doctor_ids, visible_doctors
from segmentation.kol import network, selectors, services
from segmentation.models import (
    AccountPlan,
    AccountPlanAction,
    AccountPlanMember,
    AccountPlanMilestone,
    AccountPlanReview,
    AdoptionStage,
    InvitationList,
)

INVITATION_WRITERS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MEDICAL_AFFAIRS})


class _Scoped(serializers.ModelSerializer):
    """Related choices narrowed to the caller: visible doctors, own products, tenant users,
    visible plans."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "tenant_id", None):
            return fields
        tid = user.tenant_id
        for field in fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if queryset.model is Doctor:
                field.queryset = visible_doctors(tenant=tid, user=user)
            elif queryset.model is Product:
                field.queryset = Product.objects.for_tenant(tid).filter(is_own=True)
            elif queryset.model is User:
                field.queryset = User.objects.in_tenant(tid)
            elif queryset.model is AccountPlan:
                field.queryset = selectors.plan_list(tenant=tid, user=user)
        return fields


class AccountPlanSerializer(_Scoped):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects, required=False)
    target_stage = serializers.ChoiceField(choices=AdoptionStage.choices)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)

    class Meta:
        model = AccountPlan
        fields = [
            "id", "doctor", "doctor_name", "department", "product", "title", "owner", "status", "start_stage",
            "target_stage", "start_share", "target_share", "start", "end", "objectives", "needs", "career_direction",
            "review_cadence", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["department", "start_stage", "start_share", "created_at", "updated_at"]


class AccountPlanViewSet(TenantModelViewSet):
    """Account plans the caller may see (filters ``product``, ``status``, ``doctor``, ``owner``).

    ``GET …/{id}/timeline/`` — what happened with the doctor against the plan: entries, usage
    share by month, progress.
    """

    serializer_class = AccountPlanSerializer
    read_roles = PLAN_ROLES
    write_roles = PLAN_ALL_READERS
    create_service = services.account_plan_create
    update_service = services.account_plan_update
    delete_service = services.account_plan_delete
    instance_kwarg = "plan"

    def get_queryset(self):
        return selectors.plan_list(tenant=self.tenant, user=self.request.user, params=self.request.GET)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("doctor", "product")}
        serializer.instance = services.account_plan_update(
            tenant=self.tenant, by=self.request.user, plan=serializer.instance, **data
        )

    @extend_schema(responses={200: {"type": "object"}})
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        plan = self.get_object()
        data = selectors.plan_timeline(tenant=self.tenant, plan=plan)
        return Response(
            {
                "entries": [{**e, "date": e["date"].isoformat()} for e in data["entries"]],
                "usage": [
                    {"month": u["period"].isoformat(), "share": float(u["share"]), "volume": float(u["volume"] or 0)}
                    for u in data["usage"]
                ],
                "progress": {
                    **data["progress"],
                    "share": None if data["progress"]["share"] is None else float(data["progress"]["share"]),
                },  # fmt: skip
            }
        )


class _PlanChildViewSet(TenantModelViewSet):
    read_roles = PLAN_ROLES
    write_roles = PLAN_ALL_READERS
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    list_selector = None

    def get_queryset(self):
        return type(self).list_selector(tenant=self.tenant, user=self.request.user, params=self.request.GET)

    def perform_destroy(self, instance):
        instance.delete()


class AccountPlanMemberSerializer(_Scoped):
    plan = serializers.PrimaryKeyRelatedField(queryset=AccountPlan.objects)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects)

    class Meta:
        model = AccountPlanMember
        fields = ["id", "plan", "user", "role"]
        validators = []


class AccountPlanMemberViewSet(_PlanChildViewSet):
    """The team of a plan (filter ``plan``)."""

    serializer_class = AccountPlanMemberSerializer
    list_selector = staticmethod(selectors.plan_member_list)
    create_service = services.account_plan_member_create
    update_service = services.account_plan_member_update
    instance_kwarg = "member"


class AccountPlanActionSerializer(_Scoped):
    plan = serializers.PrimaryKeyRelatedField(queryset=AccountPlan.objects)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects, required=False, allow_null=True)

    class Meta:
        model = AccountPlanAction
        fields = ["id", "plan", "kind", "title", "objective", "due", "assignee", "status", "linked_type", "linked_id",
                  "done_on"]  # fmt: skip


class AccountPlanActionViewSet(_PlanChildViewSet):
    """Planned actions of plans (a to-do, or ``linked_type``/``linked_id`` of the object it became)."""

    serializer_class = AccountPlanActionSerializer
    list_selector = staticmethod(selectors.plan_action_list)
    create_service = services.plan_action_create
    update_service = services.plan_action_update
    instance_kwarg = "action"


class AccountPlanMilestoneSerializer(_Scoped):
    plan = serializers.PrimaryKeyRelatedField(queryset=AccountPlan.objects)

    class Meta:
        model = AccountPlanMilestone
        fields = ["id", "plan", "title", "due", "stage", "share", "achieved_on"]


class AccountPlanMilestoneViewSet(_PlanChildViewSet):
    """Milestones of plans."""

    serializer_class = AccountPlanMilestoneSerializer
    list_selector = staticmethod(selectors.plan_milestone_list)
    create_service = services.plan_milestone_create
    update_service = services.plan_milestone_update
    instance_kwarg = "milestone"


class AccountPlanReviewSerializer(_Scoped):
    plan = serializers.PrimaryKeyRelatedField(queryset=AccountPlan.objects)

    class Meta:
        model = AccountPlanReview
        fields = ["id", "plan", "reviewed_on", "by", "stage", "share", "rating", "notes", "next_steps", "created_at"]
        read_only_fields = ["by", "created_at"]
        extra_kwargs = {"reviewed_on": {"required": False}}


class AccountPlanReviewViewSet(_PlanChildViewSet):
    """Reviews of plans: append-only records (no update, no delete)."""

    serializer_class = AccountPlanReviewSerializer
    list_selector = staticmethod(selectors.plan_review_list)
    create_service = services.plan_review_create
    http_method_names = ["get", "post", "head", "options"]


class InvitationListSerializer(_Scoped):
    center = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    plan = serializers.PrimaryKeyRelatedField(queryset=AccountPlan.objects, required=False, allow_null=True)
    hops = serializers.IntegerField(write_only=True, required=False, default=2, min_value=1, max_value=2)
    tiers = serializers.ListField(child=serializers.CharField(), write_only=True, required=False, default=list)
    departments = serializers.ListField(child=serializers.CharField(), write_only=True, required=False, default=list)
    stages = serializers.ListField(child=serializers.CharField(), write_only=True, required=False, default=list)
    doctor_ids = serializers.SerializerMethodField()

    class Meta:
        model = InvitationList
        fields = ["id", "name", "purpose", "center", "product", "plan", "filters", "event_ref", "created_by",
                  "created_at", "hops", "tiers", "departments", "stages", "doctor_ids"]  # fmt: skip
        read_only_fields = ["filters", "created_by", "created_at"]

    def get_doctor_ids(self, obj) -> list[int]:
        return selectors.invitation_list_doctor_ids(tenant=obj.tenant_id, invitation_list=obj)


class InvitationListViewSet(TenantModelViewSet):
    """Saved invitation lists drawn from a doctor's network; ``doctor_ids`` is what an event invites.

    ``POST`` with ``center``, ``name``, optional ``product``, ``hops`` (1–2), ``tiers``,
    ``departments`` (standard codes), ``stages`` (adoption of ``product``).
    """

    serializer_class = InvitationListSerializer
    read_roles = INVITATION_WRITERS | {Role.MANAGER}
    write_roles = INVITATION_WRITERS
    delete_service = services.invitation_list_delete
    instance_kwarg = "invitation_list"

    def get_queryset(self):
        return selectors.invitation_list_list(tenant=self.tenant, user=self.request.user, params=self.request.GET)

    def perform_create(self, serializer):
        user = self.request.user
        visible = None if user.role in HEAD_OFFICE_ROLES else set(visible_doctor_ids(tenant=self.tenant, user=user))
        data = {k: v for k, v in serializer.validated_data.items() if k != "event_ref"}
        serializer.instance = services.invitation_list_create(tenant=self.tenant, by=user, visible_ids=visible, **data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in ("name", "purpose", "event_ref")}
        serializer.instance = services.invitation_list_update(
            tenant=self.tenant, by=self.request.user, invitation_list=serializer.instance, **data
        )


class NetworkDoctorSerializer(serializers.ModelSerializer):
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)

    class Meta:
        model = Doctor
        fields = ["id", "name", "hospital", "hospital_name", "department", "clinical_title"]


BIGINT_MAX = 2**63 - 1


class IntroPathQuery(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    sources = serializers.CharField(
        required=False, max_length=5000, help_text="comma-separated doctor ids (instead of product)"
    )
    depth = serializers.IntegerField(required=False, min_value=1, max_value=network.MAX_DEPTH)


class KolDoctorViewSet(TenantReadOnlyViewSet):
    """Doctors seen from the network (those the caller may see).

    ``GET …/{id}/paths/?product=&depth=`` (or ``sources=1,2``) — introduction paths to the doctor,
    fewest hops then strongest first, each step with its covering reps.
    ``GET …/{id}/network/?hops=`` — the 1–2 hop neighbourhood: ``{doctor_id: hops}`` and the edges.
    """

    serializer_class = NetworkDoctorSerializer
    read_roles = NETWORK_ROLES

    def get_queryset(self):
        return visible_doctors(tenant=self.tenant, user=self.request.user).select_related("hospital").order_by("id")

    def _visible(self):
        user = self.request.user
        return None if user.role in HEAD_OFFICE_ROLES else set(visible_doctor_ids(tenant=self.tenant, user=user))

    @extend_schema(parameters=[OpenApiParameter("product", int), OpenApiParameter("sources", str),
                               OpenApiParameter("depth", int)], responses={200: {"type": "array"}})  # fmt: skip
    @action(detail=True, methods=["get"], pagination_class=None)
    def paths(self, request, pk=None):
        doctor = self.get_object()
        query = IntroPathQuery(data=request.GET)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        sources = None
        if params.get("sources"):
            try:
                sources = [int(i) for i in params["sources"].split(",") if i.strip()]
            except ValueError as exc:
                raise APIValidationError({"sources": "Doctor ids, comma-separated."}) from exc
            if not all(0 < i <= BIGINT_MAX for i in sources):
                raise APIValidationError({"sources": "Doctor ids, comma-separated."})
        elif not params.get("product"):
            raise APIValidationError({"product": "Give a product (its loyal doctors are the sources) or sources."})
        paths = network.introduction_paths(
            tenant=self.tenant, target=doctor, product=params.get("product"), source_ids=sources,
            depth=params.get("depth") or network.MAX_DEPTH, visible_ids=self._visible(),
        )  # fmt: skip
        return Response(
            [
                {
                    "hops": p.hops,
                    "score": p.score,
                    "steps": [
                        {
                            "doctor": s.doctor.pk,
                            "name": s.doctor.name,
                            "relation": s.relation,
                            "strength": s.strength,
                            "reps": [r.pk for r in s.reps],
                        }  # fmt: skip
                        for s in p.steps
                    ],
                }
                for p in paths
            ]
        )

    @extend_schema(parameters=[OpenApiParameter("hops", int)], responses={200: {"type": "object"}})
    @action(detail=True, methods=["get"], pagination_class=None)
    def network(self, request, pk=None):
        doctor = self.get_object()
        hops = 1 if request.GET.get("hops") == "1" else 2
        near = network.neighbourhood(tenant=self.tenant, center_id=doctor.pk, hops=hops)
        visible = self._visible()
        if visible is not None:
            near = {k: v for k, v in near.items() if k in visible or k == doctor.pk}
        edges = network.edges_among(tenant=self.tenant, doctor_ids=list(near))
        return Response(
            {
                "doctors": {str(k): v for k, v in near.items()},
                "edges": [{"from": a, "to": b, "kind": k, "strength": s} for a, b, k, s in edges],
            }
        )
