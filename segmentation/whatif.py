"""What-if: a scorecard version's tiers on a quarter's inputs, compared with a baseline, without
writing anything — and how that computation is run so that it never blocks a request.

* :func:`version_whatif` computes it (pandas, like a scoring run) and reports its progress;
* :func:`whatif_request` is what a page or the API calls: for a tenant of at most
  ``SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS`` doctors (a few thousand: a second or so) it computes
  at once; beyond, it enqueues :func:`whatif_run` in Celery (once per content: version, period,
  baseline, tiers, imported data) and returns the state the caller shows — progress while the
  worker scores, then the result, kept in the cache for ``WHATIF_TTL``;
* :func:`whatif_run` is the Celery task's body.

The pages (segmentation.pages) only present what these return.
"""

from __future__ import annotations

import hashlib
import json
import logging

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from crm.tenancy import tenant_id_of as _tid
from hospitals.models import Doctor, ImportJob
from segmentation import selectors
from segmentation.models import RunStatus, ScorecardVersion, ScoringRun, Tier, period_of, validate_period
from segmentation.services import _same_tenant, version_check

logger = logging.getLogger(__name__)

WHATIF_TTL = 600  # a result stays on offer for 10 minutes (inputs change only with imports and runs)
WHATIF_PENDING_TTL = 600  # a task that never started (no worker) is enqueued again after this
PHASES = ("waiting", "reading", "scoring", "baseline", "comparing")


