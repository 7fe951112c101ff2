"""Row-level security: the database itself keeps tenants apart, whatever the application does.

What each test proves is listed in docs/security.md ("What the tests prove").
"""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.utils import ProgrammingError

from accounts.models import Territory
from crm.db import rls
from crm.db.base import apply_tenant_settings
from crm.db.migrations import POLICY_NAME
from crm.models import TenantModel, has_tenant_field
from crm.tenancy import platform_scope, tenant_context
from tests.factories import WITH_PLATFORM, WITH_PLATFORM_COMMITTED, territory_tree

pytestmark = pytest.mark.django_db

# How pg_policies prints crm.db.rls.POLICY_EXPR back.
SIGNED_POLICY = "(tenant_id = ( SELECT crm_tenant_id() AS crm_tenant_id))"
APP, PLATFORM, OWNER = (settings.DATABASES[a]["USER"] for a in ("default", "platform", "owner"))


def tenant_owned_models():
    """Every concrete model whose rows belong to a tenant (incl. history tables and users)."""
    return [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy and has_tenant_field(m)]


def tenant_tables() -> list[str]:
    """Every table of the database with a tenant_id column, whatever declared it."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'tenant_id' ORDER BY 1"
        )
        return [r[0] for r in cur.fetchall()]


def test_there_are_tenant_owned_models_to_check():
    labels = {m._meta.label for m in tenant_owned_models()}
    assert {"accounts.Territory", "accounts.TerritoryAssignment", "accounts.User", "accounts.ApiToken"} <= labels
    assert {m._meta.db_table for m in tenant_owned_models()} == set(tenant_tables())


# --- the policies ---------------------------------------------------------------------------------


def test_every_table_with_a_tenant_id_has_forced_rls_and_only_the_signed_policy():
    """ENABLE'd and FORCE'd, and the one policy that applies to the app role is the signed one."""
    problems = []
    with connection.cursor() as cur:
        for table in tenant_tables():
            cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
            enabled, forced = cur.fetchone()
            if not (enabled and forced):
                problems.append(f"{table}: add EnableTenantRLS(...) to a migration")
            cur.execute(
                "SELECT policyname, permissive, cmd, qual, with_check, "
                "bool_or(r = 'public' OR pg_has_role(current_user, r, 'MEMBER')) "
                "FROM pg_policies, unnest(roles) AS r WHERE schemaname = 'public' AND tablename = %s "
                "GROUP BY 1, 2, 3, 4, 5",
                [table],
            )
            applying = [row[:5] for row in cur.fetchall() if row[5]]
            if applying != [(POLICY_NAME, "PERMISSIVE", "ALL", SIGNED_POLICY, SIGNED_POLICY)]:
                problems.append(f"{table}: policies for the app role are {applying}")
    assert not problems, "\n".join(problems)


def test_no_policy_opens_on_a_setting_and_the_tenant_function_checks_a_signature():
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, policyname, coalesce(qual, ''), coalesce(with_check, '') FROM pg_policies")
        policies = cur.fetchall()
        cur.execute("SELECT prosrc, prosecdef FROM pg_proc WHERE proname = 'crm_tenant_id'")
        source, definer = cur.fetchone()
    assert policies
    for table, name, qual, check in policies:
        for text in (qual, check):
            assert "current_setting" not in text and "app." not in text, (table, name, text)
    assert not definer and "crm_verify_tenant(public.crm_session_binding()" in source


def test_the_roles_app_platform_owner():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
            "(SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid), "
            "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            " WHERE c.relowner = r.oid AND n.nspname = 'public') "
            "FROM pg_roles r WHERE rolname IN (%s, %s, %s)",
            [APP, PLATFORM, OWNER],
        )
        roles = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == APP
    # app: nothing but LOGIN; member of no role (so no SET ROLE), owner of nothing.
    assert roles[APP] == (False, False, False, False, 0, 0)
    # platform: BYPASSRLS and nothing else, owner of nothing.
    assert roles[PLATFORM] == (False, True, False, False, 0, 0)
    # owner: not a superuser; owns the tables.
    assert roles[OWNER][0] is False and roles[OWNER][5] > 0


KNOWN_FUNCTIONS = {
    # name: SECURITY DEFINER?
    "crm_tenant_id": False,
    "crm_session_binding": False,
    "crm_verify_tenant": True,
    "crm_auth_login": True,
    "crm_auth_token": True,
    "crm_auth_email": True,
    "visits_amendment_allows": False,
    # ANALYZE of the owner's tables in public, nothing else (crm/stats.py, crm/0003_statistics).
    "crm_analyze": True,
}


def test_the_functions_the_app_role_can_call_are_known_and_definers_are_narrow():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.proname, p.prosecdef, pg_get_userbyid(p.proowner), coalesce(p.proconfig, '{}') "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prorettype <> 'trigger'::regtype "
            "AND has_function_privilege(p.oid, 'EXECUTE')"
        )
        functions = {name: (definer, owner, config) for name, definer, owner, config in cur.fetchall()}
    assert {name: f[0] for name, f in functions.items()} == KNOWN_FUNCTIONS, "review a new function for the wall"
    for name, (definer, owner, config) in functions.items():
        if definer:
            assert owner == OWNER and "search_path=pg_catalog, pg_temp" in config, name


# --- the wall, table by table, as the app role ---------------------------------------------------


class Walled:
    """Two demo tenants: ``a`` (users and territories only) and ``b`` (the whole demo data)."""


@pytest.fixture
def walled(db):
    from django.contrib.admin.models import ADDITION, LogEntry

    from accounts import demo as accounts_demo
    from accounts.models import Tenant, User
    from accounts.services import api_token_create
    from crm.management.commands.seed_demo import APP_SEEDS
    from hospitals.models import ImportJob
    from visits.models import ContentItem, PendingFollowUp, Visit, VisitAmendment, VisitPlan, VisitPlanContent

    accounts_demo.seed()
    world = Walled()
    world.a, world.b = Tenant.objects.get(code="huakang"), Tenant.objects.get(code="ruining")
    with tenant_context(world.b):
        for module in APP_SEEDS:
            importlib.import_module(module).seed(tenant=world.b)
        # Tables the demo leaves empty.
        user = User.objects.get(username="rn_admin")
        world.b_username = user.username
        ImportJob.objects.create(
            kind=ImportJob._meta.get_field("kind").choices[0][0], file="x.csv", original_name="x.csv", created_by=user
        )
        visit = Visit.objects.order_by("pk").first()
        VisitAmendment.objects.create(visit=visit, by=user, reason="wall test")
        PendingFollowUp.objects.create(visit=visit)
        VisitPlanContent.objects.create(plan=VisitPlan.objects.first(), content_item=ContentItem.objects.first())
        api_token_create(tenant=world.b, by=user, user=user)
        from django.utils import timezone as _tz

        from analytics.rollup import kpi_rollup_refresh, month_of

        # The KPI rollup fills after commits and nightly; one month of it here.
        kpi_rollup_refresh(tenant=world.b, months=[month_of(_tz.localdate())])
        from hospitals.dictionary import department_dictionary_ensure
        from hospitals.models import Doctor, DuplicateCandidate
        from hospitals.steward.merge import doctor_merge

        department_dictionary_ensure(tenant=world.b)
        from hospitals.models import AcademicLevelRule

        AcademicLevelRule.objects.create(level="city", clinical_titles=["chief"], note="wall test")
        first, second, third = Doctor.objects.order_by("pk")[:3]
        DuplicateCandidate.objects.create(doctor_a=first, doctor_b=second, reasons=["phone"], score=60)
        doctor_merge(tenant=world.b, by=user, survivor=first, merged=third)
        LogEntry.objects.log_actions(user.pk, [user], ADDITION, single_object=True)
        from crm.models import WorkdayOverride

        WorkdayOverride.objects.create(date=datetime.date(2027, 1, 4), is_workday=False, note="wall test")
    return world


def _count(cur, sql, params=()):
    cur.execute(sql, params)
    return cur.fetchone()[0]


def _attempt(raw, statements):
    """Run ``statements`` (SQL strings) in a savepoint that is always rolled back.

    Returns the last statement's rows, or the error that stopped them.
    """
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT wall")
        try:
            for sql in statements:
                cur.execute(sql)
            result = cur.fetchall() if cur.description else cur.rowcount
        except Exception as exc:  # noqa: BLE001 - the error *is* the result
            result = exc
        cur.execute("ROLLBACK TO SAVEPOINT wall")
    return result


def _escapes(a, b, foreign_sig, forged_sig):
    """Everything the app role might try to become another tenant, as SQL prefixes."""
    escapes = {
        "set app.tenant_id (own signature kept)": [f"SELECT set_config('app.tenant_id', '{b}', true)"],
        "set app.tenant_id for the session": [f"SELECT set_config('app.tenant_id', '{b}', false)"],
        "a signature made for another session": [
            f"SELECT set_config('app.tenant_id', '{b}', true), set_config('app.tenant_sig', '{foreign_sig}', true)"
        ],
        "a signature made with another key": [
            f"SELECT set_config('app.tenant_id', '{b}', true), set_config('app.tenant_sig', '{forged_sig}', true)"
        ],
        "app.platform = on (the old escape)": ["SELECT set_config('app.platform', 'on', true)"],
        "row_security = off": ["SET LOCAL row_security = off"],
        "SET ROLE platform": [f"SET LOCAL ROLE {PLATFORM}"],
        "SET ROLE owner": [f"SET LOCAL ROLE {OWNER}"],
        "SET ROLE postgres": ["SET LOCAL ROLE postgres"],
        "set_config('role')": [f"SELECT set_config('role', '{PLATFORM}', true)"],
        "SET SESSION AUTHORIZATION": [f"SET SESSION AUTHORIZATION {PLATFORM}"],
        "shadow crm_tenant_id() in pg_temp": [
            f"CREATE FUNCTION pg_temp.crm_tenant_id() RETURNS bigint LANGUAGE sql AS 'SELECT {b}::bigint'",
            "SET LOCAL search_path = pg_temp, public",
        ],
    }
    for name in ("app.tenant", "app.bypass", "crm.tenant_id", "app.visit_amendment", "app.tenant_sig"):
        escapes[f"set {name}"] = [f"SELECT set_config('{name}', '{b}', true)"]
    return escapes


@WITH_PLATFORM
def test_the_wall_holds_on_every_tenant_table_against_raw_sql_as_the_app_role(walled):
    a, b = walled.a.pk, walled.b.pk
    tables = tenant_tables()
    raw = connection.connection

    # Positive control: in b's own signed transaction every tenant table has rows of b.
    with tenant_context(b):
        apply_tenant_settings(connection)
        with raw.cursor() as cur:
            own = {t: _count(cur, f"SELECT count(*) FROM {t} WHERE tenant_id = %s", [b]) for t in tables}  # noqa: S608
    empty = sorted(t for t, n in own.items() if n == 0)
    assert not empty, f"give tenant b rows in these tables (demo seed or the walled fixture): {empty}"

    # A second app-role session signs for b: its signature must be worthless on this session.
    other = connections.create_connection("default")
    try:
        with tenant_context(b):
            other.ensure_connection()
            foreign_sig = other.tenant_signature(b)
    finally:
        other.close()
    forged_sig = rls.sign(connection._rls_binding or "x", b, key=b"a guessed key")

    problems = []
    with tenant_context(a):
        apply_tenant_settings(connection)
        escapes = _escapes(a, b, foreign_sig, forged_sig)
        for t in tables:
            foreign = f"SELECT count(*) FROM {t} WHERE tenant_id = {b}"  # noqa: S608
            checks = {
                "read": _attempt(raw, [foreign]),
                "read all": _attempt(raw, [f"SELECT count(*) FROM {t} WHERE tenant_id IS DISTINCT FROM {a}"]),  # noqa: S608
                "update": _attempt(raw, [f"UPDATE {t} SET tenant_id = tenant_id WHERE tenant_id = {b}"]),  # noqa: S608
                "delete": _attempt(raw, [f"DELETE FROM {t} WHERE tenant_id = {b}"]),  # noqa: S608
            }
            for name, result in checks.items():
                if isinstance(result, Exception) or result not in ([(0,)], 0):
                    problems.append(f"{t}: {name} gave {result!r}")
            moved = _attempt(raw, [f"UPDATE {t} SET tenant_id = {b} WHERE tenant_id = {a}"])  # noqa: S608
            if not (moved == 0 or "violates row-level security policy" in str(moved)):
                problems.append(f"{t}: moving a's rows to b gave {moved!r}")
            inserted = _attempt(raw, [f"INSERT INTO {t} (tenant_id) VALUES ({b})"])  # noqa: S608
            if "violates row-level security policy" not in str(inserted):
                problems.append(f"{t}: insert for b gave {inserted!r}")
            for name, prefix in escapes.items():
                result = _attempt(raw, [*prefix, foreign])
                if not (isinstance(result, Exception) or result == [(0,)]):
                    problems.append(f"{t}: escape '{name}' read {result!r}")
        # Positive control of the harness: the same reads in a's own context find a's rows.
        assert _attempt(raw, [f"SELECT count(*) FROM accounts_user WHERE tenant_id = {a}"]) != [(0,)]
    assert not problems, f"{len(problems)} holes in the wall:\n" + "\n".join(problems[:50])
    print(f"\nwall: {len(tables)} tenant tables x {len(checks) + 2 + len(escapes)} attempts as the app role, 0 holes")


@WITH_PLATFORM
def test_users_tokens_sessions_and_admin_log_are_walled_and_lookups_are_narrow(walled):
    a, b = walled.a.pk, walled.b.pk
    raw = connection.connection
    with tenant_context(a):
        apply_tenant_settings(connection)
        for sql in (
            f"SELECT count(*) FROM accounts_user WHERE tenant_id = {b} OR tenant_id IS NULL",
            f"SELECT count(*) FROM accounts_apitoken WHERE tenant_id = {b}",
            "SELECT count(*) FROM django_session",
            "SELECT count(*) FROM axes_accessattempt",
            "SELECT count(*) FROM axes_accesslog",
            f"SELECT count(*) FROM django_admin_log WHERE user_id IN (SELECT id FROM accounts_user "
            f"WHERE tenant_id = {b})",
            "SELECT count(*) FROM django_admin_log",
            "SELECT count(*) FROM accounts_user_groups",
        ):
            assert _attempt(raw, [sql]) == [(0,)], sql
        # Sessions and failed sign-ins no longer go to the database: their tables are closed.
        for table in ("django_session", "axes_accessattempt"):
            columns = "session_key, session_data, expire_date" if table == "django_session" else "attempt_time"
            values = "'k', 'd', now()" if table == "django_session" else "now()"
            assert "row-level security" in str(_attempt(raw, [f"INSERT INTO {table} ({columns}) VALUES ({values})"]))
        # The pre-tenant lookups answer an id and a tenant for one exact key, nothing more.
        login = _attempt(raw, [f"SELECT * FROM public.crm_auth_login('{walled.b_username}')"])
        assert len(login) == 1 and len(login[0]) == 2 and login[0][1] == b
        for call in (
            "crm_auth_login('%')",
            "crm_auth_login('')",
            "crm_auth_email('%')",
            "crm_auth_email('')",
            "crm_auth_token('')",
            "crm_auth_token('%')",
        ):
            assert _attempt(raw, [f"SELECT * FROM public.{call}"]) == [], call
        assert _attempt(raw, ["SELECT public.crm_tenant_id()"]) == [(a,)]
        assert _attempt(
            raw,
            [f"SELECT public.crm_verify_tenant(public.crm_session_binding(), {b}, current_setting('app.tenant_sig'))"],
        ) == [(False,)]
        # The key is out of the app role's reach.
        assert "permission denied" in str(_attempt(raw, ["SELECT * FROM crm_private.rls_key"]))
    # With no tenant at all, the app role sees no user, no token.
    apply_tenant_settings(connection)
    assert _attempt(raw, ["SELECT count(*) FROM accounts_user"]) == [(0,)]
    assert _attempt(raw, ["SELECT count(*) FROM accounts_apitoken"]) == [(0,)]


def test_raw_sql_under_tenant_a_sees_no_row_of_tenant_b(tenant, other_tenant):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("SELECT DISTINCT tenant_id FROM accounts_territory")
        assert [r[0] for r in cur.fetchall()] == [tenant.pk]
        # Even asking for the other tenant by id finds nothing.
        cur.execute("SELECT count(*) FROM accounts_territory WHERE tenant_id = %s", [other_tenant.pk])
        assert cur.fetchone()[0] == 0


@WITH_PLATFORM_COMMITTED
def test_raw_sql_without_tenant_sees_nothing_and_the_platform_role_sees_all(tenant, other_tenant):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_territory")
        assert cur.fetchone()[0] == 0
    # platform_scope() changes nothing on the app role's connection...
    with platform_scope(), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_territory")
        assert cur.fetchone()[0] == 0
    # ...it routes the ORM to the platform role, which bypasses RLS.
    with platform_scope():
        assert Territory.objects.count() == 8
        assert Territory.objects.db == "platform"
    with connections["platform"].cursor() as cur:
        cur.execute("SELECT current_user, count(*) FROM accounts_territory GROUP BY 1")
        assert cur.fetchone() == (PLATFORM, 8)


def test_raw_insert_for_another_tenant_is_refused_by_the_policy(tenant, other_tenant):
    insert = "INSERT INTO accounts_territory (tenant_id, name, code, level) VALUES (%s, 'x', %s, 'region')"
    # The same statement for the tenant in context is accepted (the policy, not the SQL, refuses).
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, [tenant.pk, "OWN"])
        assert cur.rowcount == 1
    refused = pytest.raises(ProgrammingError, match="row-level security")
    with tenant_context(tenant), refused, transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, [other_tenant.pk, "FOREIGN"])


def test_raw_update_cannot_reach_another_tenants_rows(tenant, other_tenant):
    own = territory_tree(tenant, "A")
    _, _, _, foreign = territory_tree(other_tenant, "B")
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("UPDATE accounts_territory SET name = 'hijacked'")
        # The statement did run: every row of the tenant in context changed, and only those.
        assert cur.rowcount == len(own)
    with tenant_context(tenant):
        assert set(Territory.objects.values_list("name", flat=True)) == {"hijacked"}
    with tenant_context(other_tenant):
        foreign.refresh_from_db()
    assert foreign.name != "hijacked"


@pytest.mark.django_db(transaction=True)
def test_tenant_setting_does_not_outlive_its_transaction(tenant):
    territory_tree(tenant, "A")
    with tenant_context(tenant), transaction.atomic():
        assert Territory.objects.count() == 4
    # A pooled connection handed to the next request: the setting is gone with the transaction.
    raw = connection.connection.cursor()
    raw.execute("SELECT current_setting('app.tenant_id', true), count(*) FROM accounts_territory")
    setting, count = raw.fetchone()
    assert setting in ("", None)
    assert count == 0


def test_a_signature_is_bound_to_its_session_and_tenant(tenant, other_tenant):
    territory_tree(other_tenant, "B")
    with tenant_context(tenant):
        apply_tenant_settings(connection)
        with connection.connection.cursor() as cur:
            cur.execute("SELECT public.crm_session_binding()")
            binding = cur.fetchone()[0]
    assert re.fullmatch(r"\d+:\d+", binding)
    good = rls.sign(binding, other_tenant.pk)
    assert good == connection.tenant_signature(other_tenant.pk)
    with connection.connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.tenant_sig', %s, true)",
            [str(other_tenant.pk), good],
        )
        cur.execute("SELECT count(*) FROM accounts_territory")
        assert cur.fetchone()[0] == 4  # positive control: the right signature opens its tenant
        pid, start = binding.split(":")
        cur.execute(
            "SELECT public.crm_verify_tenant(%s, %s, %s), public.crm_verify_tenant(%s, %s, %s)",
            [f"{pid}:{int(start) + 1}", other_tenant.pk, good, binding, tenant.pk, good],
        )
        assert cur.fetchone() == (False, False)


@pytest.mark.parametrize(
    "model", [m for m in tenant_owned_models() if issubclass(m, TenantModel)], ids=lambda m: m._meta.label
)
def test_indexes_and_unique_constraints_lead_with_tenant(model):
    for index in model._meta.indexes:
        # An expression index: its first expression must be the plain tenant column.
        first = index.fields[0] if index.fields else getattr(index.expressions[0], "name", None)
        assert first in ("tenant", "tenant_id"), f"{model._meta.label} index {index.name} must start with tenant"
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if fields:
            assert fields[0] == "tenant", f"{model._meta.label} constraint {constraint.name} must start with tenant"
    for field in model._meta.concrete_fields:
        assert not (field.unique and not field.primary_key), f"{model._meta.label}.{field.name}: unique per tenant"


def test_no_auto_created_many_to_many_table_escapes_the_tenant():
    user_model = apps.get_model("accounts", "User")
    for model in tenant_owned_models():
        if model is user_model:
            continue  # its group and permission links are walled with the users (user_isolation)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            assert has_tenant_field(through), f"{model._meta.label}.{field.name}: use a TenantModel `through`"
