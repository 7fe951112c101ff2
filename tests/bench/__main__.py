"""Run the benchmarks: ``python -m tests.bench [--only NAME]`` (``make bench [ONLY=NAME]``).

Each ``tests/bench/bench_<name>.py`` module has ``run(ctx)`` yielding ``(figure, value, unit)``
tuples; every figure is printed as one line ``BENCH <figure> <value> <unit>``. ``--only``
takes module names (``doctor_list``) or figure names (``doctor_list_p95_ms``), comma-separated;
modules of one run share ``ctx.shared`` (the doctor benchmarks generate their data once).

Benchmarks run against their own database (``pharmacrm_bench``, created fresh by the owner
role and migrated, dropped at the end) so they never touch the developer's data, and use the
app role like production. Timings are printed, never asserted: they are not tests.
"""

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback

os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
os.environ.setdefault("TEST_DB_NAME", "pharmacrm_bench")
os.environ.setdefault("TEST_REDIS_DB", "12")


class BenchContext:
    """What a benchmark gets: the database name, a scratch dict shared by all, a stopwatch."""

    def __init__(self):
        from django.conf import settings

        self.db_name = settings.DATABASES["default"]["NAME"]
        self.shared = {}

    @staticmethod
    def now():
        return time.perf_counter()


def _modules():
    import tests.bench as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("bench_"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="benchmark module or figure names, comma-separated")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from crm.db import provision

    owner, app, platform = (settings.DATABASES[a] for a in ("owner", "default", "platform"))
    if provision.reachable(settings.DATABASE_ADMIN) is None:
        provision.ensure_roles(settings.DATABASE_ADMIN, owner, app, platform)
    provision.ensure_database(
        owner,
        app["USER"],
        name=app["NAME"],
        recreate=True,
        admin=settings.DATABASE_ADMIN,
        platform_role=platform["USER"],
    )
    call_command("migrate", database="owner", verbosity=0)
    connections["owner"].close()

    ctx = BenchContext()
    failures = 0
    only = {part.strip() for part in (args.only or "").split(",") if part.strip()}
    try:
        for name in _modules():
            short = name.removeprefix("bench_")
            module = importlib.import_module(f"tests.bench.{name}")
            figures = getattr(module, "FIGURES", ())
            if only and not only & {short, name, *figures}:
                continue
            try:
                for figure, value, unit in module.run(ctx):
                    if only and not only & {short, name} and figure not in only:
                        continue
                    print(f"BENCH {figure} {value} {unit}", flush=True)
            except Exception:
                failures += 1
                print(f"benchmark {short} failed:", file=sys.stderr)
                traceback.print_exc()
    finally:
        for conn in connections.all():
            conn.close()
        if not args.keep_db:
            provision.drop_database(owner, app["NAME"], admin=settings.DATABASE_ADMIN)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
