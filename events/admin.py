"""Admin of events, scoped to the tenant (crm.admin.TenantAdmin).

Settings, product managers of products and programs are edited here; events and their records
are read here (their workflow and corrections go through the app's services, which audit them),
so held events are not silently changed from the admin either.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import TenantAdmin
from events.models import (
    AgendaItem,
    Attendee,
    BudgetLine,
    Event,
    EventCorrection,
    EventFollowUp,
    EventPhoto,
    EventSettings,
    EventTransition,
    Expense,
    Insight,
    ProductManagerAssignment,
    Program,
    Question,
    SelfSignIn,
)


class ReadOnlyAdmin(TenantAdmin):
    """Rows written by the app's services: readable, not editable here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventSettings)
class EventSettingsAdmin(TenantAdmin):
    """Follow-up deadline and trigger, PM approval threshold, flagged venues, sign-in rate, questionnaire."""

    list_display = ["__str__", "followup_days", "followup_on", "pm_approval_above", "signin_attempts_per_minute"]


@admin.register(ProductManagerAssignment)
class ProductManagerAssignmentAdmin(TenantAdmin):
    list_display = ["product", "user"]
    autocomplete_fields = ["product", "user"]


@admin.register(Program)
class ProgramAdmin(TenantAdmin, SimpleHistoryAdmin):
    list_display = ["name", "owner", "starts_on", "ends_on", "budget", "status"]
    list_filter = ["status"]
    search_fields = ["name"]
    autocomplete_fields = ["owner"]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    can_delete = False
    readonly_fields = ["order", "topic", "speaker_doctor", "speaker_user", "minutes", "is_academic"]
    exclude = ["tenant"]

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = EventTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason"]
    exclude = ["tenant"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["title", "type", "status", "starts_at", "owner", "organiser_kind"]
    list_filter = ["status", "type", "organiser_kind", "venue_kind"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    inlines = [AgendaInline, TransitionInline]


for _model, _fields in [
    (Attendee, ["event", "doctor", "rsvp", "signed_in_at", "signin_method"]),
    (SelfSignIn, ["event", "name", "hospital_text", "status", "score", "at"]),
    (Question, ["event", "text", "answered_on_spot", "created_at"]),
    (BudgetLine, ["event", "category", "amount"]),
    (Expense, ["event", "category", "amount", "spent_on", "receipt"]),
    (EventPhoto, ["event", "kind", "sha256", "uploaded_at"]),
    (EventCorrection, ["event", "by", "at", "reason"]),
    (EventFollowUp, ["event", "doctor", "assignee", "due_date", "status", "done_at"]),
    (Insight, ["text", "kind", "product", "status", "product_manager", "created_at"]),
]:
    admin.site.register(_model, type(f"{_model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": _fields}))

# The fees admin (rate cards editable; fee records, ledger and flags read-only).
from events.fees import admin as fees_admin  # noqa: E402,F401  (rate cards, fees, ledger, flags)
