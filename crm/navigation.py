"""The menu by role: what each kind of user can open from the top bar."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm.permissions import can_use_admin

# (label, url name, roles or None for everyone). Later features add their pages here.
MENU = [
    (_("Home"), "home", None),
    # Master data: tenant users only (platform staff have no tenant's doctors to see).
    (_("Doctors"), "doctor_list", frozenset(Role)),
    (_("Hospitals"), "hospital_list", frozenset(Role)),
    (_("Distributors"), "distributor_list", frozenset(Role)),
    (_("Territories"), "territory_list", None),
    # Segmentation: the tier dashboard (scorecards, runs and overrides are reached from it).
    (_("Tiers"), "tier_dashboard", {Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MANAGER}),
    (_("Import"), "import_start", {Role.TENANT_ADMIN, Role.PRODUCT_MANAGER}),
    (_("Duplicates"), "duplicate_list", {Role.TENANT_ADMIN, Role.PRODUCT_MANAGER}),
    # Visits: the rep's day and week, task inboxes, medical inquiries, content, the manager's team.
    (_("My day"), "my_day", {Role.REP, Role.DISTRIBUTOR_REP}),
    (_("Plans"), "visit_week", {Role.REP, Role.DISTRIBUTOR_REP, Role.MANAGER}),
    (_("Tasks"), "task_inbox", frozenset(Role)),
    (_("Inquiries"), "inquiry_list", frozenset(Role)),
    (_("Content"), "content_list", frozenset(Role)),
    (_("Team"), "team", {Role.MANAGER}),
    (_("API docs"), "api-docs", {Role.TENANT_ADMIN, Role.PRODUCT_MANAGER}),
]


def nav_for(user):
    """Menu entries as dicts (label, url_name) for ``user``."""
    items = [
        {"label": label, "url_name": url_name}
        for label, url_name, roles in MENU
        if roles is None or getattr(user, "role", None) in roles
    ]
    if can_use_admin(user):
        items.append({"label": _("Administration"), "url_name": "admin:index"})
    return items
