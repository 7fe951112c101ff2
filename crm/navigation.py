"""The menu by role: what each kind of user can open from the top bar.

A new app adds its pages here (docs/adding-an-app.md), with a role set of crm/permissions.py.
"""

from django.utils.translation import gettext_lazy as _

from crm.permissions import (
    ALL_ROLES,
    API_DOCS_ROLES,
    CHANNEL_ROLES,
    COMPLAINT_ALL_READERS,
    ENGAGEMENT_READERS,
    EVENT_ROLES,
    EXPERT_ROLES,
    FEE_WORKBENCH_ROLES,
    FIELD_ROLES,
    IMPORT_ROLES,
    INSIGHT_ROLES,
    KPI_ROLES,
    MANAGER_ROLES,
    PLAN_ROLES,
    ROI_ROLES,
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
    # Key opinion leaders: the expert database (hospitals) and account plans (segmentation.kol).
    (_("Experts"), "expert_list", EXPERT_ROLES),
    (_("Account plans"), "plan_list", PLAN_ROLES),
    (_("Import"), "import_start", IMPORT_ROLES),
    (_("Duplicates"), "duplicate_list", STEWARD_ROLES),
    # Visits: the rep's day and week, task inboxes, medical inquiries, content, the manager's team.
    (_("My day"), "my_day", FIELD_ROLES),
    (_("Plans"), "visit_week", VISITING_ROLES),
    (_("Reports"), "visit_report_list", VISITING_ROLES),
    (_("Tasks"), "task_inbox", ALL_ROLES),
    (_("Inquiries"), "inquiry_list", ALL_ROLES),
    (_("Content"), "content_list", ALL_ROLES),
    (_("Team"), "team", MANAGER_ROLES),
    # Complaints: the inbox for everyone who takes them in or reads them; the dashboard for head office.
    (_("Complaints"), "complaint_list", ALL_ROLES),
    (_("Complaint dashboard"), "complaint_dashboard", COMPLAINT_ALL_READERS),
    # Events: the calendar, programs, the rep's follow-ups, field insights.
    (_("Events"), "event_list", EVENT_ROLES),
    (_("Programs"), "program_list", EVENT_ROLES),
    (_("Event follow-ups"), "event_followup_list", FIELD_ROLES),
    (_("Insights"), "insight_inbox", INSIGHT_ROLES),
    # Analytics: the KPI scorecard, the channel.
    (_("KPIs"), "kpi_scorecard", KPI_ROLES),
    (_("Channel"), "channel", CHANNEL_ROLES),
    (_("ROI"), "roi_programs", ROI_ROLES),
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
