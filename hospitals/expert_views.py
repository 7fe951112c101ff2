"""Browser pages of the expert database (专家库): the searchable, exportable expert list, the
expert section of the doctor profile, the academic-level override (compliance), the expert
profile (medical affairs, product managers) and speaker qualifications (medical affairs)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from crm import exports
from crm.keyset import keyset_page
from crm.permissions import (
    ACADEMIC_HISTORY_READERS,
    ACADEMIC_LEVEL_EDITORS,
    EXPERT_PROFILE_EDITORS,
    EXPERT_ROLES,
    SPEAKER_APPROVERS,
    has_role,
    is_tenant_user,
)
from crm.web import add_service_errors, get_or_404, render_list, tenant_user
from hospitals import hooks, profile, selectors, services
from hospitals.models import AcademicLevel, ExpertProfile, Product, TeachingPost

PAGE_SIZE = 50
EXPERT_FILTERS = ("province", "department_code", "level", "area", "topic", "speaker_product", "tier", "adoption")

EXPERT_COLUMNS = [
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("Hospital"), "hospital__name"),
    (gettext_lazy("Province"), "hospital__province"),
    (gettext_lazy("Department"), "department__name"),
    (gettext_lazy("Clinical title"), "clinical_title"),
    (gettext_lazy("Academic title"), "academic_title"),
    (gettext_lazy("Academic level"), "academic_level"),
    (gettext_lazy("Publications"), "publications"),
    (gettext_lazy("Guidelines"), "guidelines"),
    (gettext_lazy("Research interests"), "research_interests"),
    (gettext_lazy("Therapeutic areas"), "areas"),
]


def _experts(request, user):
    qs = selectors.expert_list(tenant=user.tenant_id, user=user, params=request.GET)
    return hooks.annotate_tier(qs, tenant=user.tenant_id, name="tier")


@login_required
@require_GET
def expert_list(request):
    """The expert list: search and filter by region, department, academic level, area, topic,
    speaker qualification, tier and adoption; 50 a page, keyset; exportable."""
    user = tenant_user(request, EXPERT_ROLES)
    page = keyset_page(_experts(request, user), ordering=("name", "id"), cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)  # fmt: skip
    tenant = user.tenant_id
    labels = dict(AcademicLevel.choices)
    for row in page.rows:
        row.level_label = labels.get(row.academic_level, row.academic_level)
    hooks.doctor_tier()
    return render_list(
        request,
        "hospitals/expert_list.html",
        "hospitals/_expert_results.html",
        "expert-results",
        {
            "page": page,
            "levels": AcademicLevel.choices,
            "level_labels": dict(AcademicLevel.choices),
            "chosen_levels": request.GET.getlist("level"),
        },  # fmt: skip
        filters=EXPERT_FILTERS,
        options=lambda: {
            **profile.doctor_filter_options(tenant=tenant, user=user, params=request.GET),
            **hooks.tier_list_options(tenant=tenant),
            "products": list(Product.objects.for_tenant(tenant).filter(is_own=True).values_list("pk", "name")),
        },
    )


@login_required
@require_GET
def expert_export(request, fmt):
    """The expert list as filtered, as CSV or XLSX."""
    user = tenant_user(request, EXPERT_ROLES)
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    return exports.export_response(_experts(request, user).order_by("name", "id"), EXPERT_COLUMNS, fmt, "experts")


def doctor_expert_context(user, doctor) -> dict:
    """The expert section of the doctor profile (hospitals.hooks.register_doctor_section)."""
    if not is_tenant_user(user) or not has_role(user, EXPERT_ROLES):
        return {"visible": False}
    expert, qualifications = selectors.expert_profile(tenant=user.tenant_id, doctor=doctor)
    level = expert.level if expert else services.academic.derive_level(doctor)  # never derived yet
    history = []
    if has_role(user, ACADEMIC_HISTORY_READERS):
        history = list(selectors.academic_level_history(tenant=user.tenant_id, doctor=doctor)[:10])
    return {
        "visible": True,
        "profile": expert,
        "level": level,
        "level_label": dict(AcademicLevel.choices).get(level, level),
        "qualifications": qualifications,
        "history": history,
        "can_override": has_role(user, ACADEMIC_LEVEL_EDITORS),
        "can_edit": has_role(user, EXPERT_PROFILE_EDITORS),
        "can_qualify": has_role(user, SPEAKER_APPROVERS),
        "teaching": [dict(TeachingPost.choices).get(t, t) for t in (expert.teaching_posts if expert else [])],
    }


def _date_widget():
    """An HTML date input (ISO value, as browsers expect)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class LevelOverrideForm(forms.Form):
    level = forms.ChoiceField(
        label=gettext_lazy("Academic level"),
        choices=[("", gettext_lazy("As the rule derives it (no override)")), *AcademicLevel.choices],
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"data-testid": "override-reason"}))  # fmt: skip


