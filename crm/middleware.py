"""Request middleware that sets the tenant context (crm.tenancy) for browser requests."""

from crm import tenancy


def scope_for_user(user):
    """The tenancy scope a signed-in ``user`` works in (a context manager).

    * a tenant user → that tenant;
    * platform staff (superuser without a tenant) → the named platform path, so Django admin
      can show every tenant;
    * anyone else → no tenant: tenant-owned queries raise and RLS shows nothing.
    """
    if user is not None and user.is_authenticated:
        if user.tenant_id is not None:
            return tenancy.tenant_context(user.tenant_id)
        if user.is_superuser:
            return tenancy.platform_scope()
    return tenancy.tenant_context(None)


class TenantMiddleware:
    """Run the whole request in the signed-in user's scope (:func:`scope_for_user`).

    The API enters the tenant again after DRF authentication (a token client is not known
    here); leaving this scope at the end of the request also undoes that.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope_for_user(getattr(request, "user", None)):
            return self.get_response(request)
