"""Browser pages of master-data import (upload, progress, report)."""

from django.urls import path

from hospitals import import_views as views

urlpatterns = [
    path("import/", views.import_start, name="import_start"),
    path("import/template/<str:kind>/<str:fmt>/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job_detail, name="import_job_detail"),
    path("import/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("import/<int:pk>/report/<str:fmt>/", views.import_job_report, name="import_job_report"),
    path("import/<int:pk>/annotated/", views.import_job_annotated, name="import_job_annotated"),
    path("import/<int:pk>/accept/", views.import_job_accept, name="import_job_accept"),
    path("import/<int:pk>/decide/", views.import_job_decide, name="import_job_decide"),
]
