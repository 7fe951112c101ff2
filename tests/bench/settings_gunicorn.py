"""Settings of the gunicorn server the visit benchmarks start: the test settings (benchmark
database and Redis) with persistent database connections, as production runs."""

from crm.settings.test import *  # noqa: F403
from crm.settings.test import DATABASES

for _alias in ("default", "platform", "owner"):
    DATABASES[_alias]["CONN_MAX_AGE"] = 60
