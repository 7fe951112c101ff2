"""Role rules in one place, used by views, the API and admin alike (DESIGN.md §3).

Every set of roles that decides a right is defined here, once, and imported where it is used
(selectors, services, views, viewsets, navigation). A new app adds its sets here too.

The API declares who may do what on a viewset of :class:`crm.rest.TenantModelViewSet` (or
its read-only sibling) with three attributes, read by :class:`RolePermission`:

* ``read_roles`` — who may GET/HEAD/OPTIONS (default ``ALL_ROLES``: what each one sees is the
  selector's business);
* ``write_roles`` — who may POST/PUT/PATCH/DELETE (default: nobody);
* ``action_roles = {"approve": {...}}`` — who may run one action, whatever its method; it
  replaces ``read_roles``/``write_roles`` for that action (a standard one such as
  ``"update"`` or an ``@action``).

Object-level rules (a rep edits their own report) are the services' and selectors'.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from crm.roles import Role

# --- role sets ------------------------------------------------------------------------------

ALL_ROLES = frozenset(Role)
ADMIN_ROLES = frozenset({Role.TENANT_ADMIN})
MANAGER_ROLES = frozenset({Role.MANAGER})
# Field staff: reps of the company and of distributors (their own doctors, their own plans).
FIELD_ROLES = frozenset({Role.REP, Role.DISTRIBUTOR_REP})
# Who visits doctors and reports visits (a manager visits too).
VISITING_ROLES = FIELD_ROLES | MANAGER_ROLES
# Who sees doctors through the territories they cover (a distributor rep: through coverage).
TERRITORY_ROLES = frozenset({Role.REP, Role.MANAGER})
# Head office: every doctor of the tenant, read-only on the field's work.
HEAD_OFFICE_ROLES = frozenset(
    {
        Role.TENANT_ADMIN,
        Role.PRODUCT_MANAGER,
        Role.MEDICAL_AFFAIRS,
        Role.COMPLIANCE,
        Role.QUALITY,
        Role.PHARMACOVIGILANCE,
    }
)
# Who sees doctors' phone, WeChat and email (PIPL).
CONTACT_ROLES = frozenset({Role.REP, Role.DISTRIBUTOR_REP, Role.MANAGER, Role.MEDICAL_AFFAIRS, Role.TENANT_ADMIN})
# Who may see speaker-fee amounts (events/ uses it once fee records exist).
FEE_AMOUNT_ROLES = frozenset({Role.COMPLIANCE, Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
# Fees (events/fees): compliance decides and pays; reps, managers and product managers request
# a doctor's service; the workbench (flags, ledger, exports) is read by FEE_AMOUNT_ROLES.
COMPLIANCE_ROLES = frozenset({Role.COMPLIANCE})
FEE_REQUESTERS = frozenset({Role.REP, Role.MANAGER, Role.PRODUCT_MANAGER, Role.MEDICAL_AFFAIRS})
FEE_WORKBENCH_ROLES = FEE_AMOUNT_ROLES
ENGAGEMENT_READERS = FEE_REQUESTERS | FEE_AMOUNT_ROLES

# Master data (hospitals): administrators edit everything; product managers also products and
# key messages; reps and managers the field profile of their doctors, society posts and relations.
MASTER_DATA_EDITORS = ADMIN_ROLES
PRODUCT_EDITORS = ADMIN_ROLES | {Role.PRODUCT_MANAGER}
FIELD_PROFILE_EDITORS = TERRITORY_ROLES
IMPORT_ROLES = frozenset({Role.TENANT_ADMIN, Role.PRODUCT_MANAGER})
STEWARD_ROLES = frozenset({Role.TENANT_ADMIN, Role.PRODUCT_MANAGER})  # likely duplicates, merges
API_DOCS_ROLES = frozenset({Role.TENANT_ADMIN, Role.PRODUCT_MANAGER})

# Segmentation: scorecards, runs, overrides and tier settings; the dashboard; the adoption ladder.
SCORECARD_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
TIER_DASHBOARD_ROLES = SCORECARD_ROLES | MANAGER_ROLES
ADOPTION_ROLES = VISITING_ROLES | SCORECARD_ROLES

# Visits: cycle plans, content library, medical inquiries, follow-up tasks.
CYCLE_PLAN_ROLES = frozenset({Role.REP})  # who has a monthly cycle plan (distributor reps have none)
CONTENT_EDITORS = frozenset({Role.MEDICAL_AFFAIRS, Role.TENANT_ADMIN})
CONTENT_ALL_READERS = CONTENT_EDITORS | {Role.PRODUCT_MANAGER}  # also drafts and expired items
INQUIRY_ANSWERERS = frozenset({Role.MEDICAL_AFFAIRS})
INQUIRY_RAISERS = VISITING_ROLES | INQUIRY_ANSWERERS
INQUIRY_SENDERS = frozenset({Role.MEDICAL_AFFAIRS, Role.REP, Role.MANAGER})
INQUIRY_ALL_READERS = frozenset({Role.TENANT_ADMIN, Role.PRODUCT_MANAGER, Role.COMPLIANCE})
TASK_ALL_READERS = frozenset({Role.TENANT_ADMIN, Role.PRODUCT_MANAGER})
TASK_WORKERS = ALL_ROLES - {Role.PRODUCT_MANAGER}  # complete or reopen a task of their inbox
TASK_INBOX_ROLES = frozenset({Role.MANAGER, Role.MEDICAL_AFFAIRS, Role.COMPLIANCE})  # inbox on their home page

# Complaints: who handles which inbox, who sees every complaint, who takes them in.
QA_ROLES = frozenset({Role.QUALITY})  # product-quality complaints, lot trace, investigations, CAPA
PV_ROLES = frozenset({Role.PHARMACOVIGILANCE, Role.MEDICAL_AFFAIRS})  # adverse events and their clocks
COMPLAINT_HANDLERS = QA_ROLES | PV_ROLES | {Role.TENANT_ADMIN}  # triage, investigate, reply, close
COMPLAINT_ALL_READERS = COMPLAINT_HANDLERS | {Role.COMPLIANCE, Role.PRODUCT_MANAGER}  # every complaint
COMPLAINT_INTAKE_ROLES = VISITING_ROLES | COMPLAINT_HANDLERS  # record a complaint (phone, API)
COMPLAINT_CONTACT_ROLES = COMPLAINT_HANDLERS  # the reporter's contact details (and the reporting rep)
LOT_TRACE_ROLES = COMPLAINT_HANDLERS | {Role.COMPLIANCE}  # reverse lot trace, lots received
COMPLAINT_SETTINGS_EDITORS = ADMIN_ROLES | QA_ROLES | {Role.PHARMACOVIGILANCE}  # SLAs and routing
# Key opinion leaders (hospitals expert database, segmentation.kol): the expert list and network
# for head office and the field's territory roles; the academic level's override and history for
# compliance (and administrators); speaker qualifications approved by medical affairs.
EXPERT_ROLES = HEAD_OFFICE_ROLES | TERRITORY_ROLES
ACADEMIC_LEVEL_EDITORS = frozenset({Role.COMPLIANCE, Role.TENANT_ADMIN})
ACADEMIC_HISTORY_READERS = ACADEMIC_LEVEL_EDITORS | {Role.PRODUCT_MANAGER}
EXPERT_PROFILE_EDITORS = frozenset({Role.MEDICAL_AFFAIRS, Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
SPEAKER_APPROVERS = frozenset({Role.MEDICAL_AFFAIRS, Role.TENANT_ADMIN})
# Account plans: product managers and administrators see all (and write), managers their team's
# and write them, reps and medical affairs the plans they own or are on (and add reviews there).
PLAN_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MANAGER, Role.REP, Role.MEDICAL_AFFAIRS})
PLAN_ALL_READERS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
PLAN_EDITORS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MANAGER})
NETWORK_ROLES = EXPERT_ROLES
INVITATION_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MANAGER, Role.MEDICAL_AFFAIRS})
# Events: who plans events, approves them, reads them all; programs; field insights.
EVENT_ORGANISERS = VISITING_ROLES | {Role.PRODUCT_MANAGER}
EVENT_APPROVERS = frozenset({Role.MANAGER, Role.PRODUCT_MANAGER})
EVENT_ALL_READERS = HEAD_OFFICE_ROLES  # read-only for compliance and medical affairs
EVENT_ROLES = EVENT_ORGANISERS | EVENT_ALL_READERS  # who sees the events pages at all
EVENT_FOLLOWUP_ROLES = VISITING_ROLES  # who follows up attendees
# Who turns a saved KOL invitation list into event invitations: those who read invitation lists
# and organise events (the event's owner or an administrator, checked by events.services).
NETWORK_INVITERS = INVITATION_ROLES & (EVENT_ORGANISERS | {Role.TENANT_ADMIN})
PROGRAM_EDITORS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
INSIGHT_RAISERS = VISITING_ROLES
INSIGHT_ANSWERERS = frozenset({Role.PRODUCT_MANAGER})
INSIGHT_ROLES = INSIGHT_RAISERS | INSIGHT_ANSWERERS | {Role.TENANT_ADMIN, Role.COMPLIANCE, Role.MEDICAL_AFFAIRS}
# Analytics: the KPI scorecard (a manager sees their team, head office every rep), who sets the
# KPI weights and targets, the channel pages (coverage, sell-through, forecast).
KPI_ALL_READERS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
KPI_ROLES = MANAGER_ROLES | KPI_ALL_READERS
KPI_EDITORS = ADMIN_ROLES
CHANNEL_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MANAGER})
DATA_QUALITY_ROLES = ADMIN_ROLES
# Event and program ROI: product managers (and administrators).
ROI_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})


# --- checks ---------------------------------------------------------------------------------


def is_tenant_user(user) -> bool:
    """Signed in, active, and working for a tenant (platform staff are not)."""
    return bool(user and user.is_authenticated and user.is_active and user.tenant_id)


def has_role(user, *roles) -> bool:
    """The user is a tenant user holding one of ``roles`` (roles or sets of roles)."""
    wanted = set()
    for r in roles:
        wanted.update(r if isinstance(r, set | frozenset | list | tuple) else (r,))
    return is_tenant_user(user) and user.role in wanted


def is_tenant_admin(user) -> bool:
    """Administrator of their tenant (works in Django admin, scoped to the tenant)."""
    return has_role(user, ADMIN_ROLES)


def can_see_fee_amounts(user) -> bool:
    """Fee amounts are for compliance, product managers and administrators only."""
    return has_role(user, FEE_AMOUNT_ROLES)


def can_use_admin(user) -> bool:
    """Django admin: platform staff across tenants, tenant administrators in their tenant."""
    return bool(user and user.is_active and (getattr(user, "is_platform_staff", False) or is_tenant_admin(user)))


# --- the API --------------------------------------------------------------------------------


class IsTenantUser(BasePermission):
    """API access for tenant users only; platform staff use Django admin."""

    def has_permission(self, request, view):
        return is_tenant_user(request.user)


class RolePermission(IsTenantUser):
    """The one permission class of the API: ``read_roles``, ``write_roles`` and ``action_roles``
    of the view (module docstring). A method the route does not offer answers 405 for every
    user alike, never a 403 that would differ by role."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        method = request.method.lower()
        if method not in getattr(view, "http_method_names", ()) or not hasattr(view, method):
            return True  # DRF answers 405
        return request.user.role in roles_for(view, request.method)


def roles_for(view, method: str) -> frozenset:
    """The roles that may call ``view``'s current action with ``method``."""
    roles = (getattr(view, "action_roles", None) or {}).get(getattr(view, "action", None))
    if roles is not None:
        return frozenset(roles)
    if method.upper() in SAFE_METHODS:
        return frozenset(getattr(view, "read_roles", ALL_ROLES))
    return frozenset(getattr(view, "write_roles", ()))
