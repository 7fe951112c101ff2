"""Analytics tests see the KPI rollup refreshed by the same receivers as production, at once.

The receivers (analytics.rollup) enqueue a Celery task when the writing transaction commits;
a test runs inside one transaction that never commits, so here the commit hook runs at once and
the task runs in process (``.apply``). tests/analytics/test_rollup.py checks the real path: the
task enqueued on commit and nothing on rollback.
"""

import pytest

from tests.analytics.helpers import rollup_inline


@pytest.fixture
def rollup_on_commit():
    """Ask for this fixture to keep the production path: the task is enqueued on commit."""


@pytest.fixture(autouse=True)
def _kpi_rollup_inline(request, monkeypatch):
    if "rollup_on_commit" not in request.fixturenames:
        rollup_inline(monkeypatch)
