"""Browser pages of segmentation (tier dashboard, scorecards, runs, overrides, adoption)."""

from django.urls import path

from segmentation import views
from segmentation.kol import views as kol_views

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
    # Key opinion leaders (segmentation.kol)
    path("kol/plans/", kol_views.plan_list, name="plan_list"),
    path("kol/plans/<int:pk>/", kol_views.plan_detail, name="plan_detail"),
    path("kol/doctors/<int:pk>/plan/", kol_views.plan_new, name="plan_new"),
    path("kol/doctors/<int:pk>/paths/", kol_views.intro_paths, name="intro_paths"),
    path("kol/doctors/<int:pk>/network.json", kol_views.network_json, name="network_json"),
    path("kol/doctors/<int:pk>/invite/", kol_views.invitation_new, name="invitation_new"),
    path("kol/invitations/<int:pk>/", kol_views.invitation_detail, name="invitation_detail"),
    path("kol/invitations/<int:pk>/export/<str:fmt>/", kol_views.invitation_export, name="invitation_export"),
]
