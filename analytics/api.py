"""API of analytics: the KPI weights and targets (CRUD for administrators) and the KPI scores
of a period (read-only; a manager sees their team, head office every rep)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from analytics import kpis, selectors, services
from analytics.models import KpiTarget
from crm.permissions import KPI_EDITORS, KPI_ROLES
from crm.rest import TenantModelViewSet, TenantScopedAPIMixin
from crm.web import get_or_404


class KpiTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiTarget
        fields = ["id", "kpi", "weight", "target", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class KpiTargetViewSet(TenantModelViewSet):
    """The tenant's weight and target per KPI (a KPI without a row uses its default)."""

    serializer_class = KpiTargetSerializer
    read_roles = KPI_ROLES
    write_roles = KPI_EDITORS
    selector = selectors.kpi_target_list
    create_service = services.kpi_target_set
    update_service = services.kpi_target_update
    delete_service = services.kpi_target_reset
    instance_kwarg = "kpi_target"


class KpiLineSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    attainment = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField()
    points = serializers.FloatField(allow_null=True)


class KpiScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="rep.pk")
    username = serializers.CharField(source="rep.username")
    name = serializers.CharField(source="rep.name")
    team = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    lines = KpiLineSerializer(many=True)
    history = serializers.SerializerMethodField()

    def get_history(self, obj) -> list[dict]:
        return [{"month": m, "score": s} for m, s in obj.history]


class KpiScorePageSerializer(serializers.Serializer):
    period = serializers.CharField()
    next = serializers.CharField(allow_null=True)
    results = KpiScoreSerializer(many=True)


_PERIOD = OpenApiParameter("period", str, description="2026Q4 (a quarter) or 2026-11 (a month); default: this quarter")


class _PageSchema(AutoSchema):
    """The list answers one object (the period and its ranked reps), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class KpiScoreViewSet(TenantScopedAPIMixin, viewsets.ViewSet):
    """The KPI scorecard of a period: reps ranked (list), one rep's breakdown and history (detail)."""

    schema = _PageSchema()
    read_roles = KPI_ROLES
    serializer_class = KpiScoreSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(operation_id="v1_kpi_scores_list", parameters=[_PERIOD], responses=KpiScorePageSerializer)
    def list(self, request):
        period = kpis.parse_period(request.query_params.get("period"))
        card = kpis.scorecard(tenant=self.tenant, user=request.user, period=period, history=False)
        return Response({"period": period.code, "next": None, "results": KpiScoreSerializer(card.reps, many=True).data})

    @extend_schema(
        parameters=[_PERIOD, OpenApiParameter("id", int, OpenApiParameter.PATH, description="the rep's user id")],
        responses=KpiScoreSerializer,
    )
    def retrieve(self, request, pk=None):
        rep = get_or_404(kpis.scored_reps(tenant=self.tenant, user=request.user), pk)
        period = kpis.parse_period(request.query_params.get("period"))
        card = kpis.scorecard(tenant=self.tenant, user=request.user, period=period, rep_ids=[rep.pk])
        return Response(KpiScoreSerializer(card.reps[0]).data)
