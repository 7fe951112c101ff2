"""Admin of master data, scoped to the tenant (crm.admin.TenantAdmin).

A tenant may hold a million doctors: foreign keys to doctors, hospitals and departments are
autocomplete fields (searching the related admin, itself tenant-scoped), lists never show a
full count, and the doctor search is the indexed name / pinyin / initials prefix search.
Saves run the same checks as the services (hospitals.services.validate) through the forms.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import TenantAdmin, _is_platform
from crm.models import has_tenant_field
from hospitals import services
from hospitals.models import (
    AcademicLevelChange,
    AcademicLevelRule,
    AgreementProduct,
    Department,
    DepartmentSynonym,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorStaff,
    Doctor,
    DoctorMerge,
    DoctorQuerySet,
    DoctorRelation,
    DoctorTerritory,
    ExpertProfile,
    Hospital,
    ImportJob,
    KeyMessage,
    Product,
    ProductCompetitor,
    SalesRecord,
    Shipment,
    SocietyPosition,
    SpeakerQualification,
    UsageShare,
)


class ServiceCheckedForm(forms.ModelForm):
    """A model form that also runs the use-case checks of hospitals.services after model validation."""

    def _post_clean(self):
        super()._post_clean()
        if self.instance.tenant_id is None:
            return
        try:
            services.validate(self.instance)
        except ObjectDoesNotExist:
            pass  # a required reference is missing: its field error says so
        except ValidationError as exc:
            # The service says what is wrong; the model's generic constraint message says it worse.
            self._errors.pop(NON_FIELD_ERRORS, None)
            self._update_errors(exc)


class MasterDataAdmin(TenantAdmin):
    """TenantAdmin with service checks on save and no full count on big lists."""

    form = ServiceCheckedForm
    show_full_result_count = False
    list_per_page = 50


class TenantInline(admin.TabularInline):
    """Inline rows of a tenant-owned model: the parent's tenant, choices of that tenant only."""

    extra = 0
    form = ServiceCheckedForm
    exclude = ["tenant"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not _is_platform(request) and has_tenant_field(related) and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.filter(tenant_id=request.user.tenant_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class TenantFormSet(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                if form.instance.tenant_id is None:
                    form.instance.tenant_id = self.instance.tenant_id
                return form

        return TenantFormSet

    # Inline rows follow the parent's admin rights (TenantAdmin: tenant admins, platform staff).
    def _allowed(self, request):
        return self.admin_site._registry[self.parent_model]._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


# --- hospitals and departments -------------------------------------------------------------


class DepartmentInline(TenantInline):
    model = Department
    fields = ["name", "standard_code"]


@admin.register(Hospital)
class HospitalAdmin(MasterDataAdmin):
    """Hospitals (HCO)."""

    list_display = ["name", "grade", "type", "province", "city", "district", "beds", "external_id"]
    list_filter = ["grade", "type", "province"]
    search_fields = ["name", "=external_id"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(MasterDataAdmin):
    """Departments (科室) of hospitals."""

    list_display = ["name", "hospital", "standard_code"]
    list_filter = ["standard_code"]
    search_fields = ["name", "hospital__name"]
    autocomplete_fields = ["hospital"]
    list_select_related = ["hospital"]

    def get_queryset(self, request):
        # "Hospital · department" in autocomplete results and lists.
        return super().get_queryset(request).select_related("hospital")


# --- doctors -------------------------------------------------------------------------------


class SocietyPositionInline(TenantInline):
    model = SocietyPosition
    fields = ["society", "level", "position", "since"]


class DoctorTerritoryInline(TenantInline):
    model = DoctorTerritory
    fields = ["territory"]
    autocomplete_fields = ["territory"]


@admin.register(Doctor)
class DoctorAdmin(SimpleHistoryAdmin, MasterDataAdmin):
    """Doctors (HCP), with the history of their changes (who, when, what)."""

    list_display = ["name", "hospital", "department", "clinical_title", "is_active", "external_id"]
    list_filter = ["clinical_title", "academic_title", "is_active", "hospital__grade"]
    list_select_related = ["hospital", "department"]
    search_fields = ["name"]  # see get_search_results: prefix of name, pinyin or initials, or external id
    autocomplete_fields = ["hospital", "department"]
    readonly_fields = ["name_pinyin", "name_initials", "created_at", "updated_at"]
    inlines = [SocietyPositionInline, DoctorTerritoryInline]
    history_list_display = ["clinical_title", "is_active"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Platform staff get an unscoped queryset of the base class: call the method unbound.
        return DoctorQuerySet.search(queryset, term) | queryset.filter(external_id=term), False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Titles and society posts (the inline) decide the academic level.
        services.academic_levels_refresh(tenant=form.instance.tenant_id, doctor_ids=[form.instance.pk], by=request.user)


@admin.register(SocietyPosition)
class SocietyPositionAdmin(MasterDataAdmin):
    """Doctors' posts in academic societies (a change re-derives the doctor's academic level)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.academic_levels_refresh(tenant=obj.tenant_id, doctor_ids=[obj.doctor_id], by=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.academic_levels_refresh(tenant=obj.tenant_id, doctor_ids=[obj.doctor_id], by=request.user)

    list_display = ["doctor", "society", "level", "position", "since"]
    list_filter = ["level", "position"]
    search_fields = ["society", "doctor__name"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor"]


@admin.register(DoctorRelation)
class DoctorRelationAdmin(MasterDataAdmin):
    """The doctors' network."""

    list_display = ["from_doctor", "kind", "to_doctor", "strength", "source"]
    list_filter = ["kind", "strength"]
    search_fields = ["from_doctor__name", "to_doctor__name", "source"]
    autocomplete_fields = ["from_doctor", "to_doctor"]
    list_select_related = ["from_doctor", "to_doctor"]


@admin.register(DoctorTerritory)
class DoctorTerritoryAdmin(MasterDataAdmin):
    """Alignment of doctors to territories."""

    list_display = ["doctor", "territory"]
    list_filter = ["territory"]
    search_fields = ["doctor__name", "territory__code", "territory__name"]
    autocomplete_fields = ["doctor", "territory"]
    list_select_related = ["doctor", "territory"]


# --- distributors --------------------------------------------------------------------------


class DistributorStaffInline(TenantInline):
    model = DistributorStaff
    fields = ["user"]
    raw_id_fields = ["user"]


@admin.register(Distributor)
class DistributorAdmin(MasterDataAdmin):
    """Distributors (配送商/代理商/经销商)."""

    list_display = ["name", "kind", "status", "licence_no", "external_id"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "licence_no", "=external_id"]
    inlines = [DistributorStaffInline]


@admin.register(DistributorStaff)
class DistributorStaffAdmin(MasterDataAdmin):
    """Which distributor each distributor rep works for."""

    list_display = ["user", "distributor"]
    search_fields = ["user__username", "user__name", "distributor__name"]
    autocomplete_fields = ["distributor"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "distributor"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not _is_platform(request):
            from accounts.models import Role, User

            kwargs["queryset"] = User.objects.in_tenant(request.user.tenant_id).with_role(Role.DISTRIBUTOR_REP)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DistributorCoverage)
class DistributorCoverageAdmin(MasterDataAdmin):
    """Which distributor serves which hospital (for which product), since and until when."""

    list_display = ["distributor", "hospital", "product", "since", "until"]
    list_filter = ["distributor", "product"]
    search_fields = ["distributor__name", "hospital__name"]
    autocomplete_fields = ["distributor", "hospital", "product"]
    list_select_related = ["distributor", "hospital", "product"]


class AgreementProductInline(TenantInline):
    model = AgreementProduct
    fields = ["product"]
    autocomplete_fields = ["product"]


@admin.register(DistributorAgreement)
class DistributorAgreementAdmin(MasterDataAdmin):
    """Distribution agreements and their products."""

    list_display = ["number", "distributor", "territory", "start", "end", "target_value", "status"]
    list_filter = ["status", "distributor"]
    search_fields = ["number", "distributor__name"]
    autocomplete_fields = ["distributor", "territory"]
    list_select_related = ["distributor", "territory"]
    inlines = [AgreementProductInline]


@admin.register(AgreementProduct)
class AgreementProductAdmin(MasterDataAdmin):
    """Products of distribution agreements."""

    list_display = ["agreement", "product"]
    search_fields = ["agreement__number", "product__name"]
    autocomplete_fields = ["agreement", "product"]
    list_select_related = ["agreement", "product"]


# --- products ------------------------------------------------------------------------------


class ProductCompetitorInline(TenantInline):
    model = ProductCompetitor
    fk_name = "product"
    fields = ["competitor"]
    autocomplete_fields = ["competitor"]


class KeyMessageInline(TenantInline):
    model = KeyMessage
    fields = ["order", "text", "is_active"]


@admin.register(Product)
class ProductAdmin(MasterDataAdmin):
    """Products, ours and competitors'; ours with their competitors and key messages."""

    list_display = ["name", "generic_name", "therapeutic_area", "is_own", "company", "is_active"]
    list_filter = ["is_own", "therapeutic_area", "is_active"]
    search_fields = ["name", "generic_name", "company"]
    inlines = [ProductCompetitorInline, KeyMessageInline]


@admin.register(ProductCompetitor)
class ProductCompetitorAdmin(MasterDataAdmin):
    """Which competitor products compete with which of ours."""

    list_display = ["product", "competitor"]
    search_fields = ["product__name", "competitor__name"]
    autocomplete_fields = ["product", "competitor"]
    list_select_related = ["product", "competitor"]


@admin.register(KeyMessage)
class KeyMessageAdmin(MasterDataAdmin):
    """Approved key messages of our products."""

    list_display = ["text", "product", "order", "is_active"]
    list_filter = ["is_active", "product"]
    search_fields = ["text", "product__name"]
    autocomplete_fields = ["product"]
    list_select_related = ["product"]


# --- usage share, sales, shipments ---------------------------------------------------------


@admin.register(UsageShare)
class UsageShareAdmin(MasterDataAdmin):
    """Doctors' monthly use of products."""

    list_display = ["doctor", "product", "period", "volume", "share"]
    list_filter = ["product", "period"]
    search_fields = ["doctor__name", "product__name"]
    autocomplete_fields = ["doctor", "product"]
    list_select_related = ["doctor", "product"]
    date_hierarchy = "period"


@admin.register(SalesRecord)
class SalesRecordAdmin(MasterDataAdmin):
    """Monthly sell-in and sell-out by distributor, hospital and product."""

    list_display = ["month", "distributor", "hospital", "product", "sell_in_units", "sell_out_units", "sell_out_value"]
    list_filter = ["product", "distributor"]
    search_fields = ["hospital__name", "distributor__name", "product__name"]
    autocomplete_fields = ["distributor", "hospital", "product"]
    list_select_related = ["distributor", "hospital", "product"]
    date_hierarchy = "month"


@admin.register(Shipment)
class ShipmentAdmin(MasterDataAdmin):
    """Shipments by lot number (complaint lot trace)."""

    list_display = ["lot_number", "product", "distributor", "hospital", "quantity", "shipped_on", "expiry_date"]
    list_filter = ["product", "distributor"]
    search_fields = ["=lot_number", "hospital__name", "distributor__name"]
    autocomplete_fields = ["distributor", "hospital", "product"]
    list_select_related = ["distributor", "hospital", "product"]
    date_hierarchy = "shipped_on"


@admin.register(ImportJob)
class ImportJobAdmin(TenantAdmin):
    """Imports of master data, read-only (uploads and runs happen on the import page)."""

    list_display = ["original_name", "kind", "status", "created_count", "updated_count", "error_count", "created_at",
                    "created_by"]  # fmt: skip
    list_filter = ["kind", "status"]
    search_fields = ["original_name"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DepartmentSynonym)
class DepartmentSynonymAdmin(TenantAdmin):
    """The tenant's department dictionary: names and synonyms of the standard departments
    (seeded with the common Chinese ones the first time an import uses it)."""

    list_display = ["name", "code"]
    list_filter = ["code"]
    search_fields = ["name"]
    fields = ["name", "code"]


@admin.register(DoctorMerge)
class DoctorMergeAdmin(TenantAdmin):
    """Merges of duplicate doctors, read-only (they are made and reversed on the steward's pages)."""

    list_display = ["merged", "survivor", "by", "at", "reverted_at"]
    list_select_related = ["merged", "survivor", "by"]
    date_hierarchy = "at"
    raw_id_fields = ["survivor", "merged", "candidate"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- the expert database ---------------------------------------------------------------------


@admin.register(AcademicLevelRule)
class AcademicLevelRuleAdmin(TenantAdmin):
    """The tenant's academic-level rule (no line: the default rule, hospitals.academic.DEFAULT_RULE).
    Saving or deleting a line re-derives every doctor's level."""

    list_display = ["level", "society_level", "society_positions", "clinical_titles", "academic_titles", "note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.academic_levels_refresh(tenant=obj.tenant_id, by=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.academic_levels_refresh(tenant=obj.tenant_id, by=request.user)


@admin.register(ExpertProfile)
class ExpertProfileAdmin(TenantAdmin):
    """Expert profiles. The academic level is derived or overridden through the service (its
    history is recorded there); here it is read-only."""

    list_display = ["doctor", "level", "derived_level", "level_override", "publications_count", "guideline_count"]
    list_filter = ["level", "level_override"]
    search_fields = ["doctor__name"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor"]
    show_full_result_count = False
    readonly_fields = ["level", "derived_level", "level_override", "override_reason", "overridden_by", "overridden_at"]


@admin.register(AcademicLevelChange)
class AcademicLevelChangeAdmin(TenantAdmin):
    """The history of academic levels: read-only (append-only record)."""

    list_display = ["doctor", "old_level", "new_level", "source", "reason", "changed_by", "changed_at"]
    list_filter = ["source", "new_level"]
    list_select_related = ["doctor", "changed_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpeakerQualification)
class SpeakerQualificationAdmin(TenantAdmin):
    """Speaker qualifications per product and topic, approved by medical affairs."""

    list_display = ["doctor", "product", "topic", "approved_by", "approved_on", "valid_until"]
    list_filter = ["product"]
    search_fields = ["doctor__name", "topic"]
    autocomplete_fields = ["doctor"]
    list_select_related = ["doctor", "product", "approved_by"]
