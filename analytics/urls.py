from django.urls import path

from analytics import views

urlpatterns = [
    path("kpi/", views.kpi_scorecard, name="kpi_scorecard"),
    path("kpi/export/<str:fmt>/", views.kpi_export, name="kpi_export"),
    path("kpi/reps/<int:pk>/", views.kpi_rep, name="kpi_rep"),
    path("channel/", views.channel_page, name="channel"),
    path("channel/gaps/", views.channel_gaps, name="channel_gaps"),
    path("channel/export/<str:kind>/<str:fmt>/", views.channel_export, name="channel_export"),
    path("adoption/export/<str:fmt>/", views.adoption_export, name="adoption_export"),
    path("roi/", views.roi_programs, name="roi_programs"),
    path("roi/programs/<int:pk>/", views.roi_program, name="roi_program"),
    path("roi/programs/<int:pk>/export/<str:fmt>/", views.roi_export, name="roi_export"),
    path("roi/events/<int:pk>/", views.roi_event, name="roi_event"),
]
