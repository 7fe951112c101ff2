"""Browser pages of complaints, mounted at /complaints/ by crm/urls.py (the API routes are in crm/api.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.complaint_list, name="complaint_list"),
    path("new/", views.complaint_new, name="complaint_new"),
    path("dashboard/", views.complaint_dashboard, name="complaint_dashboard"),
    path("lots/", views.lot_search, name="lot_search"),
    path("lots/<str:lot>/", views.lot_trace, name="lot_trace"),
    path("<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.complaint_attachment, name="complaint_attachment"),
]
