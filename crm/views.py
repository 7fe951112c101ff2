"""Project-level pages: home per role (cards from crm.home), health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerSplitView

from crm.health import health
from crm.home import home_cards

# The page of each role: its heading and static cards; the apps' cards come from crm.home.
HOME_TEMPLATES = {
    "rep": "home/rep.html",
    "distributor_rep": "home/rep.html",
    "manager": "home/manager.html",
    "product_manager": "home/product_manager.html",
    "medical_affairs": "home/medical_affairs.html",
    "compliance": "home/compliance.html",
    "quality": "home/quality.html",
    "pharmacovigilance": "home/pharmacovigilance.html",
    "tenant_admin": "home/tenant_admin.html",
}


@login_required
def home(request):
    """The signed-in user's home page, chosen by role (platform staff: the platform page)."""
    user = request.user
    template = HOME_TEMPLATES.get(user.role, "home/platform.html")
    cards, context = home_cards(user)
    return render(request, template, {"tenant": user.tenant, "home_cards": cards, **context})


@never_cache
@require_GET
def healthz(request):
    """JSON status of database, Redis and Celery; 200 when all are ok, else 503."""
    result = health()
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)


_swagger = SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html")


def api_docs(request):
    """Swagger UI of the API (its script is a separate file: no inline script under the CSP).

    Open in ``local``; production settings (``API_DOCS_PUBLIC = False``) send visitors who
    are not signed in to the sign-in page first, as the schema itself needs sign-in there.
    """
    if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _swagger(request)
