"""Browser pages of master data (doctor list and profile, hospital and distributor pages)."""

from django.urls import path

from hospitals import expert_views, views

urlpatterns = [
    path("doctors/", views.doctor_list, name="doctor_list"),
    path("doctors/export/<str:fmt>/", views.doctor_export, name="doctor_export"),
    path("doctors/<int:pk>/", views.doctor_detail, name="doctor_detail"),
    path("doctors/<int:pk>/edit/", views.doctor_edit, name="doctor_edit"),
    path("hospitals/", views.hospital_list, name="hospital_list"),
    path("hospitals/export/<str:fmt>/", views.hospital_export, name="hospital_export"),
    path("hospitals/<int:pk>/", views.hospital_detail, name="hospital_detail"),
    path("distributors/", views.distributor_list, name="distributor_list"),
    path("distributors/export/<str:fmt>/", views.distributor_export, name="distributor_export"),
    path("distributors/<int:pk>/", views.distributor_detail, name="distributor_detail"),
    path("experts/", expert_views.expert_list, name="expert_list"),
    path("experts/export/<str:fmt>/", expert_views.expert_export, name="expert_export"),
    path("experts/doctors/<int:pk>/level/", expert_views.academic_level_edit, name="academic_level_edit"),
    path("experts/doctors/<int:pk>/profile/", expert_views.expert_profile_edit, name="expert_profile_edit"),
    path(
        "experts/doctors/<int:pk>/speaker/", expert_views.speaker_qualification_new, name="speaker_qualification_new"
    ),
]
