"""Browser pages of events, mounted at /events/ by crm/urls.py (the API routes are in crm/api.py)."""

from django.urls import path

from events import views

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("week/", views.event_week, name="event_week"),
    path("new/", views.event_new, name="event_new"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/sign-in/", views.event_signin, name="event_signin"),
    path("s/<int:tenant_id>/<uuid:token>/", views.event_self_signin, name="event_self_signin"),
    path("kol-invitations/<int:list_pk>/", views.event_invite_network, name="event_invite_network"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_new, name="program_new"),
    path("programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("insights/", views.insight_inbox, name="insight_inbox"),
    path("insights/new/", views.insight_new, name="insight_new"),
    path("insights/<int:pk>/", views.insight_detail, name="insight_detail"),
    path("followups/", views.followup_list, name="event_followup_list"),
    path("followups/<int:pk>/", views.followup_detail, name="event_followup_detail"),
]
