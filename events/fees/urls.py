"""Compliance workbench pages, mounted at /compliance/ by crm/urls.py."""

from django.urls import path

from events.fees import views

urlpatterns = [
    path("", views.flag_list, name="compliance_flags"),
    path("flags/clear/", views.flag_bulk_clear, name="compliance_flags_clear"),
    path("engagements/", views.engagement_list, name="compliance_engagements"),
    path("engagements/new/", views.engagement_new, name="compliance_engagement_new"),
    path("engagements/<int:pk>/", views.engagement_detail, name="compliance_engagement"),
    path("doctors/<int:pk>/", views.doctor_view, name="compliance_doctor"),
    path("samples/", views.sample_list, name="compliance_samples"),
    path("samples/<int:pk>/", views.sample_detail, name="compliance_sample"),
    path("exports/", views.export_page, name="compliance_exports"),
    path("exports/<str:report>.<str:fmt>", views.export_download, name="compliance_export"),
]
