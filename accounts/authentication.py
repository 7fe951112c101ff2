"""DRF authentication by API token (``Authorization: Token <token>``), hashed and expiring."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts import auth


class ApiTokenAuthentication(BaseAuthentication):
    """A token made by ``POST /api/v1/auth/token/``; the database keeps only its SHA-256.

    The token's user is found through the pre-tenant lookup ``crm_auth_token`` and read inside
    their tenant (accounts/auth.py). Its ``authenticate_header`` makes DRF answer a request
    without credentials with 401 and ``WWW-Authenticate: Token``.
    """

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: send 'Token <token>'."))
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header: send 'Token <token>'.")) from exc
        found = auth.token_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return found

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes :class:`ApiTokenAuthentication`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, from `POST /api/v1/auth/token/` (expires; only its hash is stored).",
        }
