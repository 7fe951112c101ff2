"""gunicorn settings for `make run`, Docker and the benchmarks (gunicorn reads this file from the
working directory by itself).

A bounded server: ``WEB_WORKERS`` processes × ``WEB_THREADS`` threads answer at most that many
requests at once; more connections wait in the listen backlog instead of each opening a
database connection. Each thread keeps one database connection for the next request
(``DB_CONN_MAX_AGE``), so the web server never holds more than workers × threads PostgreSQL
connections however many clients connect — Django's runserver opens a thread, and a
connection, per client (README, "Why gunicorn").
"""

import os

bind = f"{os.environ.get('WEB_BIND', '127.0.0.1')}:{os.environ.get('WEB_PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Longer than any request's statements may take (crm/timeouts.py: 5 s each, 30 s for exports);
# a worker stuck beyond it is replaced, and PostgreSQL cancels its query (client check).
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
backlog = 2048
# Recycle workers now and then (memory of long-lived Python processes).
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
reload = os.environ.get("WEB_RELOAD", "") == "1"

# Web connections are recognisable in pg_stat_activity (crm/settings/base.py reads it).
os.environ.setdefault("DB_APPLICATION_NAME", "pharmacrm-web")


def pool_size() -> int:
    """Most PostgreSQL connections the web server may hold (one per thread)."""
    return workers * threads
