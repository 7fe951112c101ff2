"""API sign-in: exchange username and password for an expiring token; revoke it."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from crm.permissions import IsTenantUser, is_tenant_user
from crm.rest import TenantScopedAPIMixin


class TokenRequestSerializer(serializers.Serializer):
    """Credentials of a tenant user."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TokenResponseSerializer(serializers.Serializer):
    """A new token: shown once, only its hash is kept."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(TenantScopedAPIMixin, APIView):
    """``POST`` username and password → a new API token (400 when they do not match);
    ``DELETE`` with a token → that token is revoked (sign out)."""

    def get_authenticators(self):
        # Signing in needs no credentials but the body's (and no CSRF token).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsTenantUser()]

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if not is_tenant_user(user):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the username and password given.")]}
            )
        from crm.tenancy import tenant_context

        with tenant_context(user.tenant_id):
            token, key = services.api_token_create(
                tenant=user.tenant_id, by=user, user=user, name=data.validated_data.get("name", "")
            )
        return Response(TokenResponseSerializer({"token": key, "expires_at": token.expires_at}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if request.auth is None:
            raise serializers.ValidationError({"non_field_errors": [_("Send the token to revoke.")]})
        services.api_token_revoke(tenant=request.user.tenant_id, by=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
