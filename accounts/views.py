"""Browser pages of accounts: sign-in, passwords, the profile, and the territory tree."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import auth, selectors, services
from accounts.filters import TerritoryFilter
from accounts.forms import PasswordResetForm, ProfileForm
from crm.permissions import is_tenant_user
from crm.web import get_or_404, tenant_user


def _with_language(response, user):
    """The user's chosen language becomes the browser's (the language cookie)."""
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


class LoginView(auth_views.LoginView):
    """Sign-in page (phone-sized first); already signed-in users go home, in their language."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        return _with_language(super().form_valid(form), form.get_user())


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (the old one first); other sessions end, this one stays."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail (the same answer whether or not the address is known)."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed link; the user is read and saved in their tenant."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        try:
            tenant_id, user_id = (int(part) for part in force_str(urlsafe_base64_decode(uidb64)).split("."))
        except (TypeError, ValueError, OverflowError):
            return None
        return auth.load_user(user_id, tenant_id or None)

    def form_valid(self, form):
        with auth.scope_for_tenant(form.user.tenant_id):
            return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def profile(request):
    """The signed-in user: name, phone, language; their territories; passwords and sessions."""
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(by=user, user=user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return _with_language(redirect("profile"), user)
    territories = (
        selectors.user_territories(tenant=user.tenant_id, user=user).select_related("parent")
        if is_tenant_user(user)
        else []
    )
    return render(request, "accounts/profile.html", {"form": form, "territories": territories})


@login_required
@require_POST
def sign_out_everywhere(request):
    """End every session of the user (this one too) and revoke their API tokens."""
    services.user_sign_out_everywhere(by=request.user, user=request.user)
    logout(request)
    messages.success(request, _("You are signed out everywhere: on every device and every API token."))
    return redirect("login")


@login_required
def territory_list(request):
    """The territory tree the user may see, filterable by level and name."""
    user = tenant_user(request)
    qs = selectors.territory_list(tenant=user.tenant_id, user=user)
    flt = TerritoryFilter(request.GET, queryset=qs)
    return render(request, "accounts/territory_list.html", {"filter": flt, "territories": flt.qs[:500]})


@login_required
def territory_detail(request, pk):
    """One node: its place in the tree, children and who covers it."""
    user = tenant_user(request)
    territory = get_or_404(selectors.territory_list(tenant=user.tenant_id, user=user), pk)
    return render(
        request,
        "accounts/territory_detail.html",
        {
            "territory": territory,
            "children": territory.children.order_by("code"),
            "assignments": territory.assignments.select_related("user").order_by("user__username"),
        },
    )
