"""crm.stats: every bulk job refreshes the planner statistics of the tables it changed.

A test runs in one transaction, so "after the commit" is played with
``django_capture_on_commit_callbacks(execute=True)``; ANALYZE inside that transaction counts
the transaction's own rows, and ``pg_class.reltuples`` (which ANALYZE sets) shows it ran.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import Territory, TerritoryLevel
from crm import stats
from crm.tenancy import tenant_context


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def _territories(tenant, n, prefix="T"):
    with tenant_context(tenant):
        Territory.objects.bulk_create(
            Territory(tenant=tenant, name=f"{prefix}{i}", code=f"{prefix}{i}", level=TerritoryLevel.REGION)
            for i in range(n)
        )


@pytest.mark.parametrize(
    ("changed", "believed", "substantial"),
    [
        (1, -1, True),  # never analysed: any change
        (0, -1, False),
        (49, 0, False),  # a handful of rows in an empty table: not yet
        (50, 0, True),
        (100, 1_000, True),  # 50 + 5 % of 1,000 = 100
        (99, 1_000, False),
        (30_000, 3_300, True),  # the import
        (10_000, 1_000_000, False),  # a small change to a big table
        (50_050, 1_000_000, True),
    ],
)
def test_what_counts_as_substantial(changed, believed, substantial):
    assert stats.is_substantial(changed, believed) is substantial


def test_a_bulk_write_analyses_what_it_changed_after_the_commit(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _territories(tenant, 300)
        changed = stats.analyze_on_commit()
        assert changed["accounts_territory"] >= 300
        assert reltuples("accounts_territory") != 300  # nothing analysed before the commit
    assert len(callbacks) == 1
    assert reltuples("accounts_territory") == 300

    # A few more rows are not "substantial" for 300: the statistics are left alone.
    _territories(tenant, 5, prefix="X")
    assert stats.analyze_changed({"accounts_territory": 5}) == []
    assert reltuples("accounts_territory") == 300
    assert stats.analyze_changed({"accounts_territory": 200}) == ["accounts_territory"]
    assert reltuples("accounts_territory") == 305


def test_many_bulk_services_in_one_transaction_refresh_once_after_the_commit(
    tenant, django_capture_on_commit_callbacks
):
    # The demo seed calls many services that each end with analyze_on_commit: one refresh, of
    # everything the transaction wrote (not one full re-analysis per call).
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _territories(tenant, 300)
        stats.analyze_on_commit()
        _territories(tenant, 200, prefix="Y")
        second = stats.analyze_on_commit()
        assert second["accounts_territory"] >= 500
    assert len(callbacks) == 1
    assert reltuples("accounts_territory") == 500
    # The next transaction registers its own refresh.
    with django_capture_on_commit_callbacks(execute=True) as again, transaction.atomic():
        _territories(tenant, 600, prefix="Z")
        stats.analyze_on_commit()
    assert len(again) == 1
    assert reltuples("accounts_territory") == 1100


def test_a_long_bulk_transaction_can_refresh_what_it_wrote_so_far(tenant):
    # Given statistics taken before the rows arrived (as an earlier job leaves them),
    stats.analyze("accounts_territory")
    before = reltuples("accounts_territory")
    with transaction.atomic():
        _territories(tenant, 400)
        assert reltuples("accounts_territory") == before
        # when the transaction refreshes mid-way, the planner counts its own uncommitted rows.
        assert stats.analyze_so_far() == ["accounts_territory"]
        assert reltuples("accounts_territory") == max(before, 0) + 400


def test_the_app_role_analyses_only_through_the_owner_function(tenant):
    _territories(tenant, 120)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == connection.settings_dict["USER"]
        cursor.execute("ANALYZE accounts_territory")  # the app role is not the owner: skipped
    assert reltuples("accounts_territory") != 120
    assert stats.analyze("accounts_territory", "pg_class", "no_such_table") == ["accounts_territory"]
    assert reltuples("accounts_territory") == 120


def test_preflight_warns_in_one_line_exactly_when_autovacuum_is_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    out, err = io.StringIO(), io.StringIO()
    call_command("preflight", stdout=out, stderr=err)
    warnings = [line for line in err.getvalue().splitlines() if "autovacuum" in line]
    assert "reachable" in out.getvalue()
    assert len(warnings) == (1 if autovacuum == "off" else 0)
    assert stats.autovacuum_enabled() is (autovacuum == "on")


def test_the_periodic_safety_net_runs(db):
    from crm.tasks import analyze_stale

    assert isinstance(analyze_stale(), list)


def _refreshes(callbacks) -> int:
    return sum(1 for c in callbacks if c.__qualname__.startswith("analyze_on_commit"))


def test_every_import_kind_refreshes_statistics(tenant, tenant_admin, django_capture_on_commit_callbacks):
    from hospitals.imports.services import import_file
    from tests.hospitals_import.files import csv_bytes

    rows = [["医院名称", "医院等级", "省份", "城市"]] + [[f"统计医院{i}", "三甲", "上海", "上海市"] for i in range(60)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = import_file(tenant=tenant, by=tenant_admin, kind="hospitals", data=csv_bytes(rows), filename="h.csv")
    assert result.committed and result.created == 60
    assert _refreshes(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as refused:
        bad = import_file(tenant=tenant, by=tenant_admin, kind="hospitals", data=csv_bytes(rows[:1]), filename="h.csv")
    assert not bad.committed and _refreshes(refused) == 0  # nothing written, nothing to analyse


def test_a_scoring_run_refreshes_statistics(tenant, django_capture_on_commit_callbacks):
    from segmentation import services
    from segmentation.models import ScoringRun
    from tests.segmentation.factories import make_doctors, make_version

    make_doctors(tenant, 10)
    version = make_version(tenant)
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, tenant_context(tenant):
        services.tier_rescore(tenant=tenant, period="2026Q1", run_id=run.pk)
    assert _refreshes(callbacks) == 1


def test_cycle_plan_generation_refreshes_statistics(tenant, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from tests.visits.factories import field_team
    from visits import services

    team = field_team(tenant, doctors=3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, tenant_context(tenant):
        services.cycle_plan_generate(tenant=tenant, rep=team.rep, month=timezone.localdate())
    assert _refreshes(callbacks) == 1
