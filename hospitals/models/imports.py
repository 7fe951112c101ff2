"""The import job: one uploaded master-data file, its options, progress and report."""

import os
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel


class ImportKind(models.TextChoices):
    """What a master-data import file holds (column specs: hospitals/imports/specs.py)."""

    HOSPITALS = "hospitals", _("Hospitals")
    DEPARTMENTS = "departments", _("Departments")
    DOCTORS = "doctors", _("Doctors")
    SOCIETY_POSITIONS = "society_positions", _("Society positions")
    RELATIONS = "relations", _("Doctor relations")
    DISTRIBUTORS = "distributors", _("Distributors")
    COVERAGE = "coverage", _("Distributor coverage")
    USAGE = "usage", _("Usage share")
    SALES = "sales", _("Sales")
    SHIPMENTS = "shipments", _("Shipments (flow, 流向)")
    ALIASES = "aliases", _("Hospital aliases")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    DECIDE = "decide", _("Waiting for your decision")


class ProbableMatchPolicy(models.TextChoices):
    """What a doctors import does with a row that probably is a stored doctor (same hospital,
    department and name) but not by external id — the row's is new and the doctor has none, or
    the row has none and the doctor has one: chosen before the import."""

    ASK = "ask", _("List them for my decision; import nothing yet")
    UPDATE = "update", _("Update the matched doctor (it takes the external id)")
    CREATE = "create", _("Create a new doctor")


class NewDepartmentPolicy(models.TextChoices):
    """What a doctors import does with a department the hospital lacks and the dictionary does not know."""

    REFUSE = "refuse", _("Report it as an error, with suggestions")
    CREATE = "create", _("Create the department")


def import_upload_to(job, filename):
    """imports/<tenant id>/<date>-<random>.<ext>: the user's file name is kept on the job, not on disk."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"imports/{job.tenant_id}/{timezone.now():%Y%m%d}-{uuid.uuid4().hex}{ext}"


class ImportJob(TenantModel):
    """One uploaded master-data file and its import: status, progress, counts and the error report.

    Rows are all checked first; when any row has an error nothing is written and ``errors``
    lists them (row, column, message id and parameters, rendered in the reader's language);
    ``notes`` says what else the reader should know (columns ignored, departments created).
    Live progress while the job runs is kept in the cache (hospitals.imports.progress), the
    row holds the final figures.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    options = models.JSONField(_("options"), default=dict, blank=True)
    client_key = models.CharField(
        _("client key"),
        max_length=100,
        blank=True,
        help_text=_("Idempotency key given by an API client: the same key returns the same job."),
    )
    rerun_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("re-run of"),
    )
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    # Unknown hospitals and departments with their likely matches (hospitals.imports.suggest),
    # probable matches waiting for a decision, and the original cells of the rows in error.
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    decisions = models.JSONField(_("decisions"), default=list, blank=True)
    row_values = models.JSONField(_("original values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="importjob_tenant_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "client_key"], condition=~Q(client_key=""), name="importjob_tenant_key_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.DECIDE)

    def option(self, name: str) -> str:
        """An option chosen for this import, or its default."""
        defaults = {"probable_matches": ProbableMatchPolicy.ASK, "new_departments": NewDepartmentPolicy.REFUSE}
        return (self.options or {}).get(name) or defaults[name]
