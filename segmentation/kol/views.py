"""Browser pages of key opinion leaders: the KOL section of the doctor profile (plans, the
network view), introduction paths, the network's JSON for the graph, invitation lists, account
plans (list, new, detail with the timeline, reviews and actions)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from crm import exports
from crm.keyset import keyset_page
from crm.permissions import (
    HEAD_OFFICE_ROLES,
    INVITATION_ROLES,
    NETWORK_ROLES,
    PLAN_EDITORS,
    PLAN_ROLES,
    has_role,
    is_tenant_user,
)
from crm.web import add_service_errors, error_messages, get_or_404, int_or_none, tenant_user
from hospitals import selectors as hospital_selectors
from hospitals.models import STANDARD_DEPARTMENTS, Product, RelationKind
from segmentation import hooks
from segmentation.kol import network, selectors, services
from segmentation.models import (
    ADOPTION_ORDER,
    AccountPlan,
    ActionKind,
    AdoptionStage,
    PlanStatus,
    ReviewCadence,
    ReviewRating,
    Tier,
)
from segmentation.selectors import current_tiers


def _visible_ids(user):
    """None for head office (every doctor), else the set of doctors the user may see."""
    if user.role in HEAD_OFFICE_ROLES:
        return None
    return set(hospital_selectors.visible_doctor_ids(tenant=user.tenant_id, user=user))


def _doctor(user, pk):
    return get_or_404(
        hospital_selectors.visible_doctors(tenant=user.tenant_id, user=user).select_related("hospital", "department"),
        pk,
    )


def _own_products(tenant):
    return list(Product.objects.for_tenant(tenant).filter(is_own=True, is_active=True).order_by("name"))


def _product(tenant, value, products=None):
    products = products if products is not None else _own_products(tenant)
    chosen = int_or_none(value)
    return next((p for p in products if p.pk == chosen), products[0] if products else None)


# --- the doctor profile's section ------------------------------------------------------------------


def doctor_kol_context(user, doctor) -> dict:
    """The KOL section of the doctor profile: account plans of the doctor the user may see, the
    network view (drawn from :func:`network_json`), introduction paths and the invitation form."""
    if not is_tenant_user(user) or not has_role(user, NETWORK_ROLES | PLAN_ROLES):
        return {"visible": False}
    tenant = user.tenant_id
    plans = list(selectors.plan_list(tenant=tenant, user=user).filter(doctor=doctor)[:10])
    return {
        "visible": True,
        "plans": plans,
        "can_plan": has_role(user, PLAN_EDITORS),
        "can_network": has_role(user, NETWORK_ROLES),
        "can_invite": has_role(user, INVITATION_ROLES),
        "products": _own_products(tenant),
        "stages": AdoptionStage.choices,
        "tiers": Tier.choices,
        "departments": sorted(STANDARD_DEPARTMENTS.items(), key=lambda kv: kv[1]),
        "lists": list(selectors.invitation_list_list(tenant=tenant, user=user, params={"center": doctor.pk})[:5])
        if has_role(user, INVITATION_ROLES)
        else [],
    }


# --- network and paths --------------------------------------------------------------------------------


@login_required
@require_GET
def network_json(request, pk):
    """The 2-hop neighbourhood of a doctor as graph elements (cytoscape.js): nodes coloured by the
    adoption stage of the chosen product, with tier and hops; edges with kind and strength."""
    user = tenant_user(request, NETWORK_ROLES)
    tenant = user.tenant_id
    doctor = _doctor(user, pk)
    product = _product(tenant, request.GET.get("product"))
    hops = 1 if request.GET.get("hops") == "1" else 2
    near = network.neighbourhood(tenant=tenant, center_id=doctor.pk, hops=hops, max_nodes=120)
    visible = _visible_ids(user)
    if visible is not None:
        near = {k: v for k, v in near.items() if k in visible or k == doctor.pk}
    from hospitals.models import Doctor
    from segmentation.models import Adoption

    doctors = Doctor.objects.for_tenant(tenant).select_related("hospital").in_bulk(list(near))
    stages = {}
    if product is not None:
        stages = dict(
            Adoption.objects.for_tenant(tenant).filter(product=product, doctor_id__in=list(near))
            .values_list("doctor_id", "stage")
        )  # fmt: skip
    tiers = current_tiers(tenant=tenant, doctor_ids=list(near))
    stage_labels = dict(AdoptionStage.choices)
    kind_labels = dict(RelationKind.choices)
    nodes = [
        {
            "data": {
                "id": str(i),
                "label": doctors[i].name,
                "hospital": doctors[i].hospital.name,
                "stage": stages.get(i, ""),
                "stage_label": str(stage_labels.get(stages.get(i, ""), _("not recorded"))),
                "tier": tiers.get(i, ""),
                "hops": hops_away,
                "center": i == doctor.pk,
                "url": reverse("doctor_detail", args=[i]),
            }
        }
        for i, hops_away in near.items()
        if i in doctors
    ]
    edges = [
        {
            "data": {
                "id": f"e{a}-{b}-{kind}",
                "source": str(a),
                "target": str(b),
                "kind": kind,
                "kind_label": str(kind_labels.get(kind, kind)),
                "strength": strength,
            }
        }  # fmt: skip
        for a, b, kind, strength in network.edges_among(tenant=tenant, doctor_ids=list(doctors))
    ]
    return JsonResponse({"elements": nodes + edges, "product": product.pk if product else None})


@login_required
@require_GET
def intro_paths(request, pk):
    """Introduction paths to a doctor from doctors loyal to (or advocates of) a product."""
    user = tenant_user(request, NETWORK_ROLES)
    tenant = user.tenant_id
    doctor = _doctor(user, pk)
    products = _own_products(tenant)
    product = _product(tenant, request.GET.get("product"), products)
    depth = int_or_none(request.GET.get("depth")) or network.MAX_DEPTH
    paths = []
    if product is not None:
        paths = network.introduction_paths(
            tenant=tenant, target=doctor, product=product, depth=depth, limit=10, visible_ids=_visible_ids(user)
        )
    return render(request, "segmentation/kol/paths.html", {
        "doctor": doctor, "products": products, "product": product, "paths": paths, "depth": depth,
        "kind_labels": dict(RelationKind.choices),
    })  # fmt: skip


# --- invitation lists ---------------------------------------------------------------------------------


def _invite_filters(data):
    return {
        "hops": 1 if data.get("hops", "1") == "1" else 2,
        "tiers": [t for t in data.getlist("tier") if t in Tier.values],
        "departments": [d for d in data.getlist("department") if d in STANDARD_DEPARTMENTS],
        "stages": [s for s in data.getlist("stage") if s in ADOPTION_ORDER],
    }


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request, pk):
    """Turn the doctor's network (1–2 hops, filtered) into a saved invitation list; GET previews
    the doctors the filters select."""
    user = tenant_user(request, INVITATION_ROLES)
    tenant = user.tenant_id
    doctor = _doctor(user, pk)
    data = request.POST if request.method == "POST" else request.GET
    product = _product(tenant, data.get("product"))
    filters = _invite_filters(data)
    if request.method == "GET":
        candidates = services.network_candidates(tenant=tenant, center=doctor, product=product,
                                                 visible_ids=_visible_ids(user), **filters)  # fmt: skip
        return render(request, "segmentation/kol/invitation_preview.html", {
            "doctor": doctor, "product": product, "candidates": candidates, "filters": filters,
            "stage_labels": dict(AdoptionStage.choices),
        })  # fmt: skip
    try:
        invitation = services.invitation_list_create(
            tenant=tenant, by=user, center=doctor, product=product,
            name=data.get("name") or _("Network of %(name)s") % {"name": doctor.name},
            purpose=data.get("purpose", "")[:200],
            plan=AccountPlan.objects.for_tenant(tenant).filter(pk=int_or_none(data.get("plan")), doctor=doctor).first(),
            visible_ids=_visible_ids(user), doctor_ids=data.getlist("doctor") if data.get("picked") else None,
            **filters,
        )  # fmt: skip
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#kol")
    messages.success(request, _("Invitation list saved."))
    return redirect("invitation_detail", pk=invitation.pk)


def _invitation(user, pk):
    return get_or_404(selectors.invitation_list_list(tenant=user.tenant_id, user=user), pk)


@login_required
@require_GET
def invitation_detail(request, pk):
    """A saved invitation list: its doctors, nearest first; export."""
    user = tenant_user(request, INVITATION_ROLES)
    invitation = _invitation(user, pk)
    entries = list(invitation.entries.select_related("doctor__hospital", "doctor__department").order_by("hops", "id"))
    tiers = current_tiers(tenant=user.tenant_id, doctor_ids=[e.doctor_id for e in entries])
    for e in entries:
        e.tier = tiers.get(e.doctor_id, "")
    actions = hooks.invitation_list_actions(user=user, invitation=invitation)
    return render(request, "segmentation/kol/invitation_detail.html",
                  {"invitation": invitation, "entries": entries, "actions": actions})  # fmt: skip


INVITATION_COLUMNS = [
    (gettext_lazy("Doctor"), "doctor__name"),
    (gettext_lazy("Hospital"), "doctor__hospital__name"),
    (gettext_lazy("Department"), "doctor__department__name"),
    (gettext_lazy("Hops"), "hops"),
    (gettext_lazy("Relation"), "relation"),
    (gettext_lazy("Doctor id"), "doctor__id"),
]


@login_required
@require_GET
def invitation_export(request, pk, fmt):
    """The invitation list as CSV or Excel (what an event's organiser takes today)."""
    user = tenant_user(request, INVITATION_ROLES)
    invitation = _invitation(user, pk)
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    return exports.export_response(invitation.entries.order_by("hops", "id"), INVITATION_COLUMNS, fmt, "invitations")


# --- account plans ---------------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    """Account plans the user may see (product managers: all, by product), with status and movement."""
    user = tenant_user(request, PLAN_ROLES)
    tenant = user.tenant_id
    params = {k: request.GET.get(k) for k in ("product", "status")}
    page = keyset_page(selectors.plan_list(tenant=tenant, user=user, params=params), ordering=("-start", "-id"),
                       cursor=request.GET.get("cursor"), size=50)  # fmt: skip
    from segmentation.models import Adoption

    now = {
        (a, p): s
        for a, p, s in Adoption.objects.for_tenant(tenant)
        .filter(doctor_id__in=[p.doctor_id for p in page.rows])
        .values_list("doctor_id", "product_id", "stage")
    }
    labels = dict(AdoptionStage.choices)
    for plan in page.rows:
        plan.stage_now = now.get((plan.doctor_id, plan.product_id), "")
        plan.stage_now_label = labels.get(plan.stage_now, "—")
        plan.moved = ADOPTION_ORDER.get(plan.stage_now, 0) - ADOPTION_ORDER.get(plan.start_stage, 0)
    return render(request, "segmentation/kol/plan_list.html", {
        "page": page, "products": _own_products(tenant), "statuses": PlanStatus.choices,
        "stage_labels": labels, "can_plan": has_role(user, PLAN_EDITORS),
    })  # fmt: skip


def _date_widget():
    """An HTML date input (ISO value, as browsers expect)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PlanForm(forms.ModelForm):
    """A new account plan (doctor fixed by the page)."""

    members = forms.ModelMultipleChoiceField(label=gettext_lazy("Team"), queryset=User.objects.none(), required=False)

    class Meta:
        model = AccountPlan
        fields = ["product", "title", "target_stage", "target_share", "start", "end", "objectives", "needs",
                  "career_direction", "review_cadence", "members"]  # fmt: skip
        widgets = {
            "target_stage": forms.Select(choices=AdoptionStage.choices),
            "start": _date_widget(),
            "end": _date_widget(),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "career_direction": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)
        self.fields["members"].queryset = User.objects.in_tenant(tenant).filter(is_active=True).exclude(role="")
        self.fields["target_stage"].widget.choices = AdoptionStage.choices


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request, pk):
    """Write an account plan for a doctor (default: target loyal within 12 months)."""
    user = tenant_user(request, PLAN_EDITORS)
    tenant = user.tenant_id
    doctor = _doctor(user, pk)
    today = timezone.localdate()
    initial = {
        "title": _("%(name)s: loyal in 12 months") % {"name": doctor.name},
        "target_stage": AdoptionStage.LOYAL,
        "start": today,
        "end": today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29) else today.replace(
            year=today.year + 1, day=28),
        "needs": doctor.pain_points,
        "career_direction": doctor.interests,
        "review_cadence": ReviewCadence.QUARTERLY,
        "product": int_or_none(request.GET.get("product")),
    }  # fmt: skip
    form = PlanForm(request.POST or None, tenant=tenant, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        members = data.pop("members", [])
        try:
            plan = services.account_plan_create(tenant=tenant, by=user, doctor=doctor, members=list(members), **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account plan saved."))
            return redirect("plan_detail", pk=plan.pk)
    return render(request, "segmentation/kol/plan_form.html", {"doctor": doctor, "form": form})


class ReviewForm(forms.Form):
    rating = forms.ChoiceField(label=gettext_lazy("Rating"), choices=ReviewRating.choices)
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_steps = forms.CharField(label=gettext_lazy("Next steps"), widget=forms.Textarea(attrs={"rows": 2}),
                                 required=False)  # fmt: skip


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=gettext_lazy("Action"), max_length=200)
    objective = forms.CharField(label=gettext_lazy("Objective"), max_length=300, required=False)
    due = forms.DateField(label=gettext_lazy("Due"), required=False, widget=_date_widget())


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, pk):
    """A plan against what happened: progress to the target, usage share by month, the timeline,
    actions, milestones and reviews; the team records reviews and actions here."""
    user = tenant_user(request, PLAN_ROLES)
    tenant = user.tenant_id
    try:
        plan = selectors.plan_get(tenant=tenant, user=user, pk=pk)
    except AccountPlan.DoesNotExist as exc:
        raise Http404 from exc
    can_review = selectors.can_review_plan(user, plan)
    review_form, action_form = ReviewForm(prefix="review"), ActionForm(prefix="action")
    if request.method == "POST":
        if not can_review:
            raise Http404
        try:
            if "review-rating" in request.POST:
                review_form = ReviewForm(request.POST, prefix="review")
                if review_form.is_valid():
                    services.plan_review_create(tenant=tenant, by=user, plan=plan, **review_form.cleaned_data)
                    messages.success(request, _("Review recorded."))
                    return redirect(reverse("plan_detail", args=[plan.pk]) + "#reviews")
            elif "action-kind" in request.POST:
                action_form = ActionForm(request.POST, prefix="action")
                if action_form.is_valid():
                    services.plan_action_create(tenant=tenant, by=user, plan=plan, **action_form.cleaned_data)
                    messages.success(request, _("Action planned."))
                    return redirect(reverse("plan_detail", args=[plan.pk]) + "#actions")
            elif request.POST.get("done"):
                action = get_or_404(plan.actions.all(), int_or_none(request.POST.get("done")))
                services.plan_action_update(tenant=tenant, by=user, action=action, status="done")
                return redirect(reverse("plan_detail", args=[plan.pk]) + "#actions")
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
    timeline = selectors.plan_timeline(tenant=tenant, plan=plan)
    labels = dict(AdoptionStage.choices)
    chart = {
        "labels": [row["period"].strftime("%Y-%m") for row in timeline["usage"]],
        "datasets": [
            {"label": plan.product.name, "own": True, "data": [float(row["share"]) for row in timeline["usage"]]}
        ],
    }
    if plan.target_share is not None and timeline["usage"]:
        chart["datasets"].append({"label": _("Target"), "data": [float(plan.target_share)] * len(timeline["usage"])})
    return render(request, "segmentation/kol/plan_detail.html", {
        "plan": plan, "timeline": timeline, "progress": timeline["progress"], "chart_json": json.dumps(chart),
        "stage_labels": labels, "start_stage_label": labels.get(plan.start_stage, "—"),
        "target_stage_label": labels.get(plan.target_stage, plan.target_stage),
        "stage_now_label": labels.get(timeline["progress"]["stage"], "—"),
        "members": plan.members.select_related("user"), "actions": plan.actions.select_related("assignee"),
        "milestones": plan.milestones.all(), "reviews": plan.reviews.select_related("by"),
        "can_review": can_review, "review_form": review_form, "action_form": action_form,
        "next_review": services.next_review_due(plan),
        "invitation_lists": plan.invitation_lists.all(),
    })  # fmt: skip
