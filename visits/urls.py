"""Browser pages of visits, under /visits/ (the API is in crm/api.py)."""

from django.urls import path

from visits import views

urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("week/", views.week, name="visit_week"),
    path("planned/new/", views.plan_new, name="visit_plan_new"),
    path("planned/doctors/", views.plan_doctor_search, name="visit_plan_doctor_search"),
    path("planned/choices/", views.plan_choices, name="visit_plan_choices"),
    path("planned/<int:pk>/", views.plan_detail, name="visit_plan_detail"),
    path("new/", views.visit_new, name="visit_new"),
    path("new/choices/", views.report_choices, name="visit_report_choices"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("tasks/", views.task_inbox, name="task_inbox"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("inquiries/", views.inquiry_list, name="inquiry_list"),
    path("inquiries/<int:pk>/", views.inquiry_detail, name="inquiry_detail"),
    path("plans/", views.cycle_plan_list, name="cycle_plan_list"),
    path("plans/<int:pk>/", views.cycle_plan_detail, name="cycle_plan_detail"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.team_rep, name="team_rep"),
    path("reports/", views.report_list, name="visit_report_list"),
    path("reports/export/<str:fmt>/", views.report_export, name="visit_report_export"),
    path("content/", views.content_list, name="content_list"),
]
