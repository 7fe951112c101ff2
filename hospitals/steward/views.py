"""The duplicate-doctor steward's pages (tenant administrators and product managers): the likely
pairs, a pair side by side with what each doctor has, the merge, and the merges to reverse."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.permissions import STEWARD_ROLES
from crm.web import error_messages, get_or_404, int_or_none, tenant_user
from hospitals.models import CandidateStatus, Doctor, DoctorMerge, DuplicateReason
from hospitals.profile import _display
from hospitals.steward import merge as merging
from hospitals.steward.duplicates import duplicate_candidates
from hospitals.steward.hooks import REFERENCES

PAGE = 50


def _steward(request):
    return tenant_user(request, STEWARD_ROLES)


@login_required
@require_GET
def duplicate_list(request):
    """Likely duplicate pairs, best first (keyset by score and id), and the recent merges."""
    user = _steward(request)
    candidates = duplicate_candidates(tenant=user.tenant_id)
    after = request.GET.get("after", "")
    score, _sep, pk = after.partition("-")
    score, pk = int_or_none(score), int_or_none(pk)
    if score is not None and pk is not None:
        candidates = candidates.filter(Q(score__lt=score) | Q(score=score, id__gt=pk))
    page = list(candidates[: PAGE + 1])
    more = page[PAGE] if len(page) > PAGE else None
    page = page[:PAGE]
    reasons = dict(DuplicateReason.choices)
    rows = [{"c": c, "reasons": [reasons.get(r, r) for r in c.reasons]} for c in page]
    merges = DoctorMerge.objects.for_tenant(user.tenant_id).select_related("survivor", "merged", "by")[:20]
    return render(
        request,
        "hospitals/steward/duplicates.html",
        {
            "rows": rows,
            "next_after": f"{page[-1].score}-{page[-1].pk}" if more else "",
            "merges": merges,
            "first_page": not after,
        },
    )


@login_required
@require_POST
def duplicate_scan_start(request):
    """Look for likely duplicates again (in the background)."""
    from hospitals import tasks

    user = _steward(request)
    tasks.duplicate_scan_run.delay_on_commit(tenant_id=user.tenant_id)
    messages.success(request, _("The search for duplicates has started; refresh this page in a minute."))
    return redirect("duplicate_list")


def _holdings(tenant, doctor) -> list[tuple[str, int]]:
    """What refers to ``doctor`` (visits, tiers, relations …): (what, how many), the non-zero ones."""
    counts = []
    for reference in REFERENCES.values():
        if reference.model is None:
            continue
        n = reference.model.objects.for_tenant(tenant).filter(**{f"{reference.field}_id": doctor.pk}).count()
        if n:
            counts.append((f"{reference.model._meta.verbose_name_plural}", n))
    merged = {}
    for label, n in counts:
        merged[label] = merged.get(label, 0) + n
    return sorted(merged.items())


@login_required
@require_http_methods(["GET", "POST"])
def duplicate_detail(request, pk):
    """A pair side by side: which doctor stays, which values to take from the other; merge or dismiss."""
    user = _steward(request)
    tenant = user.tenant_id
    candidate = get_or_404(duplicate_candidates(tenant=tenant, status=CandidateStatus.OPEN), pk)
    a, b = candidate.doctor_a, candidate.doctor_b
    keep = request.POST.get("keep") or request.GET.get("keep") or "a"
    survivor, other = (a, b) if keep == "a" else (b, a)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "dismiss":
                merging.duplicate_dismiss(tenant=tenant, by=user, candidate=candidate)
                messages.success(request, _("Marked as two different doctors."))
                return redirect("duplicate_list")
            done = merging.doctor_merge(
                tenant=tenant,
                by=user,
                survivor=survivor,
                merged=other,
                take=request.POST.getlist("take"),
                candidate=candidate,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc)))
        else:
            messages.success(request, _("Merged. You can reverse the merge for 30 days."))
            return redirect("doctor_merge_detail", pk=done.pk)
    plan = merging.merge_plan(survivor, other)
    names = {"hospital": {d.hospital_id: d.hospital.name for d in (a, b)}}
    names["department"] = {d.department_id: d.department.name for d in (a, b) if d.department_id}
    def text(doctor, p, side):
        if p["field"] in ("phone", "office_phone"):
            return getattr(doctor, f"{p['field']}_shown") or "—"  # as written, not in E.164
        return _display(p["field"], p[side], names, True) or "—"

    fields = [
        {
            **p,
            "label": Doctor._meta.get_field(p["field"]).verbose_name,
            "survivor_text": text(survivor, p, "survivor"),
            "merged_text": text(other, p, "merged"),
        }
        for p in plan
    ]
    return render(
        request,
        "hospitals/steward/compare.html",
        {
            "candidate": candidate,
            "survivor": survivor,
            "other": other,
            "keep": keep,
            "fields": fields,
            "survivor_holds": _holdings(tenant, survivor),
            "other_holds": _holdings(tenant, other),
            "reasons": [dict(DuplicateReason.choices).get(r, r) for r in candidate.reasons],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def doctor_merge_detail(request, pk):
    """One merge: who, when, what moved; reverse it within 30 days."""
    user = _steward(request)
    merge = get_or_404(
        DoctorMerge.objects.for_tenant(user.tenant_id).select_related("survivor", "merged", "by", "reverted_by"), pk
    )
    if request.method == "POST":
        try:
            merging.doctor_merge_revert(tenant=user.tenant_id, by=user, merge=merge)
        except ValidationError as exc:
            messages.error(request, " ".join(error_messages(exc)))
        else:
            messages.success(request, _("The merge was reversed."))
        return redirect("doctor_merge_detail", pk=merge.pk)
    moved = []
    for label in sorted({*(merge.moved or {}), *(merge.kept or {})}):
        reference = REFERENCES.get(label)
        what = reference.model._meta.verbose_name_plural if reference and reference.model else _("history entries")
        moved.append((what, len((merge.moved or {}).get(label, ())), (merge.kept or {}).get(label, 0)))
    taken = [
        Doctor._meta.get_field(f).verbose_name for f in (merge.survivor_before or {}) if not f.endswith("_display")
    ]
    return render(request, "hospitals/steward/merge.html", {"merge": merge, "moved": moved, "taken": taken})