def _doctor(user, pk):
    return get_or_404(
        selectors.visible_doctors(tenant=user.tenant_id, user=user).select_related("hospital", "department"), pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def academic_level_edit(request, pk):
    """Compliance sets a doctor's academic level against the rule, with a reason (or removes it)."""
    user = tenant_user(request, ACADEMIC_LEVEL_EDITORS)
    doctor = _doctor(user, pk)
    expert = services.academic.profile_for(tenant=user.tenant_id, doctor=doctor)
    form = LevelOverrideForm(request.POST or None, initial={"level": expert.level_override,
                                                            "reason": expert.override_reason})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.academic_level_override(tenant=user.tenant_id, by=user, doctor=doctor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Academic level saved."))
            return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#expert")
    return render(request, "hospitals/academic_level_form.html", {
        "doctor": doctor, "form": form, "expert": expert,
        "history": selectors.academic_level_history(tenant=user.tenant_id, doctor=doctor)[:20],
    })  # fmt: skip


class ExpertProfileForm(forms.ModelForm):
    class Meta:
        model = ExpertProfile
        fields = ["publications_count", "guideline_count", "research_interests", "therapeutic_areas",
                  "teaching_posts", "languages", "lectures_given", "preferred_times"]  # fmt: skip
        widgets = {"teaching_posts": forms.CheckboxSelectMultiple}

    teaching_posts = forms.MultipleChoiceField(
        label=gettext_lazy("Teaching posts"), choices=TeachingPost.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def expert_profile_edit(request, pk):
    """Medical affairs or product managers keep the academic and speaker profile up to date."""
    user = tenant_user(request, EXPERT_PROFILE_EDITORS)
    doctor = _doctor(user, pk)
    expert = services.academic.profile_for(tenant=user.tenant_id, doctor=doctor)
    form = ExpertProfileForm(request.POST or None, instance=expert)
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_profile_update(tenant=user.tenant_id, by=user, profile=expert, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Expert profile saved."))
            return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#expert")
    return render(request, "hospitals/expert_profile_form.html", {"doctor": doctor, "form": form})


class QualificationForm(forms.Form):
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none())
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    approved_on = forms.DateField(label=gettext_lazy("Approved on"), widget=_date_widget())
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False,
                                  widget=_date_widget())  # fmt: skip

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)


@login_required
@require_http_methods(["GET", "POST"])
def speaker_qualification_new(request, pk):
    """Medical affairs approve a doctor to speak on a topic of a product."""
    user = tenant_user(request, SPEAKER_APPROVERS)
    doctor = _doctor(user, pk)
    form = QualificationForm(request.POST or None, tenant=user.tenant_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.speaker_qualification_create(tenant=user.tenant_id, by=user, doctor=doctor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Speaker qualification approved."))
            return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#expert")
    return render(request, "hospitals/speaker_qualification_form.html", {"doctor": doctor, "form": form})
