from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Tenants, users with their role, territories and who covers them."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts import auth

        # The user's row is walled: Django's last-login update runs in the user's tenant.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(auth.update_last_login, dispatch_uid="crm_update_last_login")
        user_logged_in.connect(auth.remember_tenant, dispatch_uid="crm_remember_tenant")
