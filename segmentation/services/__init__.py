"""Writes of segmentation, a package split by sub-domain: scorecards and versions
(``scorecards``), imported dimension values (``dimensions``), scoring runs and the schedule
(``runs``), overrides and tier settings (``tiers``), adoption (``adoption``); the what-if is in
segmentation.whatif; account plans and the network in segmentation.kol.services. One function
per use case, keyword-only, ``tenant`` first, the acting user ``by``; validated; Django
``ValidationError`` / ``PermissionDenied`` on refusal.

Scoring runs (:func:`tier_rescore`) are idempotent and crash-safe:

* the run row is claimed in its own short transaction (status guard: a finished run is a no-op),
  so its "running" state and live progress (cache) are visible while it works;
* everything else — reading inputs, scoring, writing every assignment, freezing the version and
  recording the outcome — happens in ONE transaction under a PostgreSQL advisory lock per tenant
  and period. A worker killed in the middle leaves nothing behind; running the same run again
  gives exactly the result of an uninterrupted run, and a run of the same period and version
  that finds the same inputs changes no row.

Tiers of record (issue 15): the first result of a period becomes its record (TierAssignment,
what plans, reports and fees read) as it is written. A later run of that period never touches
the record: when its result differs, it is kept as a *draft* (TierResult rows) to compare and
publish explicitly with a reason (:func:`run_publish`); the record it replaces is copied into
TierResult under its own run first, so history is kept. Doctors added since the record are
"unscored" until :func:`tier_score_new_doctors` scores them against the record's cut-offs.
"""

from __future__ import annotations

from segmentation.services._shared import (
    _require,
    _same_tenant,
)
from segmentation.services.adoption import (
    adoption_delete,
    adoption_set,
)
from segmentation.services.dimensions import (
    DOCTOR_HEADERS,
    EXTERNAL_HEADERS,
    VALUE_HEADERS,
    ValuesImport,
    imported_dimension_create,
    imported_dimension_delete,
    imported_dimension_update,
    imported_values_import,
)
from segmentation.services.runs import (
    default_period,
    record_run,
    run_publish,
    run_start,
    segmentation_settings_update,
    tier_rescore,
    tier_score_new_doctors,
)
from segmentation.services.scorecards import (
    SCORECARD_FIELDS,
    VERSION_FIELDS,
    scorecard_create,
    scorecard_delete,
    scorecard_update,
    version_activate,
    version_check,
    version_create,
    version_delete,
    version_retire,
    version_update,
)
from segmentation.services.tiers import (
    tier_override_revoke,
    tier_override_set,
    tier_setting_reset,
    tier_setting_set,
)

__all__ = [
    "DOCTOR_HEADERS",
    "EXTERNAL_HEADERS",
    "SCORECARD_FIELDS",
    "VALUE_HEADERS",
    "VERSION_FIELDS",
    "ValuesImport",
    "_require",
    "_same_tenant",
    "adoption_delete",
    "adoption_set",
    "default_period",
    "imported_dimension_create",
    "imported_dimension_delete",
    "imported_dimension_update",
    "imported_values_import",
    "record_run",
    "run_publish",
    "run_start",
    "scorecard_create",
    "scorecard_delete",
    "scorecard_update",
    "segmentation_settings_update",
    "tier_override_revoke",
    "tier_override_set",
    "tier_rescore",
    "tier_score_new_doctors",
    "tier_setting_reset",
    "tier_setting_set",
    "version_activate",
    "version_check",
    "version_create",
    "version_delete",
    "version_retire",
    "version_update",
]
