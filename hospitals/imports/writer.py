"""Set-based writes of an import: COPY into a temporary table, then one UPDATE and one INSERT.

For each chunk of rows:

1. ids of new rows are taken from the table's sequence in one query (so links such as a
   doctor's territories can be written without reading the rows back);
2. the chunk is COPY'd into a temporary table (COPY FROM cannot target a table under
   row-level security; the temporary table has none and is dropped at commit). COPY goes
   through the raw psycopg2 connection, so :func:`crm.db.base.apply_tenant_settings` is called
   first, as that module asks;
3. ``UPDATE … FROM`` the temporary table changes the matched rows whose values differ
   (an empty cell — NULL here — keeps the stored value), ``RETURNING`` their ids;
4. ``INSERT … SELECT`` adds the new rows, with the model's defaults for empty cells.

The target tables' row-level security applies to 3 and 4 as to any statement of the tenant.

Identifiers in the SQL below come from model metadata (quoted), never from the file; every
value goes through COPY or a query parameter.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models

from crm.db.base import apply_tenant_settings

CHUNK_SIZE = 10_000


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        inner = ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
        value = "{" + inner + "}"
    return _escape(str(value))


def _text_or_null(value) -> str:
    return "\\N" if value is None else _escape(value)


def _formatter(field):
    """The fastest correct COPY formatter for values of ``field`` (text columns are most of a file)."""
    if isinstance(field, models.CharField | models.TextField) and not field.choices:
        return _text_or_null
    return _copy_text


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _default_sql(field) -> tuple[str, list]:
    """SQL (with params) of ``field``'s default, for a new row whose cell was empty."""
    default = field.get_default()
    if default is None and field.null:
        return "NULL", []
    if isinstance(field, ArrayField):
        default = list(default or [])
    prepared = field.get_db_prep_save(default, connection)
    return f"CAST(%s AS {field.db_type(connection)})", [prepared]


def new_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys of ``model`` from its sequence, in one query."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


