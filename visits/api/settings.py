"""API of the tenant's follow-up rules and visit settings (administrators)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Role, User
from crm.permissions import (
    ADMIN_ROLES,
)
from crm.rest import TenantModelViewSet
from visits import selectors, services
from visits.models import (
    FollowUpRule,
    VisitSettings,
)

# --- rules and settings ------------------------------------------------------------------


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
            "visits_per_day",
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
