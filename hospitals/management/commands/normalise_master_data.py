"""``manage.py normalise_master_data [--tenant CODE]``: rewrite records stored before the written-form
rules (hospitals.steward.normalise), every tenant or one."""

from django.core.management.base import BaseCommand

from accounts.models import Tenant
from hospitals.steward.normalise import master_data_normalise


class Command(BaseCommand):
    help = "Rewrite doctors, hospitals and departments stored before normalisation in their one written form."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="the code of one tenant (default: every tenant)")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(code=options["tenant"])
        for tenant in tenants:
            result = master_data_normalise(tenant=tenant)
            self.stdout.write(
                f"{tenant.code}: {result.doctors} doctors, {result.hospitals} hospitals, "
                f"{result.departments} departments rewritten; {result.left} left as they were"
            )
