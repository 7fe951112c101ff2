"""Use cases of master-data import: import a file now, and the ImportJob life cycle.

``import_file`` is the whole import, synchronous (the Celery task and the benchmarks call it):

1. read the file into rows (CSV in UTF-8 or GBK, XLSX — refused before expanding when too big);
2. find the header row, set aside totals/notes/footers (reported), parse every cell;
3. resolve references and match existing rows (one query per table) — for every row, also
   those with cell errors, so the report holds every error at once, with suggestions for
   names that match nothing and the probable matches that wait for a decision;
4. only if there is no error and no decision waiting: write everything in ONE transaction,
   set-based (unless ``dry_run``).

Steps 3–4 hold a PostgreSQL advisory lock per tenant, so two imports of one tenant never
interleave (two uploads of the same new doctors would otherwise both insert them).

The job life cycle: :func:`import_job_create` (upload, options chosen up front, an API
client's idempotency key) → the Celery task → :func:`import_job_run` → :func:`_finish` (the
one place where a job ends); then :func:`import_job_accept_suggestions` (teach the master data
the suggested aliases and synonyms, run the file again) or :func:`import_job_rerun` (run it
again with another policy for probable matches).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm import stats
from crm.tenancy import tenant_context
from hospitals import dictionary, profile
from hospitals.imports import engine, kinds
from hospitals.imports.errors import Invalid, RowError
from hospitals.imports.progress import CacheProgress, Progress
from hospitals.imports.reading import EXTENSIONS, read_file
from hospitals.imports.references import Context
from hospitals.models import (
    Hospital,
    ImportJob,
    ImportKind,
    ImportStatus,
    NewDepartmentPolicy,
    ProbableMatchPolicy,
)

logger = logging.getLogger(__name__)

LOCK_CLASS = 7_301  # first key of pg_advisory_lock(class, tenant_id) for imports
MAX_STORED_ERRORS = 50_000
MAX_STORED_NOTES = 1_000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
OPTIONS = {
    "probable_matches": ProbableMatchPolicy.values,
    "new_departments": NewDepartmentPolicy.values,
}


@dataclasses.dataclass
class ImportResult:
    """What an import did: counts, or the errors (and decisions) that made it write nothing."""

    kind: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    notes: list[RowError] = dataclasses.field(default_factory=list)
    suggestions: list[dict] = dataclasses.field(default_factory=list)
    decisions: list[dict] = dataclasses.field(default_factory=list)
    row_values: dict = dataclasses.field(default_factory=dict)  # {"header": [...], "rows": {n: [...]}}
    dry_run: bool = False
    seconds: dict = dataclasses.field(default_factory=dict)  # time per stage: read, parse, resolve, write

    @property
    def committed(self) -> bool:
        return not self.errors and not self.decisions and not self.dry_run

    @property
    def status(self) -> str:
        if self.errors:
            return ImportStatus.FAILED
        if self.decisions:
            return ImportStatus.DECIDE
        return ImportStatus.DONE


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


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while an import holds its millions of cells.

    An import allocates a list per row and a dict per parsed row and frees nearly nothing until
    it ends; each full collection would walk them all (a third of the checking time at 100,000
    rows) to find no cycles. Reference counting still frees what is dropped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clean_options(options: dict | None) -> dict:
    """The import options with valid values only (unknown names or values are a ValidationError)."""
    cleaned = {}
    for name, value in (options or {}).items():
        if value in (None, ""):
            continue
        if name not in OPTIONS or value not in OPTIONS[name]:
            raise ValidationError({name: _("Not a valid choice.")})
        cleaned[name] = value
    return cleaned


def import_file(
    *,
    tenant,
    by,
    kind: str,
    data: bytes,
    filename: str,
    options: dict | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``data`` (the bytes of ``filename``) as ``kind`` for ``tenant``; see the module docstring."""
    tenant_id = int(getattr(tenant, "pk", tenant))
    user_id = getattr(by, "pk", by)
    progress = progress or Progress()
    importer = kinds.KINDS[kind]
    result = ImportResult(kind=kind, dry_run=dry_run)
    clock = [time.perf_counter()]

    def lap(stage):
        now = time.perf_counter()
        result.seconds[stage] = round(now - clock[0], 3)
        clock[0] = now

    with tenant_context(tenant_id), _gc_paused():
        try:
            sheet = read_file(data, filename)
        except Invalid as exc:
            result.errors = [RowError.from_invalid(0, "", exc)]
            return result
        lap("read")
        progress.stage(ImportStatus.VALIDATING, len(sheet.rows))
        parsed = engine.parse(sheet.rows, importer.spec, merges=sheet.merges, on_progress=progress.advance)
        lap("parse")
        result.rows_total, result.notes = len(parsed.rows), parsed.notes
        if parsed.fatal:
            result.errors = _sorted(parsed.errors)
            return result
        ctx = Context(tenant_id, user_id, parsed.headers, [], result.notes, options=clean_options(options))
        with _tenant_import_lock(tenant_id):
            importer.resolve(ctx, parsed.rows)
            ctx.flush_notes()
            result.notes = _sorted(ctx.notes)
            result.errors = _sorted(parsed.errors + ctx.errors)
            result.suggestions = sorted(ctx.suggestions.values(), key=lambda s: (s["rows"][:1], s["value"]))
            result.decisions = ctx.decisions
            lap("resolve")
            if result.errors or result.decisions:
                result.row_values = _row_values(sheet.rows, parsed, result)
                return result
            if dry_run:
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
                # The doctor list's filter choices (hospitals, cities, alignments) start afresh.
                profile.filter_options_changed(tenant_id)
                transaction.on_commit(lambda: profile.filter_options_changed(tenant_id))
            lap("write")
            ctx.flush_notes()
            result.notes = _sorted(ctx.notes)
    result.created, result.updated, result.unchanged = counts.created, counts.updated, counts.unchanged
    return result


