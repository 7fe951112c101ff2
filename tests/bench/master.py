"""What the doctor benchmarks share: two big tenants (generated once per run), their users,
and a stopwatch for in-process API requests.

``BENCH_DOCTORS`` (environment) overrides the size of each tenant, for a quick dry run of the
benchmarks themselves; the figures of record use the default, 1,000,000.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time

DOCTORS = int(os.environ.get("BENCH_DOCTORS", "1000000"))


@dataclasses.dataclass
class BigTenant:
    """A tenant of ``DOCTORS`` doctors with a product manager, a rep and a manager."""

    tenant: object
    data: object  # datagen.MasterData
    product_manager: object
    rep: object
    manager: object
    rep_territories: list[int]
    manager_district: int


def _users(tenant, data):
    from accounts.models import Role, TerritoryAssignment, User
    from crm.tenancy import tenant_context

    def user(role):
        with tenant_context(tenant):  # users are walled by tenant
            return User.objects.create_user(
                username=f"{tenant.code}-{role}", password="bench-pw-123", tenant=tenant, role=role, name=role
            )

    pm, rep, manager = user(Role.PRODUCT_MANAGER), user(Role.REP), user(Role.MANAGER)
    # A rep covers two leaf territories (about 2,000 doctors at the default size); a manager a
    # district (a province: tens of thousands).
    rep_territories = data.territory_ids[len(data.territory_ids) // 3 : len(data.territory_ids) // 3 + 2]
    district = data.district_ids[len(data.district_ids) // 2]
    with tenant_context(tenant):
        for territory in rep_territories:
            TerritoryAssignment.objects.create(tenant=tenant, user=rep, territory_id=territory)
        TerritoryAssignment.objects.create(tenant=tenant, user=manager, territory_id=district)
    return pm, rep, manager, rep_territories, district


def big_tenants(ctx) -> list[BigTenant]:
    """Two tenants of :data:`DOCTORS` doctors each, side by side (made once per benchmark run)."""
    if "big_tenants" in ctx.shared:
        return ctx.shared["big_tenants"]
    from accounts.models import Tenant
    from tests.bench.datagen import bulk_load, generate_master_data

    start = time.perf_counter()
    tenants = []
    with bulk_load():
        for i, code in enumerate(("bench-a", "bench-b")):
            tenant = Tenant.objects.create(code=code, name=f"基准药业{code[-1].upper()}")
            data = generate_master_data(tenant, doctors=DOCTORS, seed=i, analyze=False)
            tenants.append((tenant, data))
    result = [BigTenant(tenant, data, *_users(tenant, data)) for tenant, data in tenants]
    print(
        f"generated 2 tenants x {DOCTORS:,} doctors in {time.perf_counter() - start:.1f} s "
        f"(first tenant: {tenants[0][1].seconds})",
        file=sys.stderr,
        flush=True,
    )
    ctx.shared["big_tenants"] = result
    return result


def client_for(user):
    """A Django test client signed in as ``user`` (session auth, the full middleware stack)."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="accounts.auth.TenantModelBackend")
    return client


def timed_get(client, url: str, samples: list[float]):
    """GET ``url`` in process, append the milliseconds to ``samples``, return the JSON."""
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise AssertionError(f"GET {url}: {response.status_code} {response.content[:300]!r}")
    samples.append(elapsed)
    return response.json()


def p95(samples: list[float]) -> float:
    """The 95th percentile, interpolated between the samples (numpy's default): never above the
    slowest sample (the "exclusive" method extrapolated past it for a handful of samples)."""
    if len(samples) == 1:
        return round(samples[0], 1)
    return round(statistics.quantiles(samples, n=100, method="inclusive")[94], 1)


def summary(label: str, samples: list[float]) -> None:
    """One line on stderr per scenario: count, median, p95, max."""
    print(
        f"  {label:<48} n={len(samples):>4} p50={statistics.median(samples):7.1f} ms "
        f"p95={p95(samples) if len(samples) > 1 else samples[0]:7.1f} ms max={max(samples):7.1f} ms",
        file=sys.stderr,
        flush=True,
    )
