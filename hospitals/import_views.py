"""Browser pages of master-data import: upload with the options chosen up front, live progress,
the one-pass report (errors beside the original rows, suggestions, decisions), the annotated
file, "accept all suggestions" and the re-run with a decision, templates.

For tenant administrators and product managers (they own master data). The work is done by
the ImportJob Celery task; these views only store the upload, show the job, and stream files.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.exports import FORMATS, export_response
from crm.permissions import IMPORT_ROLES, has_role
from crm.web import get_or_404, tenant_user
from hospitals.imports import progress, report
from hospitals.imports.errors import render as render_error
from hospitals.imports.services import (
    MAX_UPLOAD_BYTES,
    import_job_accept_suggestions,
    import_job_create,
    import_job_rerun,
)
from hospitals.imports.specs import SPECS
from hospitals.models import ImportJob, ImportKind, ImportStatus, NewDepartmentPolicy, ProbableMatchPolicy

SHOWN_ERRORS = 200


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls,.txt,.tsv"}),
    )
    probable_matches = forms.ChoiceField(
        label=_(
            "A doctor row that matches a stored doctor by hospital, department and name, but not by external id "
            "(the row's is new, or one of them has none)"
        ),
        choices=ProbableMatchPolicy.choices,
        initial=ProbableMatchPolicy.ASK,
        required=False,
        widget=forms.RadioSelect,
    )
    new_departments = forms.ChoiceField(
        label=_("A department that neither the hospital nor the department dictionary knows"),
        choices=NewDepartmentPolicy.choices,
        initial=NewDepartmentPolicy.REFUSE,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 50 MB; split it into several files."))
        return upload


def _importer(request):
    return tenant_user(request, IMPORT_ROLES)


def import_job_list(*, tenant, user):
    """The tenant's import jobs, newest first (every importer sees every job of the tenant)."""
    if not has_role(user, IMPORT_ROLES):
        return ImportJob.objects.none()
    return ImportJob.objects.for_tenant(tenant).select_related("created_by")


def _job(request, pk):
    user = _importer(request)
    return get_or_404(import_job_list(tenant=user.tenant_id, user=user), pk)


