"""``migrate`` that runs as the owner role (the ``owner`` database alias) by default.

The app role that serves requests cannot create or alter tables; the owner role owns them.
Data migrations touching tenant-owned tables must enter ``crm.tenancy.platform_scope()``:
row-level security is FORCE'd, so it applies to the owner too.
"""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand


class Command(DjangoMigrateCommand):
    help = DjangoMigrateCommand.help + " Runs as the owner role (database alias 'owner') by default."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
