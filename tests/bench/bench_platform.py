"""Baseline figures of the platform: a tenant-scoped query round trip through the RLS backend."""

import statistics

FIGURES = ("tenant_query_p95_ms",)


def run(ctx):
    from django.db import connection

    from accounts.models import Tenant, Territory
    from crm.tenancy import tenant_context

    tenant, _ = Tenant.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    with tenant_context(tenant):
        Territory.objects.get_or_create(code="B-R", defaults={"name": "Bench", "level": "region"})
        samples = []
        for _ in range(500):
            start = ctx.now()
            list(Territory.objects.all()[:10])
            samples.append((ctx.now() - start) * 1000)
    connection.close()
    yield "tenant_query_p95_ms", round(statistics.quantiles(samples, n=100)[94], 3), "ms"