class BulkUpsert:
    """Write rows given by column: ``ids`` (an existing id, or None for a new row) and
    ``columns`` (attribute name, e.g. ``hospital_id`` → one value per row).

    A value of None keeps the stored value of an existing row and takes the field's default
    for a new one. :meth:`run` returns the created ids, the updated ids (rows whose stored
    values changed) and every row's id (new rows' ids included).
    """

    def __init__(self, model, fields: list[str], *, tenant_id: int, on_chunk: Callable[[int], None] | None = None):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.tenant_id = tenant_id
        self.on_chunk = on_chunk
        self.table = model._meta.db_table
        self.temp = f"import_{self.table}"[:60]
        self.auto_add = [
            f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        ]
        self.auto_now = [f for f in self.auto_add if getattr(f, "auto_now", False)]
        self._signed = False

    def run(self, ids: list[int | None], columns: dict[str, list | Callable]) -> tuple[list[int], list[int], list[int]]:
        """Write the rows; a column may be a callable ``(start, stop) -> values`` computed per chunk.

        The COPY text of the next chunk (and its computed columns, e.g. pinyin) is built in a
        helper thread while the database works on the current chunk: psycopg2 releases the GIL
        while it waits, so Python and PostgreSQL use both cores. The helper touches no database.
        """
        is_new = [pk is None for pk in ids]
        fresh = iter(new_ids(self.model, sum(is_new)))
        ids = [next(fresh) if new else pk for pk, new in zip(ids, is_new, strict=True)]
        id_texts = list(map(str, ids))
        flags = ["t" if new else "f" for new in is_new]
        sources = [(columns[f.attname], _formatter(f)) for f in self.fields]
        total = len(ids)

        def build(start: int) -> list[str]:
            stop = min(total, start + CHUNK_SIZE)
            formatted = [
                list(map(fmt, source(start, stop) if callable(source) else source[start:stop]))
                for source, fmt in sources
            ]
            return list(map("\t".join, zip(id_texts[start:stop], flags[start:stop], *formatted, strict=True)))

        self._create_temp()
        created, updated = [], []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy") as pool:
            pending = pool.submit(build, 0) if total else None
            for start in range(0, total, CHUNK_SIZE):
                lines = pending.result()
                if start + CHUNK_SIZE < total:
                    pending = pool.submit(build, start + CHUNK_SIZE)
                self._copy(lines)
                updated += self._update()
                created += self._insert()
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {_quote(self.temp)}")
                if self.on_chunk:
                    self.on_chunk(len(lines))
        return created, updated, ids

    def _create_temp(self):
        columns = ", ".join(f"{_quote(f.column)} {f.db_type(connection)}" for f in self.fields)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(self.temp)}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_quote(self.temp)} (id bigint, is_new boolean, {columns}) ON COMMIT DROP"
            )

    def _copy(self, lines: list[str]):
        buffer = io.StringIO("\n".join(lines) + "\n")
        columns = ", ".join(["id", "is_new", *(_quote(f.column) for f in self.fields)])
        if not self._signed:
            # Once per write: the settings hold for the whole transaction (signing costs a query).
            apply_tenant_settings(connection)
            self._signed = True
        with connection.connection.cursor() as raw:
            raw.copy_expert(f"COPY {_quote(self.temp)} ({columns}) FROM STDIN", buffer)

    def _update(self) -> list[int]:
        cols = [_quote(f.column) for f in self.fields]
        if not cols:
            return []
        assignments = [f"{c} = COALESCE(s.{c}, t.{c})" for c in cols]
        assignments += [f"{_quote(f.column)} = now()" for f in self.auto_now]
        old = ", ".join(f"t.{c}" for c in cols)
        new = ", ".join(f"COALESCE(s.{c}, t.{c})" for c in cols)
        sql = (
            f"UPDATE {_quote(self.table)} AS t SET {', '.join(assignments)} "  # noqa: S608
            f"FROM {_quote(self.temp)} AS s WHERE t.id = s.id AND NOT s.is_new "
            f"AND ROW({old}, NULL) IS DISTINCT FROM ROW({new}, NULL) RETURNING t.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [row[0] for row in cursor.fetchall()]

    def _insert(self) -> list[int]:
        names = ["id", "tenant_id"]
        values = ["s.id", "%s"]
        params: list = [self.tenant_id]
        for f in self.fields:
            names.append(_quote(f.column))
            default_sql, default_params = _default_sql(f)
            values.append(f"COALESCE(s.{_quote(f.column)}, {default_sql})")
            params += default_params
        for f in self.auto_add:
            if f not in self.fields:
                names.append(_quote(f.column))
                values.append("now()")
        # Columns the file did not have still need their defaults (the database has none).
        for f in self.model._meta.concrete_fields:
            if f.primary_key or f.name == "tenant" or f in self.fields or f in self.auto_add:
                continue
            default_sql, default_params = _default_sql(f)
            names.append(_quote(f.column))
            values.append(default_sql)
            params += default_params
        sql = (
            f"INSERT INTO {_quote(self.table)} ({', '.join(names)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM {_quote(self.temp)} AS s WHERE s.is_new RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


def write_history(model, ids: list[int], *, history_type: str, user_id: int | None, reason: str):
    """Rows of django-simple-history for ``ids`` of ``model``, copied from the table in one statement."""
    if not ids:
        return
    history_model = model.history.model
    columns = [
        f.column for f in history_model._meta.concrete_fields if not f.name.startswith("history_") and f.column != "id"
    ]
    names = ", ".join(["id", *(_quote(c) for c in columns)])
    select = ", ".join(["t.id", *(f"t.{_quote(c)}" for c in columns)])
    sql = (
        f"INSERT INTO {_quote(history_model._meta.db_table)} "  # noqa: S608
        f"({names}, history_date, history_type, history_user_id, history_change_reason) "
        f"SELECT {select}, now(), %s, %s, %s FROM {_quote(model._meta.db_table)} AS t WHERE t.id = ANY(%s::bigint[])"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [history_type, user_id, reason[:100], ids])


def insert_links(model, pairs: list[tuple[int, int]], columns: tuple[str, str], *, tenant_id: int) -> int:
    """Add link rows (e.g. doctor ↔ territory), ignoring those that exist. Returns how many were new."""
    if not pairs:
        return 0
    a, b = (model._meta.get_field(c).column for c in columns)
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} (tenant_id, {_quote(a)}, {_quote(b)}) "  # noqa: S608
        f"SELECT %s, x, y FROM unnest(%s::bigint[], %s::bigint[]) AS u(x, y) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_id, [p[0] for p in pairs], [p[1] for p in pairs]])
        return cursor.rowcount
