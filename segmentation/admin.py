"""Admin of segmentation, scoped to the tenant (crm.admin.TenantAdmin).

Scorecards and versions are edited here as in the API: dimensions inline with the version, and
a version that a run used is read-only (the model refuses the change anyway). Runs and tier
assignments are written by scoring runs only: read-only here. Overrides are never deleted.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import TenantAdmin
from segmentation.models import (
    Adoption,
    ImportedDimension,
    ImportedValue,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    SegmentationSettings,
    TierAssignment,
    TierOverride,
    TierResult,
    TierSetting,
)


class ReadOnlyTenantAdmin(TenantAdmin):
    """Rows written by the system only: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(TenantAdmin):
    list_display = ["name", "product", "is_primary", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at"]


class DimensionInline(admin.TabularInline):
    model = ScorecardDimension
    extra = 0
    fields = ["kind", "imported_dimension", "weight", "normalisation", "order"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("imported_dimension")

    def _editable(self, obj):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        tenant_id = getattr(request.user, "tenant_id", None)
        if tenant_id:
            formset.form.base_fields["imported_dimension"].queryset = ImportedDimension.objects.filter(
                tenant_id=tenant_id
            )

            class TenantFormset(formset):
                def save_new(self, form, commit=True):
                    form.instance.tenant_id = tenant_id
                    return super().save_new(form, commit=commit)

                def _construct_form(self, i, **kw):
                    form = super()._construct_form(i, **kw)
                    if form.instance.tenant_id is None:
                        form.instance.tenant_id = tenant_id
                    return form

            return TenantFormset
        return formset


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(TenantAdmin):
    list_display = ["__str__", "status", "tier_rule", "activated_at", "used_at"]
    list_filter = ["status", "tier_rule"]
    list_select_related = ["scorecard"]
    inlines = [DimensionInline]
    readonly_fields = ["created_by", "created_at", "activated_at", "used_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_frozen:
            # Content frozen once used: only the status (life cycle) may change.
            fields += ["scorecard", "number", "tier_rule", "cutoff_a", "cutoff_b", "cutoff_c"]
            fields += ["quota_a", "quota_b", "quota_c", "notes"]
        return fields


@admin.register(ImportedDimension)
class ImportedDimensionAdmin(TenantAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(ImportedValue)
class ImportedValueAdmin(TenantAdmin):
    list_display = ["dimension", "period", "doctor", "value"]
    list_filter = ["period"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["dimension", "doctor"]
    show_full_result_count = False


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyTenantAdmin):
    list_display = ["period", "version", "status", "trigger", "doctors_total", "moved_up", "moved_down", "changed_rows"]
    list_display += ["duration_s", "created_at"]
    list_filter = ["status", "trigger", "period"]
    list_select_related = ["version__scorecard"]


@admin.register(TierAssignment)
class TierAssignmentAdmin(ReadOnlyTenantAdmin):
    list_display = ["doctor", "period", "tier", "score", "previous_tier", "version"]
    list_filter = ["period", "tier"]
    list_select_related = ["doctor", "version__scorecard"]
    search_fields = ["=doctor__id"]
    show_full_result_count = False


@admin.register(TierOverride)
class TierOverrideAdmin(SimpleHistoryAdmin, TenantAdmin):
    list_display = ["doctor", "tier", "expires_on", "created_by", "created_at", "revoked_at"]
    list_filter = ["tier"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor", "created_by"]
    readonly_fields = ["created_by", "created_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # overrides expire or are revoked; the list is their history

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected overrides"))
    def revoke(self, request, queryset):
        from segmentation.services import tier_override_revoke

        for override in queryset.filter(revoked_at__isnull=True):
            tier_override_revoke(tenant=override.tenant_id, by=request.user, override=override)


@admin.register(TierResult)
class TierResultAdmin(ReadOnlyTenantAdmin):
    """Results of draft runs and of replaced records (issue 15), read only."""

    list_display = ["run", "doctor_id", "tier", "score"]
    list_filter = ["tier"]


@admin.register(SegmentationSettings)
class SegmentationSettingsAdmin(SimpleHistoryAdmin, TenantAdmin):
    """The tenant's quarterly re-score day (also on /tiers/schedule/)."""

    list_display = ["__str__", "rescore_enabled", "rescore_day", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(TierSetting)
class TierSettingAdmin(SimpleHistoryAdmin, TenantAdmin):
    list_display = ["tier", "visits_per_month", "preferred_channel", "online_allowed"]


@admin.register(Adoption)
class AdoptionAdmin(SimpleHistoryAdmin, TenantAdmin):
    list_display = ["doctor", "product", "stage", "updated_by", "updated_at"]
    list_filter = ["stage", "product"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor", "product", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


# --- key opinion leaders (segmentation.kol) ------------------------------------------------------

from segmentation.models import (  # noqa: E402
    AccountPlan,
    AccountPlanAction,
    AccountPlanMember,
    AccountPlanMilestone,
    AccountPlanReview,
    InvitationList,
    InvitationListEntry,
)


@admin.register(AccountPlan)
class AccountPlanAdmin(SimpleHistoryAdmin, TenantAdmin):
    """Account plans (history of their changes kept); the team, actions, milestones and reviews
    have their own lists, filtered by plan."""

    list_display = ["title", "doctor", "product", "owner", "status", "start_stage", "target_stage", "start", "end"]
    list_filter = ["status", "product", "target_stage"]
    search_fields = ["title", "doctor__name"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor", "product", "owner"]
    readonly_fields = ["start_stage", "start_share", "created_at", "updated_at"]
    show_full_result_count = False


class _PlanChildAdmin(TenantAdmin):
    list_filter = ["plan"]
    autocomplete_fields = ["plan"]
    list_select_related = ["plan"]


@admin.register(AccountPlanMember)
class AccountPlanMemberAdmin(_PlanChildAdmin):
    list_display = ["plan", "user", "role"]


@admin.register(AccountPlanAction)
class AccountPlanActionAdmin(_PlanChildAdmin):
    list_display = ["plan", "kind", "title", "due", "status", "linked_type", "linked_id"]


@admin.register(AccountPlanMilestone)
class AccountPlanMilestoneAdmin(_PlanChildAdmin):
    list_display = ["plan", "title", "due", "stage", "achieved_on"]


@admin.register(AccountPlanReview)
class AccountPlanReviewAdmin(_PlanChildAdmin):
    """Reviews are records: viewable, not changed."""

    list_display = ["plan", "reviewed_on", "rating", "stage", "share", "by"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InvitationList)
class InvitationListAdmin(TenantAdmin):
    list_display = ["name", "center", "product", "purpose", "event_ref", "created_by", "created_at"]
    search_fields = ["name", "center__name"]
    autocomplete_fields = ["center"]
    list_select_related = ["center", "product", "created_by"]
    readonly_fields = ["filters", "created_by", "created_at"]


@admin.register(InvitationListEntry)
class InvitationListEntryAdmin(TenantAdmin):
    list_display = ["invitation_list", "doctor", "hops", "relation"]
    list_filter = ["hops"]
    autocomplete_fields = ["invitation_list", "doctor"]
    list_select_related = ["invitation_list", "doctor"]
    show_full_result_count = False
