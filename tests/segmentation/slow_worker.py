"""The project's Celery app for the crash test of a scoring run, with the scoring slowed down:
5 rows per COPY and half a second after each reported chunk, so the test can kill the worker in
the middle of writing. Test code only (``celery -A tests.segmentation.slow_worker worker``)."""

import time

from celery.signals import task_prerun

from crm.celery import app  # noqa: F401  (the app celery -A finds here)


@task_prerun.connect
def _slow_down_the_writes(**kwargs):
    # Patched when the first task starts: Django is set up by then.
    from segmentation import progress, scoring

    if getattr(progress.set, "_slowed", False):
        return
    scoring.WRITE_CHUNK = 5
    record = progress.set

    def set_then_pause(run_id, **state):
        record(run_id, **state)
        if state.get("phase") == "writing":
            time.sleep(0.5)

    set_then_pause._slowed = True
    progress.set = set_then_pause
