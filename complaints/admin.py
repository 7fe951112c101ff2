"""Admin of complaints, scoped to the tenant (crm.admin.TenantAdmin).

Complaints are read-mostly here: the workflow runs through the pages and the API (services),
so that every change is audited; a closed complaint is locked in the database anyway.
Administrators edit the SLA rules and the routing settings.
"""

from django.contrib import admin

from crm.admin import TenantAdmin

from .models import Complaint, ComplaintClock, ComplaintEvent, ComplaintSettings, ComplaintSLA, LotSignal


class ClockInline(admin.TabularInline):
    model = ComplaintClock
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "due_on", "remind_from", "met_on"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "from_status", "to_status", "by", "note"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(TenantAdmin):
    """Complaints: read-only in admin (the pages and API change them through the services)."""

    show_full_result_count = False
    list_display = ["id", "title", "type", "severity", "status", "queue", "lot_number", "aware_on", "next_due_on"]
    list_filter = ["type", "severity", "status", "queue"]
    search_fields = ["=id", "=lot_number", "title"]
    list_select_related = ["product"]
    inlines = [ClockInline, EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Complaint._meta.fields if f.name != "tenant"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplaintSLA)
class ComplaintSLAAdmin(TenantAdmin):
    """The tenant's clock rules per type × severity (over the defaults in complaints.rules)."""

    list_display = ["type", "severity", "clock", "days", "working_days", "remind_days", "is_active"]
    list_filter = ["type", "severity", "clock"]


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(TenantAdmin):
    """Routing (inbox owners, escalation) and the lot signal threshold."""

    autocomplete_fields = [
        "qa_assignee",
        "qa_escalation",
        "pv_assignee",
        "pv_escalation",
        "ops_assignee",
        "ops_escalation",
    ]


@admin.register(LotSignal)
class LotSignalAdmin(TenantAdmin):
    """Signals raised (once each) when complaints on a lot or product pass the threshold."""

    list_display = ["key", "lot_number", "product", "complaints", "raised_at"]
    readonly_fields = ["key", "lot_number", "product", "defect", "complaints", "raised_at"]
