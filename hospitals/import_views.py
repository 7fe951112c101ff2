"""Browser pages of master-data import: upload, live progress, result and error report, templates.

For tenant administrators and product managers (they own master data). The work is done by
the ImportJob Celery task; these views only store the upload, show the job, and stream files.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.exports import FORMATS, export_response
from crm.permissions import IMPORT_ROLES, has_role
from crm.web import get_or_404, tenant_user
from hospitals.imports import progress
from hospitals.imports.errors import render as render_error
from hospitals.imports.services import MAX_UPLOAD_BYTES, import_job_create
from hospitals.imports.specs import SPECS
from hospitals.models import ImportJob, ImportKind, ImportStatus

SHOWN_ERRORS = 200


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls,.txt,.tsv"}),
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
        try:
            job = import_job_create(
                tenant=user.tenant_id, by=user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
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
    errors = [{**e, "message": render_error(e)} for e in job.errors[:SHOWN_ERRORS]]
    notes = [render_error(n) if not n.get("column") else f"{n['column']}: {render_error(n)}" for n in job.notes]
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
    }


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
]


@login_required
@require_GET
def import_job_report(request, pk, fmt):
    """The error report of a job as CSV or XLSX (every stored error, in the reader's language)."""
    job = _job(request, pk)
    if fmt not in FORMATS:
        raise Http404
    return export_response(job.errors, REPORT_COLUMNS, fmt, f"import-{job.pk}-errors")


@login_required
@require_GET
def import_template(request, kind, fmt):
    """An empty file with the headers of ``kind`` in the user's language (required ones marked *)."""
    _importer(request)
    if kind not in SPECS or fmt not in FORMATS:
        raise Http404
    columns = [(f"{c.label}*" if c.required else c.label, c.key) for c in SPECS[kind].columns]
    return export_response([], columns, fmt, f"import-template-{kind}")
