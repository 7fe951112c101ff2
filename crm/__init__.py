"""PharmaCRM project package and shared kernel (tenancy, database backend, API base, admin base)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
