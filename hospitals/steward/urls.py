"""Pages of the duplicate-doctor steward."""

from django.urls import path

from hospitals.steward import views

urlpatterns = [
    path("steward/duplicates/", views.duplicate_list, name="duplicate_list"),
    path("steward/duplicates/scan/", views.duplicate_scan_start, name="duplicate_scan"),
    path("steward/duplicates/<int:pk>/", views.duplicate_detail, name="duplicate_detail"),
    path("steward/merges/<int:pk>/", views.doctor_merge_detail, name="doctor_merge_detail"),
]
