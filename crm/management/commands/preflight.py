"""Say in one clear line when PostgreSQL or Redis cannot be reached (``make run`` asks first);
when they can, print what each database role may do."""

import sys

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

from crm.db import privileges, provision

HINT = "start it, or run `docker compose up -d db redis`"


class Command(BaseCommand):
    help = "Check that PostgreSQL and Redis answer; exit 1 with one line per missing service."

    def handle(self, *args, **options):
        failures = []
        owner = settings.DATABASES["owner"]
        where = f"{owner.get('HOST') or 'localhost'}:{owner.get('PORT') or 5432}"
        pg_error = provision.reachable(settings.DATABASE_ADMIN)
        if pg_error is not None and provision.reachable(owner) is not None:
            failures.append(f"PostgreSQL is not reachable at {where} ({pg_error}) — {HINT}.")
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            failures.append(f"Redis is not reachable at {settings.CELERY_BROKER_URL} ({exc}) — {HINT}.")
        for line in failures:
            self.stderr.write(line)
        if failures:
            sys.exit(1)
        self.stdout.write("PostgreSQL and Redis are reachable")
        # What the app, platform and owner roles may do (docs/security.md).
        for line in privileges.report(settings.DATABASES):
            self.stdout.write(line)
