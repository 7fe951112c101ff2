"""What a row refers to: hospitals, departments, distributors, products and doctors, found with one
query per table, and what the report says when one is not found.

* hospitals: by external id, else by name, else by an alias only one hospital has, else by a
  campus name (``中山医院东院``, ``瑞金医院北院区``, ``华山医院浦东分院``: the parent hospital, the
  campus recorded on the row); an unknown name is an error *with suggestions* (abbreviations,
  near spellings, homophones — :mod:`.suggest`) that "accept all suggestions" turns into aliases;
* departments: the hospital's department of that name, else through the tenant's department
  dictionary (心血管内科 is the hospital's cardiology department, whatever it is called there);
  an unknown name is an error with suggestions, or a new department when the import's
  policy says so;
* products: by brand name, else by generic name (通用名) — with the pack specification (品规)
  when several products share it; brand or generic name may carry the specification
  (``阿托伐他汀钙片 20mg×7片``);
* distributors: by external id, else name (with suggestions).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection
from django.utils.translation import gettext_noop

from hospitals import dictionary, normalize
from hospitals import models as m
from hospitals.imports.engine import ParsedRow
from hospitals.imports.errors import RowError
from hospitals.imports.suggest import Suggester, clear_choice

MAX_ROWS_PER_SUGGESTION = 50


@dataclasses.dataclass
class Context:
    """What resolve and write share: the tenant, the acting user, the options, the report."""

    tenant_id: int
    user_id: int | None
    headers: dict[str, str]
    errors: list[RowError]
    notes: list[RowError]
    options: dict = dataclasses.field(default_factory=dict)
    on_written: Callable[[int], None] = lambda n: None
    suggestions: dict = dataclasses.field(default_factory=dict)  # (kind, value) → suggestion
    decisions: list[dict] = dataclasses.field(default_factory=list)
    mapped: dict = dataclasses.field(default_factory=dict)  # (msgid, params…) → rows, for grouped notes

    def error(self, row: ParsedRow, key: str | None, msgid: str, /, **params):
        row.ok = False
        column = self.headers.get(key, key or "") if key else ""
        self.errors.append(RowError(row.number, column, msgid, params))

    def note(self, msgid: str, /, **params):
        self.notes.append(RowError(0, "", msgid, params))

    def note_rows(self, row: ParsedRow, key: str, msgid: str, /, **params):
        """A note said once for all the rows it concerns (e.g. one synonym mapped on 300 rows)."""
        group = self.mapped.setdefault((msgid, key, tuple(sorted(params.items()))), [])
        group.append(row.number)

    def flush_notes(self):
        for (msgid, key, params), rows in self.mapped.items():
            shown = "、".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")
            column = self.headers.get(key, "")
            self.notes.append(RowError(rows[0], column, msgid, {**dict(params), "rows": shown, "count": len(rows)}))
        self.mapped = {}

    def unknown(self, row, key, kind, value, candidates, msgid, msgid_suggest, written=None, **params):
        """An error for a name that matches nothing, with the likely ones; gathered per name
        (``value``; ``written`` is the cell when it says more, e.g. a campus of that name)."""
        shown = written or value
        if candidates:
            names = "、".join(name for _, name, _ in candidates)
            self.error(row, key, msgid_suggest, value=shown, suggestion=names, **params)
        else:
            self.error(row, key, msgid, value=shown, **params)
        entry = self.suggestions.get((kind, value))
        if entry is None:
            entry = self.suggestions[(kind, value)] = {
                "kind": kind,
                "value": value,
                "column": self.headers.get(key, ""),
                "candidates": [{"id": pk, "name": name, "score": score} for pk, name, score in candidates],
                "accept": clear_choice(candidates),
                "rows": [],
                "count": 0,
                **params,
            }
        entry["count"] += 1
        if len(entry["rows"]) < MAX_ROWS_PER_SUGGESTION:
            entry["rows"].append(row.number)


def select(model, columns: Iterable[str], where: str = "TRUE", params: list | None = None) -> list[tuple]:
    """Rows of ``model`` of the tenant (RLS and an explicit tenant filter), in one query."""
    from crm.tenancy import current_tenant_id

    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    # Identifiers come from model metadata and ``where`` from this module; values are parameters.
    sql = f"SELECT {cols} FROM {table} WHERE tenant_id = %s AND ({where})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [current_tenant_id(), *(params or [])])
        return cursor.fetchall()


@functools.lru_cache(maxsize=200_000)
def name_key(text: str | None) -> str:
    """How names are compared: one written form, case ignored."""
    return normalize.name(text or "").lower()


# --- hospitals and distributors --------------------------------------------------------------

_CAMPUS = re.compile(r"[(（]?(?P<campus>[东西南北中新老]院区?|总院|本部|[^()（）]{1,8}?(?:院区|分院|院部))[)）]?")


def split_campus(name: str) -> list[tuple[str, str]]:
    """``(hospital, campus)`` readings of a name that may end with a campus, longest hospital first:
    ``中山医院东院`` → ``[("中山医院", "东院")]``, ``华山医院浦东分院`` → ``[("华山医院", "浦东分院"), …]``."""
    readings = []
    for i in range(len(name) - 1, 1, -1):
        match = _CAMPUS.fullmatch(name[i:])
        if match:
            readings.append((name[:i].rstrip("-·( （"), match.group("campus")))
    return readings


class NamedIndex:
    """Records found by external id or by name (hospitals, distributors); aliases for hospitals."""

    kind = ""

    def __init__(self, model, *, with_aliases=False):
        columns = ["id", "name", "external_id"] + (["aliases"] if with_aliases else [])
        self.by_ext: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_alias: dict[str, set[int]] = defaultdict(set)
        self.ext_of: dict[int, str] = {}
        self.name_of: dict[int, str] = {}
        for record in select(model, columns):
            pk, name, ext = record[0], record[1], record[2]
            self.by_name[name_key(name)] = pk
            self.name_of[pk] = name
            self.ext_of[pk] = ext
            if ext:
                self.by_ext[ext] = pk
            if with_aliases:
                for alias in record[3] or ():
                    self.by_alias[name_key(alias)].add(pk)
        self._suggester = None
        self._suggested: dict[str, list] = {}

    def suggest(self, value: str) -> list:
        if value not in self._suggested:
            if self._suggester is None:
                choices = {name: pk for pk, name in self.name_of.items()}
                for alias, ids in self.by_alias.items():
                    if len(ids) == 1:
                        choices.setdefault(alias, next(iter(ids)))
                self._suggester = Suggester(choices)
            seen, result = set(), []
            for pk, _, score in self._suggester.suggest(value, limit=6):
                if pk not in seen:  # a hospital found by name and by alias is one candidate
                    seen.add(pk)
                    result.append((pk, self.name_of[pk], score))
            self._suggested[value] = result[:3]
        return self._suggested[value]


class HospitalIndex(NamedIndex):
    kind = "hospital"

    def __init__(self):
        super().__init__(m.Hospital, with_aliases=True)

    def _exact(self, name: str) -> tuple[int | None, int]:
        key = name_key(name)
        pk = self.by_name.get(key)
        if pk is not None:
            return pk, 1
        ids = self.by_alias.get(key, ())
        return (next(iter(ids)) if len(ids) == 1 else None), len(ids)

    def lookup(self, name: str) -> tuple[int | None, str, int]:
        """``(id, campus, matches)`` of a hospital name: by name, a unique alias, or a campus of one."""
        pk, found = self._exact(name)
        if pk is not None or found:
            return pk, "", found
        for base, campus in split_campus(name):
            pk, found = self._exact(base)
            if pk is not None or found:
                return pk, campus, found
        return None, "", 0

    def find(self, ctx: Context, row: ParsedRow, prefix: str = "") -> int | None:
        """The hospital of ``row`` (by external id, else name, alias, campus), or None + error."""
        ext_key, name_key_ = f"{prefix}hospital_external_id", f"{prefix}hospital"
        ext = row.get(ext_key)
        if ext is not None:
            pk = self.by_ext.get(ext)
            if pk is None:
                ctx.error(row, ext_key, gettext_noop("no hospital with external id “%(value)s”"), value=ext)
            return pk
        name = row.get(name_key_)
        if name is None:
            return None
        pk, campus, found = self.lookup(name)
        if pk is not None:
            if campus:
                row.values[f"_{prefix}campus"] = campus
                ctx.note_rows(
                    row,
                    name_key_,
                    gettext_noop("“%(value)s” is the %(campus)s campus of %(hospital)s (rows %(rows)s)"),
                    value=name,
                    campus=campus,
                    hospital=self.name_of[pk],
                )
            return pk
        if found > 1:
            message = gettext_noop("“%(value)s” is an alias of several hospitals; write the full name")
            ctx.error(row, name_key_, message, value=name)
            return None
        # A campus of an unknown hospital (中山医院东院): suggest for the hospital (中山医院), so
        # that the accepted alias also finds its other campuses.
        value, candidates = name, self.suggest(name)
        for base, _ in split_campus(name):
            base_candidates = self.suggest(base)
            if base_candidates and (not candidates or base_candidates[0][2] >= candidates[0][2]):
                value, candidates = base, base_candidates
                break
        ctx.unknown(
            row,
            name_key_,
            "hospital",
            value,
            candidates,
            gettext_noop("no hospital named “%(value)s” (import the hospitals first)"),
            gettext_noop("no hospital named “%(value)s”: did you mean %(suggestion)s?"),
            written=name,
        )
        return None


class DistributorIndex(NamedIndex):
    kind = "distributor"

    def __init__(self):
        super().__init__(m.Distributor)

    def find(self, ctx: Context, row: ParsedRow) -> int | None:
        ext = row.get("distributor_external_id")
        if ext is not None:
            pk = self.by_ext.get(ext)
            if pk is None:
                ctx.error(
                    row,
                    "distributor_external_id",
                    gettext_noop("no distributor with external id “%(value)s”"),
                    value=ext,
                )
            return pk
        name = row.get("distributor")
        if name is None:
            return None
        pk = self.by_name.get(name_key(name))
        if pk is None:
            ctx.unknown(
                row,
                "distributor",
                "distributor",
                name,
                self.suggest(name),
                gettext_noop("no distributor named “%(value)s” (import the distributors first)"),
                gettext_noop("no distributor named “%(value)s”: did you mean %(suggestion)s?"),
            )
        return pk


# --- products --------------------------------------------------------------------------------

_SPEC_TAIL = re.compile(r"^(?P<name>.+?)[\s(（]+(?P<spec>\d[\w.]*\s*(?:[×xX*/]\s*\d[\w.]*\s*)*)[)）]?$")


def spec_key(text: str | None) -> str:
    """How pack specifications are compared: ``20mg × 7片`` = ``20MG*7片``."""
    text = normalize.text(text or "").lower()
    return re.sub(r"\s+", "", re.sub(r"[×x*]", "x", text))


class ProductIndex:
    """Products (ours and competitors') by brand name, generic name (通用名) and pack specification."""

    def __init__(self):
        self.by_brand: dict[str, int] = {}
        self.by_generic: dict[str, list[int]] = defaultdict(list)
        self.spec_of: dict[int, str] = {}
        self.name_of: dict[int, str] = {}
        for pk, name, generic, spec in select(m.Product, ["id", "name", "generic_name", "pack_spec"]):
            self.by_brand[name_key(name)] = pk
            if generic:
                self.by_generic[name_key(generic)].append(pk)
            self.spec_of[pk] = spec_key(spec)
            self.name_of[pk] = name
        self._suggester = None

    def _match(self, text: str, spec: str) -> tuple[list[int], str]:
        """Ids of the products ``text`` names (brand or generic, optionally with a trailing spec)."""
        key = name_key(text)
        if key in self.by_brand:
            return [self.by_brand[key]], "brand"
        ids = self.by_generic.get(key)
        if ids is None:
            tail = _SPEC_TAIL.match(text)
            if tail:
                ids, how = self._match(tail.group("name"), "")
                if ids:
                    spec = spec or spec_key(tail.group("spec"))
                    return ([pk for pk in ids if self.spec_of[pk] == spec] or ids), how
            return [], ""
        if spec and len(ids) > 1:
            ids = [pk for pk in ids if self.spec_of[pk] == spec] or ids
        return ids, "generic"

    def find(self, ctx: Context, row: ParsedRow, key: str = "product") -> int | None:
        text = row.get(key)
        column = key
        if text is None:
            text, column = row.get("product_generic"), "product_generic"
        if text is None:
            return None
        spec = spec_key(row.get("product_spec"))
        ids, _ = self._match(text, spec)
        if len(ids) == 1:
            return ids[0]
        if ids:
            names = "、".join(self.name_of[pk] for pk in ids)
            ctx.error(
                row,
                column,
                gettext_noop("several products are “%(value)s” (%(names)s): add the brand or the pack specification"),
                value=text,
                names=names,
            )
            return None
        if self._suggester is None:
            choices = {name: pk for pk, name in self.name_of.items()}
            self._suggester = Suggester(choices)
        ctx.unknown(
            row,
            column,
            "product",
            text,
            self._suggester.suggest(text),
            gettext_noop("no product named “%(value)s” (products are added in administration)"),
            gettext_noop("no product named “%(value)s”: did you mean %(suggestion)s?"),
        )
        return None


# --- departments ---------------------------------------------------------------------------


class DepartmentIndex:
    """The departments of some hospitals, and the tenant's department dictionary."""

    def __init__(self, ctx: Context, hospital_ids: Iterable[int]):
        self.dictionary = dictionary.department_dictionary(tenant=ctx.tenant_id)
        self.by_name: dict[tuple[int, str], int] = {}
        self.by_code: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.name_of: dict[int, str] = {}
        for pk, hid, name, code in select(
            m.Department,
            ["id", "hospital_id", "name", "standard_code"],
            "hospital_id = ANY(%s::bigint[])",
            [list(hospital_ids)],
        ):
            self.by_name[(hid, dictionary.key(name))] = pk
            self.name_of[pk] = name
            code = code or self.dictionary.get(dictionary.key(name), "")
            if code:
                self.by_code[(hid, code)].append(pk)
        self._suggester = None

    def code_of(self, text: str) -> str:
        return self.dictionary.get(dictionary.key(text), "")

    def lookup(self, hospital_id: int, text: str) -> tuple[list[int], str]:
        """Ids of ``text``'s department at the hospital (exact name, else by dictionary code), and the code."""
        pk = self.by_name.get((hospital_id, dictionary.key(text)))
        if pk is not None:
            return [pk], ""
        code = self.code_of(text)
        return (self.by_code.get((hospital_id, code), []) if code else []), code

    def suggest(self, text: str) -> list:
        """Standard departments ``text`` may mean: ``[(code, standard name, score)]``."""
        if self._suggester is None:
            names = {label: code for code, label in m.STANDARD_DEPARTMENTS.items()}
            names.update(self.dictionary)
            self._suggester = Suggester(names)
        found, seen = [], set()
        for code, _, score in self._suggester.suggest(dictionary.key(text), limit=6):
            if code not in seen:
                seen.add(code)
                found.append((code, m.STANDARD_DEPARTMENTS[code], score))
        return found[:3]


# --- doctors -------------------------------------------------------------------------------


def doctors_matching(exts, hospital_ids, names) -> list[tuple]:
    """``(id, external id, hospital, department, name, merged into)`` of the doctors with one of
    ``exts``, or at one of ``hospital_ids`` with one of ``names`` (as stored, or without spaces:
    names stored before normalisation wrote ``许 立``)."""
    return select(
        m.Doctor,
        ["id", "external_id", "hospital_id", "department_id", "name", "merged_into_id"],
        "external_id = ANY(%s) OR (hospital_id = ANY(%s::bigint[]) "
        "AND (name = ANY(%s) OR translate(name, ' 　', '') = ANY(%s)))",
        [list(exts), list(hospital_ids), list(names), list(names)],
    )


class DoctorIndex:
    """Doctors referenced by rows (by external id, or hospital + [department] + name).

    A doctor merged into another is found as the one it was merged into.
    """

    def __init__(self, ctx: Context, rows: list[ParsedRow], hospitals: HospitalIndex, prefixes=("",)):
        exts, hospital_ids, names = set(), set(), set()
        for row in rows:
            for prefix in prefixes:
                ext = row.get(f"{prefix}doctor_external_id")
                if ext is not None:
                    exts.add(ext)
                    continue
                name = row.get(f"{prefix}doctor")
                if name is None:
                    continue
                hid = hospitals.find(ctx, row, prefix)
                row.values[f"_{prefix}hospital_id"] = hid
                if hid is None:
                    if row.get(f"{prefix}hospital") is None and row.get(f"{prefix}hospital_external_id") is None:
                        ctx.error(
                            row,
                            f"{prefix}doctor",
                            gettext_noop("give the doctor's hospital, or the doctor's external id"),
                        )
                    continue
                hospital_ids.add(hid)
                names.add(name)
        self.departments = DepartmentIndex(ctx, hospital_ids)
        self.by_ext: dict[str, int] = {}
        self.by_hn: dict[tuple, list[int]] = defaultdict(list)
        self.by_hdn: dict[tuple, list[int]] = defaultdict(list)
        for pk, ext, hid, did, name, merged_into in doctors_matching(exts, hospital_ids, names):
            if ext:
                self.by_ext[ext] = merged_into or pk
            if merged_into is None:
                self.by_hn[(hid, name_key(name))].append(pk)
                self.by_hdn[(hid, did, name_key(name))].append(pk)

    def find(self, ctx: Context, row: ParsedRow, prefix: str = "") -> int | None:
        ext_key, name_key_ = f"{prefix}doctor_external_id", f"{prefix}doctor"
        ext = row.get(ext_key)
        if ext is not None:
            pk = self.by_ext.get(ext)
            if pk is None:
                ctx.error(row, ext_key, gettext_noop("no doctor with external id “%(value)s”"), value=ext)
            return pk
        name = row.get(name_key_)
        hid = row.values.get(f"_{prefix}hospital_id")
        if name is None or hid is None:
            return None
        department = row.get(f"{prefix}department")
        key = name_key(name)
        if department:
            ids = []
            for did in self.departments.lookup(hid, department)[0]:
                ids += self.by_hdn.get((hid, did, key), [])
        else:
            ids = self.by_hn.get((hid, key), [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            ctx.error(
                row,
                name_key_,
                gettext_noop(
                    "several doctors named “%(value)s” work there: add the department or the doctor's external id"
                ),
                value=name,
            )
        else:
            ctx.error(
                row,
                name_key_,
                gettext_noop("no doctor named “%(value)s” at this hospital (import the doctors first)"),
                value=name,
            )
        return None
