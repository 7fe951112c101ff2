"""Browser pages of master data (doctor list and profile, hospital and distributor pages)."""

from django.urls import path

from hospitals import views

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
]
