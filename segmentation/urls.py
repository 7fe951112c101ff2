"""Browser pages of segmentation (tier dashboard, scorecards, runs, overrides, adoption)."""

from django.urls import path

from segmentation import views

urlpatterns = [
    path("tiers/", views.dashboard, name="tier_dashboard"),
    path("tiers/export/<str:kind>/<str:fmt>/", views.dashboard_export, name="tier_export"),
    path("tiers/scorecards/", views.scorecard_list, name="tier_scorecards"),
    path("tiers/scorecards/<int:pk>/", views.scorecard_detail, name="tier_scorecard"),
    path("tiers/versions/<int:pk>/", views.version_edit, name="tier_version"),
    path("tiers/versions/<int:pk>/preview/", views.version_preview, name="tier_version_preview"),
    path("tiers/versions/<int:pk>/activate/", views.version_activate, name="tier_version_activate"),
    path("tiers/runs/", views.run_list, name="tier_runs"),
    path("tiers/runs/<int:pk>/", views.run_detail, name="tier_run"),
    path("tiers/runs/<int:pk>/publish/", views.run_publish, name="tier_run_publish"),
    path("tiers/score-new-doctors/", views.score_new_doctors, name="tier_score_new"),
    path("tiers/schedule/", views.schedule, name="tier_schedule"),
    path("tiers/settings/", views.tier_settings, name="tier_settings"),
    path("tiers/overrides/", views.override_list, name="tier_overrides"),
    path("tiers/overrides/<int:pk>/revoke/", views.override_revoke, name="tier_override_revoke"),
    path("tiers/doctors/<int:pk>/override/", views.override_new, name="tier_override_new"),
    path("tiers/doctors/<int:pk>/adoption/", views.adoption_set, name="doctor_adoption"),
]