def _row_values(rows, parsed, result) -> dict:
    """The original cells of the rows the report speaks of, beside each error (and the header)."""
    wanted = {e.row for e in result.errors} | {d["row"] for d in result.decisions}
    wanted.discard(0)
    cells = {number: values for number, values in rows if number in wanted}
    kept = sorted(cells)[:MAX_STORED_ERRORS]
    return {
        "header_row": parsed.header_number,
        "header": parsed.header_cells,
        "rows": {str(n): cells[n] for n in kept},
    }


# --- ImportJob ---------------------------------------------------------------------------------


def import_job_create(*, tenant, by, kind: str, upload, options: dict | None = None, client_key: str = ""):
    """Store an uploaded file as a pending ImportJob and run it in the background after commit.

    ``options`` (chosen before the import): ``probable_matches`` (ask | update | create) and
    ``new_departments`` (refuse | create). ``client_key``: an API client's idempotency key —
    the same key returns the job it created first (a retried upload imports once). Returns
    ``(job, created)``.
    """
    from hospitals import tasks

    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    options = clean_options(options)
    client_key = (client_key or "").strip()[:100]
    tenant_id = int(getattr(tenant, "pk", tenant))
    if client_key:
        with tenant_context(tenant_id):
            existing = ImportJob.objects.filter(client_key=client_key).first()
        if existing is not None:
            return _same_request(existing, kind), False
    name = upload.name or "upload"
    if "." not in name or name[name.rfind(".") :].lower() not in EXTENSIONS:
        raise ValidationError({"file": _("Upload a CSV or Excel (.xlsx) file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB; split it into several files.")})
    try:
        with tenant_context(tenant_id), transaction.atomic():
            job = ImportJob(
                tenant_id=tenant_id,
                kind=kind,
                options=options,
                client_key=client_key,
                created_by=by,
                original_name=name[-200:],
            )
            job.file.save(name, upload, save=False)
            job.save()
            tasks.import_job_run.delay_on_commit(job_id=job.pk, tenant_id=job.tenant_id)
    except IntegrityError:
        # The same key sent twice at once: the other request created the job.
        with tenant_context(tenant_id):
            return _same_request(ImportJob.objects.get(client_key=client_key), kind), False
    return job, True


class KeyConflict(ValidationError):
    """An idempotency key sent again with another kind of import (the API answers 409)."""


