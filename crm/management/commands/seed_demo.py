"""Load the demo data: two tenants, one login per role in each, and their master data.

Idempotent: a second run finds what the first created and adds nothing. Each app that has
demo data exposes ``<app>.demo.seed(tenant, stdout)``; they run in dependency order.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo
from crm import stats
from crm.tenancy import tenant_context

# Apps seeded per tenant after accounts, in dependency order (later issues append theirs).
APP_SEEDS = [
    "hospitals.demo",
    "segmentation.demo",
    "visits.demo",
    "events.demo",
    "events.fees.demo",
    "complaints.demo",
    "analytics.demo",
]


class Command(BaseCommand):
    help = "Create or complete the demo tenants, users and data (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--logins-only", action="store_true", help="only print the demo logins")

    def handle(self, *args, logins_only=False, **options):
        if logins_only:
            for line in accounts_demo.login_lines():
                self.stdout.write(line)
            return
        with transaction.atomic():
            tenants = accounts_demo.seed(stdout=self.stdout)
            for tenant in tenants:
                with tenant_context(tenant):
                    for module in APP_SEEDS:
                        importlib.import_module(module).seed(tenant=tenant, stdout=self.stdout)
                        # The next app's seed queries these rows: plan it from their real sizes.
                        stats.analyze_so_far()
            # A bulk load: fresh planner statistics before anyone signs in (crm/stats.py).
            stats.analyze_on_commit()
        self.stdout.write(self.style.SUCCESS("demo data ready (logins: manage.py seed_demo --logins-only)"))
