"""Browser pages of master data: doctor list and profile (with edit), hospitals, distributors.

Views are thin: they check who asks, call a selector (hospitals.selectors) or a page read
(hospitals.profile), and render. Lists use keyset pagination (crm.keyset): no OFFSET and no
COUNT; a "more results" link carries the last row's sort values.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from crm import exports
from crm.keyset import keyset_page
from crm.web import add_service_errors, get_or_404, render_list, tenant_user
from hospitals import exports as list_exports
from hospitals import hooks, profile, selectors
from hospitals.forms import doctor_edit_rule, doctor_form_class
from hospitals.models import ClinicalTitle

PAGE_SIZE = 50
HOSPITAL_DOCTORS_SHOWN = 100

# The sorts of the doctor list: the value of DoctorFilter's ``ordering`` → keyset order (ends
# with the unique id). Clinical title sorts by seniority, not by the stored code.
DOCTOR_SORTS = {
    "name": (gettext_lazy("Name (A–Z)"), ("name", "id")),
    "-name": (gettext_lazy("Name (Z–A)"), ("-name", "-id")),
    "hospital": (gettext_lazy("Hospital"), ("hospital__name", "name", "id")),
    "clinical_title": (gettext_lazy("Clinical title (senior first)"), ("title_rank", "name", "id")),
}
DOCTOR_FILTERS = (
    "province",
    "city",
    "hospital",
    "grade",
    "department",
    "department_code",
    "clinical_title",
    "territory",
    "society_position",
    "tier",
    "adoption",
)
_TITLE_RANK = Case(
    *(When(clinical_title=code, then=Value(i)) for i, code in enumerate(ClinicalTitle.values)),
    default=Value(len(ClinicalTitle.values)),
    output_field=IntegerField(),
)


# --- doctors --------------------------------------------------------------------------------


def _doctor_sort(request):
    sort = request.GET.get("ordering") or "name"
    return sort if sort in DOCTOR_SORTS else "name"


def _sorted_doctors(qs, sort):
    return qs.annotate(title_rank=_TITLE_RANK) if sort == "clinical_title" else qs


@login_required
@require_GET
def doctor_list(request):
    """Find a doctor: search by name, pinyin or initials, filter, sort; 50 a page, keyset."""
    user = tenant_user(request)
    sort = _doctor_sort(request)
    qs = _sorted_doctors(selectors.doctor_list(tenant=user.tenant_id, user=user, params=request.GET), sort)
    qs = hooks.annotate_tier(qs, tenant=user.tenant_id, name="tier")  # the tier column (segmentation)
    tiers = hooks.doctor_tier()
    page = keyset_page(qs, ordering=DOCTOR_SORTS[sort][1], cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    context = {
        "page": page,
        "sort": sort,
        "sorts": [(k, v[0]) for k, v in DOCTOR_SORTS.items()],
        "show_tier": tiers is not None,
        "tier_filters_template": tiers.list_filters_template if tiers else None,
    }
    return render_list(
        request,
        "hospitals/doctor_list.html",
        "hospitals/_doctor_results.html",
        "doctor-results",
        context,
        filters=DOCTOR_FILTERS,
        options=lambda: {
            **profile.doctor_filter_options(tenant=user.tenant_id, user=user, params=request.GET),
            **hooks.tier_list_options(tenant=user.tenant_id),
        },
    )


@login_required
@require_GET
def doctor_export(request, fmt):
    """The doctor list as filtered and sorted, as CSV or XLSX (contacts only for roles that see them)."""
    user = tenant_user(request)
    sort = _doctor_sort(request)
    qs = _sorted_doctors(selectors.doctor_list(tenant=user.tenant_id, user=user, params=request.GET), sort)
    return _export(qs.order_by(*DOCTOR_SORTS[sort][1]), list_exports.doctor_columns(user), fmt, "doctors")


def _export(qs, columns, fmt, filename):
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    return exports.export_response(qs, columns, fmt, filename)


@login_required
@require_GET
def doctor_detail(request, pk):
    """Everything known about one doctor: profile, network, usage share, distributors, history."""
    user = tenant_user(request)
    tenant = user.tenant_id
    doctor = get_or_404(
        selectors.visible_doctors(tenant=tenant, user=user).select_related("hospital", "department"), pk
    )
    show_contacts = selectors.can_see_contacts(user)
    coverage = profile.hospital_coverage(tenant=tenant, user=user, hospital=doctor.hospital)
    context = {
        "doctor": doctor,
        "show_contacts": show_contacts,
        "channel_labels": profile.channel_labels(doctor),
        "can_edit": doctor_edit_rule(user) is not None,
        "society_positions": profile.doctor_society_positions(tenant=tenant, doctor=doctor),
        "territories": profile.doctor_territories(tenant=tenant, doctor=doctor),
        "network": profile.doctor_network(tenant=tenant, user=user, doctor=doctor),
        "usage_groups": profile.doctor_usage_share(tenant=tenant, user=user, doctor=doctor),
        "coverage": coverage,
        "visible_distributor_ids": profile.visible_distributor_ids(
            tenant=tenant, user=user, ids={c.distributor_id for c in coverage}
        ),
        "history": profile.doctor_history(tenant=tenant, doctor=doctor, show_contacts=show_contacts),
    }
    tiers = hooks.doctor_tier()
    if tiers is not None:
        # The tier block of the profile (segmentation): current tier, why, history, overrides, adoption.
        context["tiers"] = tiers.profile(tenant=tenant, user=user, doctor=doctor)
        context["tier_template"] = tiers.profile_template
        doctor.tier = context["tiers"].tier
    sections, section_context = hooks.doctor_sections(user=user, doctor=doctor)
    context |= {"doctor_sections": sections, **section_context}
    return render(request, "hospitals/doctor_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def doctor_edit(request, pk):
    """Edit a doctor: administrators every field, reps and managers what they learn in the field.

    A refused value comes back in the form with everything else the user typed.
    """
    user = tenant_user(request)
    tenant = user.tenant_id
    doctor = get_or_404(
        selectors.visible_doctors(tenant=tenant, user=user).select_related("hospital", "department"), pk
    )
    rule = doctor_edit_rule(user)
    if rule is None:
        raise PermissionDenied
    fields, update = rule
    form_class = doctor_form_class(fields)
    if request.method == "POST":
        # The form validates a copy: the page keeps showing the doctor as saved until the save succeeds.
        form = form_class(request.POST, instance=copy.copy(doctor), tenant=tenant)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("doctor_detail", pk=doctor.pk)
            try:
                update(tenant=tenant, by=user, doctor=doctor, **changes)
            except ValidationError as exc:
                add_service_errors(form, exc)
                doctor.refresh_from_db()
            else:
                messages.success(request, _("Doctor saved."))
                return redirect("doctor_detail", pk=doctor.pk)
    else:
        form = form_class(instance=copy.copy(doctor), tenant=tenant)
    return render(request, "hospitals/doctor_edit.html", {"doctor": doctor, "form": form})


# --- hospitals ------------------------------------------------------------------------------


@login_required
@require_GET
def hospital_list(request):
    """Hospitals the user sees, by province, city, grade, type or name; keyset by name."""
    user = tenant_user(request)
    qs = selectors.hospital_list(tenant=user.tenant_id, user=user, params=request.GET)
    page = keyset_page(qs, ordering=("name", "id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render_list(
        request,
        "hospitals/hospital_list.html",
        "hospitals/_hospital_results.html",
        "hospital-results",
        {"page": page},
        filters=("province", "city", "grade", "type"),
        options=lambda: profile.hospital_filter_options(tenant=user.tenant_id, user=user, params=request.GET),
    )


@login_required
@require_GET
def hospital_export(request, fmt):
    """The hospital list as filtered, as CSV or XLSX."""
    user = tenant_user(request)
    qs = selectors.hospital_list(tenant=user.tenant_id, user=user, params=request.GET)
    return _export(qs, list_exports.HOSPITAL_COLUMNS, fmt, "hospitals")


@login_required
@require_GET
def hospital_detail(request, pk):
    """One hospital: departments, doctors, covering distributors, sales of the last 24 months."""
    user = tenant_user(request)
    tenant = user.tenant_id
    hospital = get_or_404(selectors.visible_hospitals(tenant=tenant, user=user), pk)
    doctors, more_doctors = profile.hospital_doctors(
        tenant=tenant, user=user, hospital=hospital, limit=HOSPITAL_DOCTORS_SHOWN
    )
    coverage = profile.hospital_coverage(tenant=tenant, user=user, hospital=hospital)
    context = {
        "hospital": hospital,
        "departments": profile.hospital_departments(tenant=tenant, hospital=hospital),
        "doctors": doctors,
        "more_doctors": more_doctors,
        "coverage": coverage,
        "visible_distributor_ids": profile.visible_distributor_ids(
            tenant=tenant, user=user, ids={c.distributor_id for c in coverage}
        ),
        "sales": profile.sales_by_month(tenant=tenant, user=user, hospital=hospital),
    }
    return render(request, "hospitals/hospital_detail.html", context)


# --- distributors ---------------------------------------------------------------------------


@login_required
@require_GET
def distributor_list(request):
    """Distributors the user sees, by name, kind, status or province; keyset by name."""
    user = tenant_user(request)
    qs = selectors.distributor_list(tenant=user.tenant_id, user=user, params=request.GET)
    page = keyset_page(qs, ordering=("name", "id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render_list(
        request,
        "hospitals/distributor_list.html",
        "hospitals/_distributor_results.html",
        "distributor-results",
        {"page": page},
        filters=("region", "kind", "status"),
        options=profile.distributor_filter_options,
    )


@login_required
@require_GET
def distributor_export(request, fmt):
    """The distributor list as filtered, as CSV or XLSX."""
    user = tenant_user(request)
    qs = selectors.distributor_list(tenant=user.tenant_id, user=user, params=request.GET)
    return _export(qs, list_exports.DISTRIBUTOR_COLUMNS, fmt, "distributors")


@login_required
@require_GET
def distributor_detail(request, pk):
    """One distributor: hospitals and products covered, agreements, sales of the last 24 months."""
    user = tenant_user(request)
    tenant = user.tenant_id
    distributor = get_or_404(selectors.visible_distributors(tenant=tenant, user=user), pk)
    coverage, coverage_truncated = profile.distributor_coverage(tenant=tenant, user=user, distributor=distributor)
    context = {
        "distributor": distributor,
        "coverage": coverage,
        "coverage_truncated": coverage_truncated,
        "products": profile.distributor_products(tenant=tenant, distributor=distributor),
        "agreements": profile.distributor_agreements(tenant=tenant, user=user, distributor=distributor),
        "sales": profile.sales_by_month(tenant=tenant, user=user, distributor=distributor),
    }
    return render(request, "hospitals/distributor_detail.html", context)
