"""Forms of accounts: the profile, and password reset under row-level security."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts import auth
from accounts.models import User


class ProfileForm(forms.ModelForm):
    """What a user may change about themselves."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
        required=False,
        help_text=_("The language of every page once you sign in."),
    )

    class Meta:
        model = User
        fields = ["name", "phone", "language"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})}


def reset_uid(user) -> str:
    """The link's user part: tenant and id, so the user is read inside their tenant (0: platform)."""
    return urlsafe_base64_encode(force_bytes(f"{user.tenant_id or 0}.{user.pk}"))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the users of an address come from the pre-tenant lookup (accounts/auth.py)."""

    def get_users(self, email):
        for user in auth.users_for_email(email):
            if user.is_active and user.has_usable_password():
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context["uid"] = reset_uid(context["user"])
        return super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
