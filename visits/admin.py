"""Admin of visits, scoped to the tenant (crm.admin.TenantAdmin).

A submitted visit report is shown read-only and cannot be deleted here either (the database
refuses it anyway, migration 0003); corrections are amendments, made by the author or their
manager through the app (``visits.services.visit_amend``). Visit lists never show a full count
(10 million rows), and doctors, products and users are autocomplete fields.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import TenantAdmin
from visits.models import (
    ContentItem,
    CyclePlan,
    CyclePlanLine,
    FollowUpRule,
    FollowUpTask,
    MedicalInquiry,
    PendingFollowUp,
    RepCapacity,
    RepLeave,
    Visit,
    VisitAmendment,
    VisitContent,
    VisitKeyMessage,
    VisitPlan,
    VisitPlanContent,
    VisitPlanKeyMessage,
    VisitProduct,
    VisitSettings,
    VisitStatus,
)

USER_FIELDS = ["rep"]


class BigListAdmin(TenantAdmin):
    show_full_result_count = False


@admin.register(VisitSettings)
class VisitSettingsAdmin(TenantAdmin):
    """The tenant's visit rules: submit window, backdating limit, inquiry SLA, objective templates, PV assignee."""

    list_display = [
        "__str__",
        "submit_window_hours",
        "backdate_limit_days",
        "inquiry_sla_days",
        "visits_per_day",
        "pv_assignee",
    ]
    autocomplete_fields = ["pv_assignee"]


@admin.register(RepCapacity)
class RepCapacityAdmin(TenantAdmin):
    """A rep's own visits per working day (capacity of their cycle plans), when not the tenant's."""

    list_display = ["rep", "visits_per_day", "note"]
    autocomplete_fields = ["rep"]


@admin.register(RepLeave)
class RepLeaveAdmin(TenantAdmin):
    """Days a rep is away: taken out of their capacity."""

    list_display = ["rep", "start", "end", "note"]
    list_filter = ["start"]
    autocomplete_fields = ["rep"]


@admin.register(ContentItem)
class ContentItemAdmin(TenantAdmin):
    """The content library."""

    list_display = ["title", "kind", "product", "approved_at", "valid_from", "valid_until"]
    list_filter = ["kind", "product"]
    search_fields = ["title", "tags"]
    autocomplete_fields = ["product", "approved_by"]
    list_select_related = ["product"]


class CyclePlanLineInline(admin.TabularInline):
    model = CyclePlanLine
    fields = ["doctor", "tier", "target", "planned"]
    readonly_fields = ["doctor", "tier", "target"]
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(CyclePlan)
class CyclePlanAdmin(SimpleHistoryAdmin, TenantAdmin):
    """Monthly cycle plans per rep, with their approval history."""

    list_display = ["rep", "month", "status", "submitted_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "month"]
    search_fields = ["rep__username", "rep__name"]
    autocomplete_fields = ["rep", "reviewed_by"]
    list_select_related = ["rep", "reviewed_by"]
    inlines = [CyclePlanLineInline]


@admin.register(CyclePlanLine)
class CyclePlanLineAdmin(BigListAdmin):
    list_display = ["plan", "doctor", "tier", "target", "planned"]
    list_filter = ["tier"]
    autocomplete_fields = ["plan", "doctor"]
    list_select_related = ["plan", "doctor"]


class VisitPlanKeyMessageInline(admin.TabularInline):
    model = VisitPlanKeyMessage
    autocomplete_fields = ["key_message"]
    extra = 0


class VisitPlanContentInline(admin.TabularInline):
    model = VisitPlanContent
    autocomplete_fields = ["content_item"]
    extra = 0


@admin.register(VisitPlan)
class VisitPlanAdmin(BigListAdmin):
    list_display = ["doctor", "rep", "planned_at", "channel", "status", "source"]
    list_filter = ["status", "channel", "source"]
    search_fields = ["doctor__name", "rep__username"]
    autocomplete_fields = ["doctor", "rep", "product"]
    list_select_related = ["doctor", "rep"]
    inlines = [VisitPlanKeyMessageInline, VisitPlanContentInline]


class _LockedInline(admin.TabularInline):
    extra = 0

    def _locked(self, obj):
        return obj is not None and obj.status == VisitStatus.SUBMITTED

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class VisitKeyMessageInline(_LockedInline):
    model = VisitKeyMessage
    autocomplete_fields = ["key_message"]


class VisitProductInline(_LockedInline):
    model = VisitProduct
    autocomplete_fields = ["product"]


class VisitContentInline(_LockedInline):
    model = VisitContent
    autocomplete_fields = ["content_item"]


class VisitAmendmentInline(admin.TabularInline):
    model = VisitAmendment
    fields = ["at", "by", "reason", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin, BigListAdmin):
    """Visit reports; submitted ones are read-only (amend them in the app), with their history."""

    list_display = ["doctor", "rep", "visited_at", "channel", "status", "is_late", "amended"]
    list_filter = ["status", "channel", "is_late", "amended", "objective_achieved"]
    search_fields = ["doctor__name", "rep__username"]
    autocomplete_fields = ["doctor", "rep", "plan"]
    list_select_related = ["doctor", "rep"]
    date_hierarchy = None
    readonly_fields = ["status", "submitted_at", "is_late", "amended", "created_at", "updated_at"]
    inlines = [VisitKeyMessageInline, VisitProductInline, VisitContentInline, VisitAmendmentInline]
    history_list_display = ["status", "objective_achieved", "amended"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == VisitStatus.SUBMITTED:
            return [f.name for f in self.model._meta.concrete_fields if f.name != "tenant"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == VisitStatus.SUBMITTED:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(VisitAmendment)
class VisitAmendmentAdmin(BigListAdmin):
    """Amendments: read-only records of who corrected which report, when and why."""

    list_display = ["visit", "by", "at", "reason"]
    list_select_related = ["visit", "by"]
    readonly_fields = ["visit", "by", "at", "reason", "changes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(TenantAdmin):
    """The tenant's follow-up rules (defaults are inserted when first needed)."""

    list_display = ["trigger", "assignee", "due_hours", "priority", "creates_inquiry", "is_active"]
    list_editable = ["assignee", "due_hours", "priority", "is_active"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(BigListAdmin):
    list_display = ["title", "kind", "assignee_role", "assignee", "due_at", "priority", "status"]
    list_filter = ["status", "kind", "assignee_role", "priority"]
    search_fields = ["title", "doctor__name"]
    autocomplete_fields = ["visit", "doctor", "assignee", "done_by", "inquiry"]
    raw_id_fields = ["rule"]
    list_select_related = ["assignee"]


@admin.register(MedicalInquiry)
class MedicalInquiryAdmin(BigListAdmin):
    list_display = ["__str__", "doctor", "status", "due_date", "assignee", "sent_back_channel"]
    list_filter = ["status", "sent_back_channel"]
    search_fields = ["question", "doctor__name"]
    autocomplete_fields = ["visit", "doctor", "product", "asked_by", "assignee", "answered_by"]
    list_select_related = ["doctor", "assignee"]


@admin.register(PendingFollowUp)
class PendingFollowUpAdmin(BigListAdmin):
    """Submitted visits whose follow-up rules have not been applied yet (normally empty)."""

    list_display = ["visit", "created_at", "attempts"]
    raw_id_fields = ["visit"]
