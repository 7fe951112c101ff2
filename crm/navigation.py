"""The menu by role: what each kind of user can open from the top bar.

A new app adds its pages here (docs/adding-an-app.md), with a role set of crm/permissions.py.
"""

from django.utils.translation import gettext_lazy as _

from crm.permissions import (
    ALL_ROLES,
    API_DOCS_ROLES,
    ENGAGEMENT_READERS,
    FEE_WORKBENCH_ROLES,
    FIELD_ROLES,
    IMPORT_ROLES,
    MANAGER_ROLES,
    STEWARD_ROLES,
    TIER_DASHBOARD_ROLES,
    VISITING_ROLES,
    can_use_admin,
)

# (label, url name, roles or None for everyone). Later features add their pages here.
MENU = [
    (_("Home"), "home", None),
    # Master data: tenant users only (platform staff have no tenant's doctors to see).
    (_("Doctors"), "doctor_list", ALL_ROLES),
    (_("Hospitals"), "hospital_list", ALL_ROLES),
    (_("Distributors"), "distributor_list", ALL_ROLES),
    (_("Territories"), "territory_list", None),
    # Segmentation: the tier dashboard (scorecards, runs and overrides are reached from it).
    (_("Tiers"), "tier_dashboard", TIER_DASHBOARD_ROLES),
    (_("Import"), "import_start", IMPORT_ROLES),
    (_("Duplicates"), "duplicate_list", STEWARD_ROLES),
    # Visits: the rep's day and week, task inboxes, medical inquiries, content, the manager's team.
    (_("My day"), "my_day", FIELD_ROLES),
    (_("Plans"), "visit_week", VISITING_ROLES),
    (_("Tasks"), "task_inbox", ALL_ROLES),
    (_("Inquiries"), "inquiry_list", ALL_ROLES),
    (_("Content"), "content_list", ALL_ROLES),
    (_("Team"), "team", MANAGER_ROLES),
    # Fees: the compliance workbench; requesters see their engagements (status only).
    (_("Compliance"), "compliance_flags", FEE_WORKBENCH_ROLES),
    (_("Fees"), "compliance_engagements", ENGAGEMENT_READERS - FEE_WORKBENCH_ROLES),
    (_("API docs"), "api-docs", API_DOCS_ROLES),
    (_("My profile"), "profile", None),
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
