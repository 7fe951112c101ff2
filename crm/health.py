"""Health of the parts the application needs: database, Redis, a Celery worker."""

import redis
from django.conf import settings
from django.db import connection


def check_database() -> str:
    """'ok' when PostgreSQL answers a query as the app role, else the error."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is the answer
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_redis() -> str:
    """'ok' when the broker's Redis answers PING."""
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_celery(timeout: float = 1.0) -> str:
    """'ok' when at least one worker answers a ping within ``timeout`` seconds."""
    from crm.celery import app

    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok" if replies else "error: no worker answered"


def health() -> dict:
    """Every check by name, and ``status``: 'ok' only when all of them are."""
    checks = {"database": check_database(), "redis": check_redis()}
    checks["celery"] = check_celery() if checks["redis"] == "ok" else "error: broker down"
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "error", **checks}
