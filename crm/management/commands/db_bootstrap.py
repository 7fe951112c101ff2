"""Create the database roles and the database if they are missing (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.db import provision


class Command(BaseCommand):
    help = (
        "Create the owner, app and platform roles (as the PostgreSQL superuser of DATABASE_ADMIN_URL) and "
        "the database owned by the owner role, with the other roles' grants and the row-level security "
        "kernel. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", help="database name (default: the one of DATABASE_OWNER_URL)")
        parser.add_argument("--recreate", action="store_true", help="drop the database first")

    def handle(self, *args, name=None, recreate=False, **options):
        owner, app, platform = (settings.DATABASES[a] for a in ("owner", "default", "platform"))
        admin = settings.DATABASE_ADMIN
        if provision.reachable(admin) is None:
            provision.ensure_roles(admin, owner, app, platform)
            self.stdout.write(
                f"roles {owner['USER']} (owner), {app['USER']} (app) and {platform['USER']} (platform) are in place"
            )
        else:
            self.stdout.write("no PostgreSQL superuser at DATABASE_ADMIN_URL: assuming the roles exist")
        error = provision.reachable(owner)
        if error is not None:
            raise CommandError(f"cannot connect as the owner role {owner['USER']}: {error}")
        provision.ensure_database(owner, app["USER"], name=name, recreate=recreate, platform_role=platform["USER"])
        self.stdout.write(f"database {name or owner['NAME']} is ready")
