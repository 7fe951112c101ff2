"""The roles a tenant user can hold (one per user). The role *sets* are in crm/permissions.py.

The vocabulary lives in the kernel so that the permission rules (crm.permissions) need no
import from an app; ``accounts.models.Role`` is the same class, for the code that uses it there.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does; decides menus, visibility and rights (crm/permissions.py)."""

    REP = "rep", _("Medical representative")
    DISTRIBUTOR_REP = "distributor_rep", _("Distributor clinical rep")
    MANAGER = "manager", _("Regional manager")
    PRODUCT_MANAGER = "product_manager", _("Product manager")
    MEDICAL_AFFAIRS = "medical_affairs", _("Medical affairs")
    COMPLIANCE = "compliance", _("Compliance")
    QUALITY = "quality", _("Quality assurance")
    PHARMACOVIGILANCE = "pharmacovigilance", _("Pharmacovigilance")
    TENANT_ADMIN = "tenant_admin", _("Administrator")