def _same_request(job: ImportJob, kind: str) -> ImportJob:
    if job.kind != kind:
        raise KeyConflict(
            {"client_key": _("This key was already used for another import (of %(kind)s).") % {"kind": job.kind}}
        )
    return job


def import_job_rerun(*, tenant, by, job: ImportJob, options: dict | None = None) -> ImportJob:
    """Run the file of ``job`` again, as a new job (with ``options`` changed), e.g. after a decision."""
    from hospitals import tasks

    merged = {**(job.options or {}), **clean_options(options)}
    tenant_id = int(getattr(tenant, "pk", tenant))
    with tenant_context(tenant_id), transaction.atomic():
        again = ImportJob(
            tenant_id=tenant_id,
            kind=job.kind,
            options=merged,
            created_by=by,
            original_name=job.original_name,
            rerun_of=job,
        )
        again.file.name = job.file.name  # the same stored file
        again.save()
        tasks.import_job_run.delay_on_commit(job_id=again.pk, tenant_id=tenant_id)
    return again


def import_job_accept_suggestions(*, tenant, by, job: ImportJob, choices: dict | None = None) -> ImportJob:
    """Accept the suggestions of ``job`` and run its file again.

    A hospital name that matched nothing becomes an alias of the chosen hospital, a department
    name a synonym of the chosen standard department in the tenant's dictionary. ``choices``
    maps ``"<kind>:<value>"`` to the chosen candidate (an id, a department code, or "" for
    none); without it, every *clear* suggestion is taken (hospitals.imports.suggest).
    """
    tenant_id = int(getattr(tenant, "pk", tenant))
    with tenant_context(tenant_id), transaction.atomic():
        aliases: dict[int, list[str]] = {}
        for suggestion in job.suggestions or ():
            key = f"{suggestion['kind']}:{suggestion['value']}"
            chosen = suggestion.get("accept") if choices is None else choices.get(key)
            if chosen in (None, ""):
                continue
            allowed = {str(c["id"]) for c in suggestion["candidates"]}
            if str(chosen) not in allowed:
                raise ValidationError(_("Choose one of the suggestions."))
            if suggestion["kind"] == "hospital":
                aliases.setdefault(int(chosen), []).append(suggestion["value"])
            elif suggestion["kind"] == "department":
                dictionary.department_synonym_add(tenant=tenant_id, by=by, name=suggestion["value"], code=chosen)
        for hospital_id, names in aliases.items():
            hospital_aliases_add(tenant=tenant_id, by=by, hospital=hospital_id, aliases=names)
    return import_job_rerun(tenant=tenant_id, by=by, job=job)


def hospital_aliases_add(*, tenant, by, hospital, aliases: list[str]) -> Hospital:
    """Add ``aliases`` (abbreviations, former names, campus names) to a hospital, none removed."""
    from hospitals import services

    with transaction.atomic():
        hospital = Hospital.objects.for_tenant(tenant).select_for_update().get(pk=getattr(hospital, "pk", hospital))
        return services.hospital_update(
            tenant=tenant, by=by, hospital=hospital, aliases=[*hospital.aliases, *aliases]
        )


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
                options=job.options,
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
        _finish(job_id, result)
        progress.clear()
        job.refresh_from_db()
        return job


def _finish(job_id: int, result: ImportResult) -> None:
    """The end of every job: its final status, counts and report, in one statement."""
    ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.VALIDATING, ImportStatus.IMPORTING]).update(
        status=result.status,
        rows_total=result.rows_total,
        rows_done=result.rows_total if result.committed else 0,
        created_count=result.created,
        updated_count=result.updated,
        unchanged_count=result.unchanged,
        error_count=len(result.errors),
        errors=[e.as_json() for e in result.errors[:MAX_STORED_ERRORS]],
        notes=[e.as_json() for e in result.notes[:MAX_STORED_NOTES]],
        suggestions=result.suggestions[:MAX_STORED_NOTES],
        decisions=result.decisions[:MAX_STORED_ERRORS],
        row_values=result.row_values,
        finished_at=timezone.now(),
    )
