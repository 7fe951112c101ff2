"""``migrate`` that runs as the owner role (the ``owner`` database alias) by default.

The app role that serves requests cannot create or alter tables; the owner role owns them.
Row-level security is FORCE'd, so it applies to the owner too: a data migration over tenant
rows uses the platform role's connection (``connections["platform"]``, which bypasses RLS) or
enters each tenant with ``tenant_context``. After migrating, the row-level security kernel and
its key are brought up to date (crm/db/rls.py), so a changed key takes effect here.
"""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import connections

from crm.db import rls


class Command(DjangoMigrateCommand):
    help = DjangoMigrateCommand.help + " Runs as the owner role (database alias 'owner') by default."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if not options.get("plan") and not options.get("check_unapplied"):
            with connections[options["database"]].cursor() as cursor:
                rls.ensure_kernel(cursor)
