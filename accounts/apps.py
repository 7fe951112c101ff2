from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Tenants, users with their role, territories and who covers them."""

    name = "accounts"
    verbose_name = _("Accounts")