def _kind_help():
    return [
        {
            "kind": kind,
            "label": label,
            "required": [str(c.label) for c in SPECS[kind].columns if c.required],
            "one_of": [" / ".join(str(SPECS[kind].column(k).label) for k in group) for group in SPECS[kind].one_of],
            "optional": [str(c.label) for c in SPECS[kind].columns if not c.required],
        }
        for kind, label in ImportKind.choices
    ]


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Choose the kind, upload the file; recent imports below."""
    user = _importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job, _created = import_job_create(
                tenant=user.tenant_id,
                by=user,
                kind=data["kind"],
                upload=data["file"],
                options={"probable_matches": data["probable_matches"], "new_departments": data["new_departments"]},
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("import_job_detail", pk=job.pk)
    jobs = import_job_list(tenant=user.tenant_id, user=user)[:20]
    return render(request, "hospitals/import/start.html", {"form": form, "jobs": jobs, "kinds": _kind_help()})


def _progress_context(job):
    live = None if job.is_finished else progress.read(job.pk)
    status = job.status
    done, total = job.rows_done, job.rows_total
    if live:
        status = live.get("status") or status
        done, total = live.get("done", 0), live.get("total", 0)
    values = (job.row_values or {}).get("rows", {})
    errors = [
        {**e, "message": render_error(e), "values": [v for v in values.get(str(e["row"]), ()) if v]}
        for e in job.errors[:SHOWN_ERRORS]
    ]
    notes = [_note(n) for n in job.notes]
    decisions = [
        {**d, "message": report._decision_text(d), "values": [v for v in values.get(str(d["row"]), ()) if v]}
        for d in job.decisions[:SHOWN_ERRORS]
    ]
    suggestions = [
        {**s, "key": f"{s['kind']}:{s['value']}", "acceptable": s["kind"] in ACCEPTABLE} for s in job.suggestions
    ]
    return {
        "job": job,
        "status": status,
        "status_label": ImportStatus(status).label if status in ImportStatus.values else status,
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "errors": errors,
        "more_errors": max(0, job.error_count - len(errors)),
        "notes": notes,
        "suggestions": suggestions,
        "can_accept": any(s["acceptable"] and s["candidates"] for s in suggestions),
        "decisions": decisions,
        "policies": [c for c in ProbableMatchPolicy.choices if c[0] != ProbableMatchPolicy.ASK],
    }


ACCEPTABLE = {"hospital", "department"}  # what an accepted suggestion can teach the master data


def _note(note: dict) -> str:
    text = render_error(note)
    if note.get("column"):
        text = f"{note['column']}: {text}"
    if note.get("row") and note["msgid"].startswith("skipped"):
        text = _("Row %(row)s: %(message)s") % {"row": note["row"], "message": text}
    return text


@login_required
@require_GET
def import_job_detail(request, pk):
    """One import: live progress while it runs, then counts, notes and the error table."""
    return render(request, "hospitals/import/detail.html", _progress_context(_job(request, pk)))


@login_required
@require_GET
def import_job_progress(request, pk):
    """The progress fragment that the detail page polls every second until the job ends."""
    return render(request, "hospitals/import/_progress.html", _progress_context(_job(request, pk)))


REPORT_COLUMNS = [
    (_("Row"), "row"),
    (_("Column"), "column"),
    (_("Message"), render_error),
    (_("The row in the file"), lambda e: e.get("values", "")),
]


@login_required
@require_GET
def import_job_report(request, pk, fmt):
    """The error report of a job as CSV or XLSX (every stored error, in the reader's language)."""
    job = _job(request, pk)
    if fmt not in FORMATS:
        raise Http404
    values = (job.row_values or {}).get("rows", {})
    rows = [{**e, "values": " | ".join(v for v in values.get(str(e["row"]), ()) if v)} for e in job.errors]
    return export_response(rows, REPORT_COLUMNS, fmt, f"import-{job.pk}-errors")


@login_required
@require_GET
def import_job_annotated(request, pk):
    """The uploaded file with an "Errors" column: correct it in Excel and upload it again."""
    job = _job(request, pk)
    content, filename, content_type = report.annotated_file(job)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_job_accept(request, pk):
    """Accept the suggestions (the chosen candidate of each, the clear ones by default) and run again.

    GET shows the job, where the suggestions are.
    """
    job = _job(request, pk)
    if request.method == "GET":
        return import_job_detail(request, pk)
    choices = {key[len("choice:") :]: value for key, value in request.POST.items() if key.startswith("choice:")}
    try:
        again = import_job_accept_suggestions(
            tenant=request.user.tenant_id, by=request.user, job=job, choices=choices or None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("import_job_detail", pk=job.pk)
    return redirect("import_job_detail", pk=again.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_job_decide(request, pk):
    """Run the file again with a decision for its probable matches (update them / create new doctors).

    GET shows the job, where the probable matches are.
    """
    job = _job(request, pk)
    if request.method == "GET":
        return import_job_detail(request, pk)
    policy = request.POST.get("probable_matches")
    if policy not in (ProbableMatchPolicy.UPDATE, ProbableMatchPolicy.CREATE):
        raise Http404
    again = import_job_rerun(
        tenant=request.user.tenant_id, by=request.user, job=job, options={"probable_matches": policy}
    )
    return redirect("import_job_detail", pk=again.pk)


@login_required
@require_GET
def import_template(request, kind, fmt):
    """An empty file with the headers of ``kind`` in the user's language (required ones marked *)."""
    _importer(request)
    if kind not in SPECS or fmt not in FORMATS:
        raise Http404
    columns = [(f"{c.label}*" if c.required else c.label, c.key) for c in SPECS[kind].columns]
    return export_response([], columns, fmt, f"import-template-{kind}")
