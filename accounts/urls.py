from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.api_auth import TokenView

urlpatterns = [
    # API sign-in: an expiring token for username and password (DELETE revokes the caller's).
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("territories/", views.territory_list, name="territory_list"),
    path("territories/<int:pk>/", views.territory_detail, name="territory_detail"),
]
