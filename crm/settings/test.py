"""Test suite: its own database and Redis databases, so a running `make run` is untouched.

The test database is created fresh for each session by tests/conftest.py (as the owner
role, migrated by the owner role); the suite itself connects as the app role, so row-level
security is exercised by every test. A Celery worker started by the tests reads these same
settings (crm.settings.test) and so the same database.
"""

from .base import *  # noqa: F403
from .base import DATABASES, env

TEST_DB_NAME = env("TEST_DB_NAME", default="pharmacrm_test")
for _alias in ("default", "platform", "owner"):
    DATABASES[_alias]["NAME"] = TEST_DB_NAME
    DATABASES[_alias]["CONN_MAX_AGE"] = 0
    DATABASES[_alias]["TEST"] = {"NAME": TEST_DB_NAME}

_TEST_REDIS_DB = env.int("TEST_REDIS_DB", default=14)
REDIS_URL = env("TEST_REDIS_URL", default=f"redis://127.0.0.1:6379/{_TEST_REDIS_DB}")
CELERY_BROKER_URL = REDIS_URL
# Tests wait for a task they sent with ``apply_async(..., ignore_result=False).get(timeout=…)``;
# every other task still ignores its result (CELERY_TASK_IGNORE_RESULT).
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = f"crm-test-{TEST_DB_NAME}"
CACHES = {
    alias: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:6379/{_TEST_REDIS_DB + 1}",
        "KEY_PREFIX": f"crm-test-{TEST_DB_NAME}{suffix}",
    }
    for alias, suffix in (("default", ""), ("sessions", "-session"))
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False
# Static files straight from the finders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "ERROR"}},
}
