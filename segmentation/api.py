"""API of segmentation: serializers and viewsets (thin: reads via selectors, writes via services).

Who may do what: product managers and administrators change scorecards, versions, imported
dimensions, runs, overrides and tier settings; everyone of the tenant reads them. Tier
assignments and adoption stages are read by reps and managers for the doctors they see
(hospitals.selectors.visible_doctors), by head office for all; adoption stages are set by the
field (their doctors) and by product managers and administrators.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django_filters import rest_framework as df
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from crm.permissions import ADOPTION_ROLES, HEAD_OFFICE_ROLES, SCORECARD_ROLES
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet
from hospitals.models import Doctor, Product
from hospitals.selectors import visible_doctors
from segmentation import selectors, services, whatif
from segmentation.kol.api import (  # noqa: F401 - routed with the others (crm.api)
    AccountPlanActionViewSet,
    AccountPlanMemberViewSet,
    AccountPlanMilestoneViewSet,
    AccountPlanReviewViewSet,
    AccountPlanViewSet,
    InvitationListViewSet,
    KolDoctorViewSet,
)
from segmentation.models import (
    Adoption,
    AdoptionStage,
    DimensionKind,
    ImportedDimension,
    Normalisation,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    Tier,
    TierAssignment,
    TierOverride,
    TierSetting,
)


def _doctors_of(user):
    """Doctors ``user`` may see, or None for head office (all: no restriction needed)."""
    if user.role in HEAD_OFFICE_ROLES:
        return None
    return visible_doctors(tenant=user.tenant_id, user=user)


# --- response shapes of the aggregate actions (OpenAPI; schemathesis checks them) --------------

_TIER_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_DISTRIBUTION = {
    "type": "object",
    "properties": {
        "by": {"type": "string"},
        "period": {"type": "string", "nullable": True},
        "tiers": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object"}},
        "totals": {"type": "object"},
    },
    "required": ["by", "period", "tiers", "rows", "totals"],
}
_INT_MATRIX = {
    "type": "object",
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
}
_MOVEMENT = {
    "type": "object",
    "properties": {
        "from_period": {"type": "string", "nullable": True},
        "to_period": {"type": "string", "nullable": True},
        "tiers": {"type": "array", "items": {"type": "string"}},
        "matrix": _INT_MATRIX,
    },
    "required": ["from_period", "to_period", "tiers", "matrix"],
}
_MOVER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "doctor": {"type": "integer"},
        "doctor_name": {"type": "string"},
        "hospital": {"type": "string"},
        "from_tier": {"type": "string"},
        "tier": {"type": "string"},
        "score": {"type": "number"},
    },
    "required": ["id", "doctor", "doctor_name", "hospital", "from_tier", "tier", "score"],
}
_MOVERS = {
    "type": "object",
    "properties": {
        "next": {"type": "string", "nullable": True},
        "previous": {"type": "string", "nullable": True},
        "results": {"type": "array", "items": _MOVER},
    },
    "required": ["next", "previous", "results"],
}
_EFFECTIVE_SETTING = {
    "type": "object",
    "properties": {
        "tier": {"type": "string"},
        "visits_per_month": {"type": "integer"},
        "preferred_channel": {"type": "string"},
        "online_allowed": {"type": "boolean"},
        "is_default": {"type": "boolean"},
    },
    "required": ["tier", "visits_per_month", "preferred_channel", "online_allowed", "is_default"],
}
_WHATIF = {
    "type": "object",
    "properties": {
        "period": {"type": "string"},
        "version": {"type": "integer"},
        "baseline": {"type": "string"},
        "total": {"type": "integer"},
        "unscored": {"type": "integer"},
        "distribution": {"type": "object"},
        "baseline_distribution": {"type": "object"},
        "matrix": _INT_MATRIX,
        "up": {"type": "integer"},
        "down": {"type": "integer"},
        "same": {"type": "integer"},
        "new": {"type": "integer"},
    },
    "required": ["period", "version", "baseline", "total", "unscored", "distribution", "matrix"],
}
_WHATIF_PROGRESS = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["pending", "running"]},
        "phase": {"type": "string"},
        "done": {"type": "integer"},
        "total": {"type": "integer"},
    },
    "required": ["status", "phase", "done", "total"],
}


# --- scorecards -----------------------------------------------------------------------------------


class ScorecardSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, allow_null=True, required=False)
    active_version = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = ["id", "name", "product", "description", "is_primary", "active_version", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # the service validates (unique name per tenant)

    def get_active_version(self, obj) -> int | None:
        return getattr(obj, "active_version_id", None)


class ScorecardViewSet(TenantModelViewSet):
    """Scorecards of the tenant (``is_primary``: the one the quarterly re-score uses)."""

    serializer_class = ScorecardSerializer
    write_roles = SCORECARD_ROLES

    def get_queryset(self):
        active = ScorecardVersion.objects.filter(scorecard=OuterRef("pk"), status="active").values("pk")[:1]
        return selectors.scorecard_list(tenant=self.tenant).annotate(active_version_id=Subquery(active))

    def perform_create(self, serializer):
        serializer.instance = services.scorecard_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.scorecard_update(
            tenant=self.tenant, by=self.request.user, scorecard=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.scorecard_delete(tenant=self.tenant, by=self.request.user, scorecard=instance)


class DimensionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DimensionKind.choices)
    normalisation = serializers.ChoiceField(choices=Normalisation.choices, default=Normalisation.PERCENTILE)
    imported_dimension = serializers.PrimaryKeyRelatedField(
        queryset=ImportedDimension.objects, allow_null=True, required=False
    )
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ScorecardDimension
        fields = ["kind", "imported_dimension", "weight", "normalisation", "key", "label"]


class ScorecardVersionSerializer(serializers.ModelSerializer):
    scorecard = serializers.PrimaryKeyRelatedField(queryset=Scorecard.objects)
    dimensions = DimensionSerializer(many=True, required=False)
    copy_from = serializers.PrimaryKeyRelatedField(
        queryset=ScorecardVersion.objects, write_only=True, required=False, allow_null=True
    )

    class Meta:
        model = ScorecardVersion
        fields = [
            "id",
            "scorecard",
            "number",
            "status",
            "tier_rule",
            "cutoff_a",
            "cutoff_b",
            "cutoff_c",
            "quota_a",
            "quota_b",
            "quota_c",
            "missing_data",
            "notes",
            "dimensions",
            "copy_from",
            "created_at",
            "activated_at",
            "used_at",
        ]
        read_only_fields = ["number", "status", "created_at", "activated_at", "used_at"]
        validators = []


class ScorecardVersionFilter(df.FilterSet):
    scorecard = df.NumberFilter(field_name="scorecard_id")

    class Meta:
        model = ScorecardVersion
        fields = ["scorecard", "status"]


class ScorecardVersionViewSet(TenantModelViewSet):
    """Versions of scorecards: drafts are edited, then activated; used versions are frozen.

    ``POST …/{id}/activate/``, ``POST …/{id}/retire/``, ``GET …/{id}/whatif/?period=2026Q3``.
    """

    serializer_class = ScorecardVersionSerializer
    write_roles = SCORECARD_ROLES
    filterset_class = ScorecardVersionFilter

    def get_queryset(self):
        return (
            ScorecardVersion.objects.for_tenant(self.tenant)
            .select_related("scorecard")
            .prefetch_related("dimensions__imported_dimension")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.version_create(tenant=self.tenant, by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("scorecard", None)
        data.pop("copy_from", None)
        serializer.instance = services.version_update(
            tenant=self.tenant, by=self.request.user, version=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.version_delete(tenant=self.tenant, by=self.request.user, version=instance)

    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        version = services.version_activate(tenant=self.tenant, by=request.user, version=self.get_object())
        return Response(self.get_serializer(version).data)

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        version = services.version_retire(tenant=self.tenant, by=request.user, version=self.get_object())
        return Response(self.get_serializer(version).data)

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="quarter, e.g. 2026Q3 (default: the latest)")],
        responses={200: _WHATIF, 202: _WHATIF_PROGRESS},
    )
    @action(detail=True, methods=["get"])
    def whatif(self, request, pk=None):
        """The version's what-if (segmentation.whatif): 200 with the result; 202 with the progress
        while a worker computes it for a big tenant (call again until it answers 200)."""
        state = whatif.whatif_request(
            tenant=self.tenant, by=request.user, version=self.get_object(), period=request.query_params.get("period")
        )
        if state["status"] == "done":
            return Response(state["result"])
        if state["status"] == "failed":
            raise serializers.ValidationError({"version": state["errors"]})
        return Response(
            {k: state.get(k) for k in ("status", "phase", "done", "total")}, status=status.HTTP_202_ACCEPTED
        )


# --- imported dimensions ------------------------------------------------------------------------


class ImportedDimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportedDimension
        fields = ["id", "code", "name", "description", "created_at"]
        read_only_fields = ["created_at"]
        validators = []


class ValuesUploadSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=6)
    file = serializers.FileField()
    replace = serializers.BooleanField(default=True)


class ImportedDimensionViewSet(TenantModelViewSet):
    """Imported dimensions; ``POST …/{id}/values/`` (multipart: period, file) loads a period's values."""

    serializer_class = ImportedDimensionSerializer
    write_roles = SCORECARD_ROLES
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return ImportedDimension.objects.for_tenant(self.tenant)

    def perform_create(self, serializer):
        serializer.instance = services.imported_dimension_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.imported_dimension_update(
            tenant=self.tenant, by=self.request.user, dimension=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.imported_dimension_delete(tenant=self.tenant, by=self.request.user, dimension=instance)

    @action(detail=True, methods=["post"], serializer_class=ValuesUploadSerializer)
    def values(self, request, pk=None):
        dimension = self.get_object()
        upload = ValuesUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        outcome = services.imported_values_import(
            tenant=self.tenant,
            by=request.user,
            dimension=dimension,
            period=upload.validated_data["period"],
            data=file.read(),
            filename=file.name,
            replace=upload.validated_data["replace"],
        )
        from hospitals.imports.errors import render_full

        body = {
            "rows": outcome.rows,
            "written": outcome.written,
            "removed": outcome.removed,
            "errors": [{**e, "message": render_full(e)} for e in outcome.errors],
        }
        return Response(body, status=status.HTTP_200_OK if outcome.ok else status.HTTP_400_BAD_REQUEST)


# --- scoring runs -------------------------------------------------------------------------------


class ScoringRunSerializer(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(queryset=ScorecardVersion.objects, required=False, allow_null=True)
    period = serializers.CharField(max_length=6, required=False)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ScoringRun
        fields = [
            "id",
            "version",
            "period",
            "status",
            "trigger",
            "doctors_total",
            "tier_counts",
            "moved_up",
            "moved_down",
            "new_count",
            "changed_rows",
            "attempts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "duration_s",
            "is_draft",
            "published_at",
            "publish_reason",
            "superseded_at",
            "progress",
        ]
        read_only_fields = [f for f in fields if f not in ("version", "period")]

    def get_progress(self, obj) -> dict:
        if obj.is_finished:
            return {"phase": obj.status, "done": obj.doctors_total, "total": obj.doctors_total}
        from segmentation import progress

        return progress.get(obj.pk) or {"phase": obj.status, "done": 0, "total": 0}


class ScoringRunViewSet(TenantModelViewSet):
    """Scoring runs: ``POST`` starts one (default: the primary scorecard's active version, this
    quarter); ``progress`` shows rows scored / total while it runs."""

    serializer_class = ScoringRunSerializer
    write_roles = SCORECARD_ROLES
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.run_list(tenant=self.tenant)

    def perform_create(self, serializer):
        serializer.instance = services.run_start(
            tenant=self.tenant,
            by=self.request.user,
            period=serializer.validated_data.get("period"),
            version=serializer.validated_data.get("version"),
        )


# --- tier assignments -----------------------------------------------------------------------------


class TierAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierAssignment
        fields = ["id", "doctor", "period", "version", "tier", "score", "breakdown", "previous_tier"]


class TierAssignmentFilter(df.FilterSet):
    # Plain ids (not model choices): their querysets would be built before any tenant is known.
    doctor = df.NumberFilter(field_name="doctor_id")
    version = df.NumberFilter(field_name="version_id")
    tier = df.MultipleChoiceFilter(choices=Tier.choices)

    class Meta:
        model = TierAssignment
        fields = ["doctor", "period", "version", "tier"]


def _report_params(request):
    params = request.query_params
    return {
        "period": params.get("period") or None,
        "by": params.get("by") or "province",
    }


class TierAssignmentViewSet(TenantReadOnlyViewSet):
    """Tier history (one row per doctor and period) of the doctors the caller sees, and reports:

    * ``GET …/current/?doctor=ID[&doctor=ID…]`` — current tiers (overrides applied);
    * ``GET …/distribution/?by=province|city|grade|department&period=`` — counts and % per tier;
    * ``GET …/movement/?from=&to=`` — the movement matrix (default: the last two periods);
    * ``GET …/movers/?direction=up|down`` — doctors who moved.
    """

    serializer_class = TierAssignmentSerializer
    filterset_class = TierAssignmentFilter

    def get_queryset(self):
        user = self.request.user
        qs = TierAssignment.objects.for_tenant(user.tenant_id)
        doctors = _doctors_of(user)
        if doctors is not None:
            qs = qs.filter(doctor_id__in=doctors.values("pk"))
        return qs

    @extend_schema(responses={200: _TIER_MAP})
    @action(detail=False, methods=["get"], pagination_class=None)
    def current(self, request):
        ids = [int(i) for i in request.query_params.getlist("doctor") if i.isdigit()][:500]
        doctors = _doctors_of(request.user)
        if doctors is not None:
            ids = list(doctors.filter(pk__in=ids).values_list("pk", flat=True))
        tiers = selectors.current_tiers(tenant=self.tenant, doctor_ids=ids)
        return Response({str(k): v for k, v in tiers.items()})

    @extend_schema(responses={200: _DISTRIBUTION})
    @action(detail=False, methods=["get"], pagination_class=None)
    def distribution(self, request):
        params = _report_params(request)
        if params["by"] not in selectors.DISTRIBUTION_DIMENSIONS:
            raise DjangoValidationError({"by": "province, city, grade or department"})
        return Response(selectors.tier_distribution(tenant=self.tenant, doctors=_doctors_of(request.user), **params))

    @extend_schema(responses={200: _MOVEMENT})
    @action(detail=False, methods=["get"], pagination_class=None)
    def movement(self, request):
        return Response(
            selectors.movement_matrix(
                tenant=self.tenant,
                from_period=request.query_params.get("from") or None,
                to_period=request.query_params.get("to") or None,
                doctors=_doctors_of(request.user),
            )
        )

    @extend_schema(responses={200: _MOVERS})
    @action(detail=False, methods=["get"])
    def movers(self, request):
        direction = "down" if request.query_params.get("direction") == "down" else "up"
        rows = selectors.movers(tenant=self.tenant, direction=direction, doctors=_doctors_of(request.user))
        page = self.paginate_queryset(rows.order_by("-id"))
        data = [
            {
                "id": a.pk,
                "doctor": a.doctor_id,
                "doctor_name": a.doctor.name,
                "hospital": a.doctor.hospital.name,
                "from_tier": a.from_tier,
                "tier": a.tier,
                "score": a.score,
            }
            for a in page
        ]
        return self.get_paginated_response(data)


# --- overrides ----------------------------------------------------------------------------------


class TierOverrideSerializer(serializers.ModelSerializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = TierOverride
        fields = [
            "id",
            "doctor",
            "tier",
            "reason",
            "expires_on",
            "created_by",
            "created_at",
            "revoked_at",
            "revoked_by",
            "in_force",
        ]
        read_only_fields = ["created_by", "created_at", "revoked_at", "revoked_by"]

    def get_in_force(self, obj) -> bool:
        return obj.revoked_at is None and obj.expires_on >= selectors.today()


class TierOverrideViewSet(TenantModelViewSet):
    """Overrides by hand: ``POST`` sets one, ``DELETE`` (or ``POST …/{id}/revoke/``) revokes it.

    Never edited nor deleted: the list is the history (who, when, why, until when).
    """

    serializer_class = TierOverrideSerializer
    write_roles = SCORECARD_ROLES
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        qs = TierOverride.objects.for_tenant(user.tenant_id).select_related("created_by", "revoked_by")
        doctors = _doctors_of(user)
        if doctors is not None:
            qs = qs.filter(doctor_id__in=doctors.values("pk"))
        doctor = self.request.query_params.get("doctor")
        if doctor and doctor.isdigit():
            qs = qs.filter(doctor_id=int(doctor))
        return qs

    def perform_create(self, serializer):
        serializer.instance = services.tier_override_set(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.tier_override_revoke(tenant=self.tenant, by=self.request.user, override=instance)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        override = services.tier_override_revoke(tenant=self.tenant, by=request.user, override=self.get_object())
        return Response(self.get_serializer(override).data)


# --- tier settings ------------------------------------------------------------------------------


class TierSettingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierSetting
        fields = ["id", "tier", "visits_per_month", "preferred_channel", "online_allowed"]
        validators = []


class TierSettingViewSet(TenantModelViewSet):
    """Tier → visits per month and channel. ``GET …/effective/`` gives all four tiers, defaults filled in."""

    serializer_class = TierSettingSerializer
    write_roles = SCORECARD_ROLES

    def get_queryset(self):
        return TierSetting.objects.for_tenant(self.tenant)

    def perform_create(self, serializer):
        serializer.instance = services.tier_setting_set(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = {**TierSettingSerializer(serializer.instance).data, **serializer.validated_data}
        data.pop("id", None)
        data["tier"] = serializer.instance.tier  # the tier of a row does not change
        serializer.instance = services.tier_setting_set(tenant=self.tenant, by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.tier_setting_reset(tenant=self.tenant, by=self.request.user, setting=instance)

    @extend_schema(responses={200: {"type": "object", "additionalProperties": _EFFECTIVE_SETTING}})
    @action(detail=False, methods=["get"], pagination_class=None)
    def effective(self, request):
        settings = selectors.tier_settings(tenant=self.tenant)
        return Response({tier: vars(s) for tier, s in settings.items()})


# --- adoption -----------------------------------------------------------------------------------


class AdoptionSerializer(serializers.ModelSerializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    stage = serializers.ChoiceField(choices=AdoptionStage.choices)

    class Meta:
        model = Adoption
        fields = ["id", "doctor", "product", "stage", "note", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "tenant_id", None):
            fields["doctor"].queryset = visible_doctors(tenant=user.tenant_id, user=user)
        return fields


class AdoptionFilter(df.FilterSet):
    doctor = df.NumberFilter(field_name="doctor_id")
    product = df.NumberFilter(field_name="product_id")
    stage = df.MultipleChoiceFilter(choices=AdoptionStage.choices)

    class Meta:
        model = Adoption
        fields = ["doctor", "product", "stage"]


class AdoptionViewSet(TenantModelViewSet):
    """Adoption ladder per doctor and product (the field sets it for their doctors).

    ``GET …/counts/?product=`` — doctors per stage.
    """

    serializer_class = AdoptionSerializer
    filterset_class = AdoptionFilter
    write_roles = ADOPTION_ROLES

    def get_queryset(self):
        user = self.request.user
        return selectors.adoption_list(tenant=user.tenant_id, doctors=_doctors_of(user))

    def perform_create(self, serializer):
        serializer.instance = services.adoption_set(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("doctor", serializer.instance.doctor)
        data.setdefault("product", serializer.instance.product)
        data.setdefault("stage", serializer.instance.stage)
        if data["doctor"].pk != serializer.instance.doctor_id or data["product"].pk != serializer.instance.product_id:
            raise DjangoValidationError({"doctor": "The doctor and product of a stage do not change."})
        serializer.instance = services.adoption_set(tenant=self.tenant, by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.adoption_delete(tenant=self.tenant, by=self.request.user, adoption=instance)

    @extend_schema(responses={200: _COUNTS})
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        product = request.query_params.get("product")
        return Response(
            selectors.adoption_counts(
                tenant=self.tenant,
                product=int(product) if product and product.isdigit() else None,
                doctors=_doctors_of(request.user),
            )
        )
