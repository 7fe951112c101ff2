"""Fast bulk writes of the demo data (also used by the demo data of visits)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import AutoField, BigAutoField
from psycopg2.extras import execute_values

from crm.db.base import apply_tenant_settings


def _month(day: datetime.date, delta: int) -> datetime.date:
    """First day of the month ``delta`` months from ``day``'s month."""
    index = day.year * 12 + day.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


def _insert(model, objs, *, returning=False, ignore_conflicts=False):
    """INSERT ``objs`` (unsaved instances) in pages of multi-row VALUES, bypassing the ORM's
    per-field SQL compilation (the bulk of ``bulk_create``'s time). With ``returning`` the new
    ids are set on the objects. Runs in the current transaction under the current tenant."""
    if not objs:
        return objs
    quote = connection.ops.quote_name
    if isinstance(objs[0], dict):  # plain rows keyed by column: no model instances to build
        columns = list(objs[0])
        rows = [tuple(row[c] for c in columns) for row in objs]
    else:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
        columns = [f.column for f in fields]
        rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
    # Table and column names come from the model, never from input.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES %s"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    apply_tenant_settings(connection)  # the raw cursor bypasses the backend's tenant wrapper
    with connection.connection.cursor() as cursor:
        result = execute_values(cursor, sql, rows, page_size=1000, fetch=returning)
    if returning:
        for obj, (pk,) in zip(objs, result, strict=True):
            obj.pk = pk
            obj._state.adding = False
    return objs