def version_whatif(*, tenant, by=None, version, period=None, on_progress=None) -> dict:
    """Tier distribution and movement matrix of ``version`` without writing anything.

    Baseline ("current tier"): the active version of the same scorecard scored on the same
    inputs; when there is none (or ``version`` is the active one), the tiers stored for the
    period. Returns ``{"period", "version", "baseline", "total", "unscored", "distribution":
    {tier: {"count", "percent"}}, "baseline_distribution": {...}, "matrix": {current: {new:
    n}}, "up", "down", "same", "new"}``; ``unscored`` counts the doctors that have no tier
    stored for the period yet (e.g. imported since the last scoring run).
    ``on_progress(phase, done, total)`` is told how far it got (:data:`PHASES`).
    """
    from segmentation.dimensions import load_raw_inputs
    from segmentation.scoring import movement_counts, previous_tiers, score_frame, specs_of
    from segmentation.selectors import active_version, latest_period

    report = on_progress or (lambda phase, done, total: None)
    _same_tenant(tenant, version)
    version_check(version)
    tid = _tid(tenant)
    period = period or latest_period(tenant=tenant) or period_of(timezone.localdate())
    validate_period(period)
    product_id = version.scorecard.product_id
    with transaction.atomic():
        expected = _doctors_to_score(tid)
        report("reading", 0, expected)
        dimensions = list(version.dimensions.select_related("imported_dimension"))
        raw = load_raw_inputs(tenant_id=tid, period=period, dimensions=dimensions, product_id=product_id)
        n = len(raw)
        report("scoring", n // 4, n)
        dims, rule = specs_of(version)
        new = score_frame(raw, dims, rule)["tier"]
        report("baseline", n // 2, n)
        stored = previous_tiers(tenant_id=tid, period=period)
        active = active_version(tenant=tenant, scorecard=version.scorecard)
        if active is not None and active.pk != version.pk:
            active_dims = list(active.dimensions.select_related("imported_dimension"))
            active_raw = load_raw_inputs(tenant_id=tid, period=period, dimensions=active_dims, product_id=product_id)
            baseline = score_frame(active_raw, *specs_of(active))["tier"]
            baseline_label = f"v{active.number}"
        else:
            baseline = stored
            baseline_label = period
    report("comparing", 3 * n // 4, n)
    total = len(new)
    tiers = list(Tier.values)

    def distribution(series):
        counts = series.value_counts()
        size = len(series)
        return {
            t: {"count": int(counts.get(t, 0)), "percent": round(100 * counts.get(t, 0) / size, 1) if size else 0.0}
            for t in tiers
        }

    joined = pd.DataFrame({"new": new}).join(pd.DataFrame({"current": baseline}), how="left")
    joined["current"] = joined["current"].fillna("new")
    cross = pd.crosstab(joined["current"], joined["new"])
    matrix = {
        current: {t: int(cross.at[current, t]) if current in cross.index and t in cross.columns else 0 for t in tiers}
        for current in [*tiers, "new"]
    }
    moves = movement_counts(new, baseline)
    return {
        "period": period,
        "version": version.pk,
        "baseline": baseline_label,
        "total": total,
        "unscored": int((~new.index.isin(stored.index)).sum()),
        "distribution": distribution(new),
        "baseline_distribution": distribution(baseline.reindex(new.index).dropna()),
        "matrix": matrix,
        **moves,
    }


def _doctors_to_score(tenant) -> int:
    """About how many doctors a scoring reads: the active doctors of the tenant."""
    return Doctor.objects.for_tenant(tenant).filter(is_active=True).count()


def runs_in_background(*, tenant) -> bool:
    """Whether a what-if of ``tenant`` is computed by a worker (more than a few thousand doctors)."""
    return _doctors_to_score(_tid(tenant)) > settings.SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS


def whatif_key(*, tenant, version, period) -> str:
    """Cache key of a what-if: what its result depends on — the version's content, the baseline
    (active version, the last scoring run), the period and the last import of master data."""
    tid = _tid(tenant)
    dims = sorted((d.key, float(d.weight), d.normalisation) for d in version.dimensions.all())
    rule = [version.tier_rule, *(float(getattr(version, f)) for f in ("cutoff_a", "cutoff_b", "cutoff_c"))]
    rule += [float(getattr(version, f)) for f in ("quota_a", "quota_b", "quota_c")]
    active = selectors.active_version(tenant=tid, scorecard=version.scorecard_id)
    last_run = ScoringRun.objects.for_tenant(tid).filter(status=RunStatus.DONE).aggregate(m=Max("finished_at"))["m"]
    last_import = ImportJob.objects.for_tenant(tid).aggregate(m=Max("finished_at"))["m"]
    parts = [tid, version.pk, dims, rule, period, active.pk if active else None, last_run, last_import]
    return "segmentation:whatif:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def whatif_state(*, key) -> dict | None:
    """What the cache holds for ``key``: ``{"status": "pending"|"running", "phase", "done",
    "total"}``, ``{"status": "done", "result"}``, ``{"status": "failed", "errors"}``, or None."""
    return cache.get(key)


def _compute(*, tenant, version, period, on_progress=None) -> dict:
    try:
        result = version_whatif(tenant=tenant, version=version, period=period, on_progress=on_progress)
    except ValidationError as exc:
        return {"status": "failed", "errors": [str(m) for m in exc.messages]}
    return {"status": "done", "result": result}


def whatif_request(*, tenant, by=None, version, period) -> dict:
    """The what-if of ``version`` for ``period`` as the caller should show it now (see the module
    docstring): computed at once for a small tenant, else the background state — enqueuing the
    computation when nobody has yet. Always has ``status``; ``key`` when it runs in the background."""
    from segmentation.selectors import latest_period

    tid = _tid(tenant)
    _same_tenant(tid, version)
    period = period or latest_period(tenant=tid) or period_of(timezone.localdate())
    validate_period(period)
    if not runs_in_background(tenant=tid):
        return _compute(tenant=tid, version=version, period=period)
    key = whatif_key(tenant=tid, version=version, period=period)
    state = whatif_state(key=key)
    if state is None and cache.add(key, _progress("waiting", 0, _doctors_to_score(tid)), WHATIF_PENDING_TTL):
        from segmentation.tasks import whatif

        whatif.delay_on_commit(tenant_id=tid, version_id=version.pk, period=period, key=key)
        state = whatif_state(key=key)
    return {**(state or _progress("waiting", 0, 0)), "key": key}


def _progress(phase, done, total) -> dict:
    return {"status": "pending" if phase == "waiting" else "running", "phase": phase, "done": done, "total": total}


def whatif_run(*, tenant, version_id, period, key) -> dict:
    """Compute a what-if in the background and keep it under ``key`` (the Celery task's body).

    Writes nothing but the cache, so running it twice is harmless; a version deleted meanwhile
    ends as "failed".
    """
    tid = _tid(tenant)

    def on_progress(phase, done, total):
        cache.set(key, _progress(phase, done, total), WHATIF_TTL)

    version = ScorecardVersion.objects.for_tenant(tid).select_related("scorecard").filter(pk=version_id).first()
    if version is None:
        outcome = {"status": "failed", "errors": [gettext("This version no longer exists.")]}
    else:
        try:
            outcome = _compute(tenant=tid, version=version, period=period, on_progress=on_progress)
        except Exception:
            logger.exception("what-if of version %s failed", version_id)
            cache.delete(key)  # the next request tries again
            raise
    cache.set(key, outcome, WHATIF_TTL)
    return outcome
