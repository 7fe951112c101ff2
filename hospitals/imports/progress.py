"""Live progress of a running import, kept in the cache (Redis).

The rows of an import are written inside one database transaction, and a progress figure
written to the ImportJob row inside it would only become visible at commit — when the
progress bar no longer matters. So live progress goes to the cache, which the progress page
reads first; the ImportJob row gets the final figures when the job ends. (A second database
connection would also do, but would hold a connection per running import for nothing.)
"""

from __future__ import annotations

import contextlib
import time

from django.core.cache import cache

TIMEOUT = 24 * 3600
MIN_INTERVAL = 0.5  # seconds between two cache writes while rows are counted


def cache_key(job_id: int) -> str:
    return f"hospitals:import-progress:{job_id}"


def read(job_id: int) -> dict | None:
    """``{"status", "done", "total"}`` of a running job, or None."""
    try:
        return cache.get(cache_key(job_id))
    except Exception:  # the cache is a convenience: the page falls back to the job row
        return None


class Progress:
    """Told the stage and the rows done; this base class ignores both (synchronous imports)."""

    def stage(self, status: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


class CacheProgress(Progress):
    """Progress of one ImportJob, written to the cache at most every ``MIN_INTERVAL`` seconds."""

    def __init__(self, job_id: int, on_stage=None):
        self.job_id = job_id
        self.on_stage = on_stage
        self.status, self.total, self.done = "", 0, 0
        self._written_at = 0.0

    def stage(self, status: str, total: int) -> None:
        self.status, self.total, self.done = status, total, 0
        if self.on_stage:
            self.on_stage(status, total)
        self._write(force=True)

    def advance(self, rows: int) -> None:
        self.done = min(self.total, self.done + rows)
        self._write(force=self.done >= self.total)

    def _write(self, force=False):
        now = time.monotonic()
        if not force and now - self._written_at < MIN_INTERVAL:
            return
        self._written_at = now
        # Never fail an import because the progress bar could not move.
        with contextlib.suppress(Exception):
            cache.set(cache_key(self.job_id), {"status": self.status, "done": self.done, "total": self.total}, TIMEOUT)

    def clear(self):
        with contextlib.suppress(Exception):
            cache.delete(cache_key(self.job_id))
