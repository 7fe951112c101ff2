"""API of accounts: the signed-in user, colleagues, territories and assignments."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.filters import TerritoryAssignmentFilter, TerritoryFilter
from accounts.models import Territory, TerritoryAssignment, User
from crm.permissions import ADMIN_ROLES
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet, TenantScopedAPIMixin


class UserSerializer(serializers.ModelSerializer):
    """A colleague as other users of the tenant see them."""

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "email"]
        read_only_fields = fields


class TerritorySerializer(serializers.ModelSerializer):
    """A node of the territory tree."""

    parent = serializers.PrimaryKeyRelatedField(queryset=Territory.objects, required=False, allow_null=True)

    class Meta:
        model = Territory
        fields = ["id", "name", "code", "level", "parent"]

    def validate(self, attrs):
        instance = Territory(tenant_id=self.context["request"].user.tenant_id, **attrs)
        if self.instance is not None:
            instance.pk = self.instance.pk
        instance.clean()
        return attrs


class TerritoryAssignmentSerializer(serializers.ModelSerializer):
    """Who covers a node."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects)

    class Meta:
        model = TerritoryAssignment
        fields = ["id", "user", "territory", "since"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["user"].queryset = User.objects.in_tenant(request.user.tenant_id)
        return fields


class MeView(TenantScopedAPIMixin, APIView):
    """The signed-in user."""

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class UserViewSet(TenantReadOnlyViewSet):
    """Active colleagues of the caller's tenant."""

    serializer_class = UserSerializer
    filterset_fields = ["role"]

    def get_queryset(self):
        return selectors.colleague_list(tenant=self.tenant)


class TerritoryViewSet(TenantModelViewSet):
    """The territory tree as the caller may see it; administrators edit it."""

    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilter
    write_roles = ADMIN_ROLES
    selector = selectors.territory_list
    create_service = services.territory_create


class TerritoryAssignmentViewSet(TenantModelViewSet):
    """Who covers which node; administrators edit it."""

    serializer_class = TerritoryAssignmentSerializer
    filterset_class = TerritoryAssignmentFilter
    write_roles = ADMIN_ROLES
    create_service = services.territory_assign

    def get_queryset(self):
        return selectors.assignment_list(tenant=self.tenant)
