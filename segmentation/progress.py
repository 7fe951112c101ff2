"""Live progress of scoring runs, kept in the cache so any process can read it while a run writes.

The run's own transaction is not visible until it commits, so progress cannot live in its row.
"""

from django.core.cache import cache

TTL = 6 * 3600


def _key(run_id) -> str:
    return f"segmentation:run:{int(run_id)}:progress"


def set(run_id, *, phase: str, done: int, total: int) -> None:  # noqa: A001 - module-level API name
    """Record that ``done`` of ``total`` doctors are through ``phase`` (reading, scoring, writing, done)."""
    cache.set(_key(run_id), {"status": "running", "phase": phase, "done": int(done), "total": int(total)}, TTL)


def get(run_id) -> dict | None:
    """The live progress of a run, or None when nothing is running for it."""
    return cache.get(_key(run_id))


def clear(run_id) -> None:
    cache.delete(_key(run_id))
