"""Use cases of master-data import: import a file now, and the ImportJob life cycle.

``import_file`` is the whole import, synchronous (the Celery task and the benchmark call it):

1. read the file into rows (CSV in UTF-8 or GBK, XLSX);
2. parse every cell of every row, collecting every error;
3. resolve references and match existing rows (one query per table), collecting errors;
4. only if there is no error at all: write everything in ONE transaction, set-based.

Steps 3–4 hold a PostgreSQL advisory lock per tenant, so two imports of one tenant never
interleave (two uploads of the same new doctors would otherwise both insert them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm import stats
from crm.tenancy import tenant_context
from hospitals.imports import engine, kinds
from hospitals.imports.errors import Invalid, RowError
from hospitals.imports.progress import CacheProgress, Progress
from hospitals.imports.reading import EXTENSIONS, read_rows
from hospitals.models import ImportJob, ImportKind, ImportStatus

logger = logging.getLogger(__name__)

LOCK_CLASS = 7_301  # first key of pg_advisory_lock(class, tenant_id) for imports
MAX_STORED_ERRORS = 5_000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclasses.dataclass
class ImportResult:
    """What an import did: counts, or the errors that made it write nothing."""

    kind: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    notes: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def committed(self) -> bool:
        return not self.errors


@contextlib.contextmanager
def _tenant_import_lock(tenant_id: int):
    """Session-level advisory lock held across checking and writing (released even on error)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, tenant_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, tenant_id])


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: e.row)  # stable: columns stay in file order within a row


def import_file(*, tenant, by, kind: str, data: bytes, filename: str, progress: Progress | None = None) -> ImportResult:
    """Import ``data`` (the bytes of ``filename``) as ``kind`` for ``tenant``; see the module docstring."""
    tenant_id = int(getattr(tenant, "pk", tenant))
    user_id = getattr(by, "pk", by)
    progress = progress or Progress()
    importer = kinds.KINDS[kind]
    result = ImportResult(kind=kind)
    with tenant_context(tenant_id):
        try:
            rows = read_rows(data, filename)
        except Invalid as exc:
            result.errors = [RowError.from_invalid(0, "", exc)]
            return result
        progress.stage(ImportStatus.VALIDATING, len(rows))
        parsed = engine.parse(rows, importer.spec, on_progress=progress.advance)
        result.rows_total, result.notes = len(parsed.rows), parsed.notes
        if parsed.errors:
            result.errors = _sorted(parsed.errors)
            return result
        ctx = kinds.Context(tenant_id, user_id, parsed.headers, [], result.notes)
        with _tenant_import_lock(tenant_id):
            importer.resolve(ctx, parsed.rows)
            if ctx.errors:
                result.errors = _sorted(ctx.errors)
                return result
            progress.stage(ImportStatus.IMPORTING, len(parsed.rows))
            ctx.on_written = progress.advance
            with transaction.atomic():
                # The commit need not wait for its WAL to reach disk: the job's final status is
                # committed right after, synchronously, which flushes this commit too (WAL is
                # sequential). A crash in between loses the import and leaves the job unfinished.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                counts = importer.write(ctx, parsed.rows)
                # The job's statistics refresh: every table this import changed substantially is
                # analysed right after the commit, before the job reports done (crm/stats.py).
                stats.analyze_on_commit()
    result.created, result.updated, result.unchanged = counts.created, counts.updated, counts.unchanged
    return result


# --- ImportJob ---------------------------------------------------------------------------------


def import_job_create(*, tenant, by, kind: str, upload) -> ImportJob:
    """Store an uploaded file as a pending ImportJob and run it in the background after commit."""
    from hospitals import tasks

    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    name = upload.name or "upload"
    if "." not in name or name[name.rfind(".") :].lower() not in EXTENSIONS:
        raise ValidationError({"file": _("Upload a CSV or Excel (.xlsx) file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB; split it into several files.")})
    tenant_id = int(getattr(tenant, "pk", tenant))
    with tenant_context(tenant_id), transaction.atomic():
        job = ImportJob(tenant_id=tenant_id, kind=kind, created_by=by, original_name=name[-200:])
        job.file.save(name, upload, save=False)
        job.save()
        tasks.import_job_run.delay_on_commit(job_id=job.pk, tenant_id=job.tenant_id)
    return job


def _claim(job_id: int) -> bool:
    """pending → validating, exactly once; or take over a job whose worker died long ago."""
    now = timezone.now()
    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.VALIDATING, started_at=now
    ):
        return True
    stale = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return bool(
        ImportJob.objects.filter(
            pk=job_id, status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING], started_at__lt=stale
        ).update(status=ImportStatus.VALIDATING, started_at=now)
    )


def import_job_run(*, tenant, job_id: int) -> ImportJob | None:
    """Run a pending job (the Celery task's body). A job already taken or finished is left alone."""
    with tenant_context(tenant):
        if not _claim(job_id):
            return None
        job = ImportJob.objects.get(pk=job_id)

        def on_stage(status, total):
            if status == ImportStatus.IMPORTING:
                ImportJob.objects.filter(pk=job_id, status=ImportStatus.VALIDATING).update(
                    status=ImportStatus.IMPORTING, rows_total=total
                )
            else:
                ImportJob.objects.filter(pk=job_id).update(rows_total=total)

        progress = CacheProgress(job_id, on_stage=on_stage)
        try:
            with job.file.open("rb") as handle:
                data = handle.read()
            result = import_file(
                tenant=tenant,
                by=job.created_by_id,
                kind=job.kind,
                data=data,
                filename=job.original_name,
                progress=progress,
            )
        except Exception:
            logger.exception("import job %s failed", job_id)
            result = ImportResult(
                kind=job.kind,
                errors=[
                    RowError(
                        0,
                        "",
                        gettext_noop(
                            "the import stopped on an unexpected error; nothing was "
                            "imported. Please try again or contact support."
                        ),
                    )
                ],
            )
        ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING]).update(
            status=ImportStatus.DONE if result.committed else ImportStatus.FAILED,
            rows_total=result.rows_total,
            rows_done=result.rows_total if result.committed else 0,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            error_count=len(result.errors),
            errors=[e.as_json() for e in result.errors[:MAX_STORED_ERRORS]],
            notes=[e.as_json() for e in result.notes[:100]],
            finished_at=timezone.now(),
        )
        progress.clear()
        job.refresh_from_db()
        return job
