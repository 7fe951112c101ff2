"""Admin of fees, scoped to the tenant: rate cards (with their lines) and compliance settings are
edited here; engagements, fee records, the ledger and flags are read-only (they change only
through the workflow, the ledger is append-only)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import TenantAdmin
from events.fees.models import (
    AuditSample,
    ComplianceSettings,
    Engagement,
    FeeFlag,
    FeeRecord,
    FlagClearing,
    RateCard,
    RateCardLine,
    ToVEntry,
    VenueCapacity,
)
from hospitals.admin import TenantInline


class ReadOnlyTenantAdmin(TenantAdmin):
    """A record kept by the workflow: viewable, never added, changed or deleted here."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RateCardLineInline(TenantInline):
    model = RateCardLine
    fields = ["service_type", "academic_level", "hourly_rate", "max_per_engagement"]


@admin.register(RateCard)
class RateCardAdmin(SimpleHistoryAdmin, TenantAdmin):
    """Rate card versions: a new version from a date; its lines are service type × academic level."""

    list_display = ["name", "valid_from", "created_at"]
    inlines = [RateCardLineInline]


@admin.register(ComplianceSettings)
class ComplianceSettingsAdmin(TenantAdmin):
    list_display = ["__str__", "annual_cap", "max_engagements_90d", "max_hours_per_day", "min_attendees"]


@admin.register(VenueCapacity)
class VenueCapacityAdmin(TenantAdmin):
    list_display = ["event", "capacity"]
    raw_id_fields = ["event"]


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyTenantAdmin):
    list_display = ["doctor", "service_type", "service_date", "event", "requested_by"]
    list_filter = ["service_type"]
    list_select_related = ["doctor", "event", "requested_by"]


@admin.register(FeeRecord)
class FeeRecordAdmin(ReadOnlyTenantAdmin):
    list_display = ["id", "kind", "doctor", "amount", "card_amount", "status", "paid_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["doctor"]


@admin.register(ToVEntry)
class ToVEntryAdmin(ReadOnlyTenantAdmin):
    list_display = ["on_date", "doctor", "category", "amount", "source"]
    list_filter = ["category"]
    list_select_related = ["doctor"]


@admin.register(FeeFlag)
class FeeFlagAdmin(ReadOnlyTenantAdmin):
    list_display = ["rule", "severity", "status", "on_date", "doctor", "event"]
    list_filter = ["rule", "severity", "status"]
    list_select_related = ["doctor", "event"]


@admin.register(FlagClearing)
class FlagClearingAdmin(ReadOnlyTenantAdmin):
    list_display = ["flag", "by", "at", "reason"]


@admin.register(AuditSample)
class AuditSampleAdmin(ReadOnlyTenantAdmin):
    list_display = ["kind", "size", "seed", "period_from", "period_until", "drawn_by", "drawn_at"]
