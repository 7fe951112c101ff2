"""URLs: pages, API under /api/v1/, schema and docs, admin, health."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.api import MeView
from crm import errors, views
from crm.api import router
from crm.inbox import views as inbox_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", inbox_views.notification_list, name="notification_list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.api_docs, name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("hospitals.urls")),
    path("", include("hospitals.import_urls")),
    path("", include("hospitals.steward.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("events/", include("events.urls")),
    path("compliance/", include("events.fees.urls")),
    path("", include("segmentation.urls")),
    path("analytics/", include("analytics.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
