"""Per kind: resolve references and match existing rows (``resolve``), then write (``write``).

Matching (documented for users in docs/import.md):

* a row with an external id updates the row that has it;
* else the natural key (hospitals/models.py): hospital — name; department — hospital + name;
  doctor — hospital + department + name (hospital + name when the row gives no department);
  distributor — name; society position — doctor + society; relation — both doctors + kind
  (either direction for classmate, co-author, colleague); coverage — distributor + hospital +
  product; usage share — doctor + product + month; sales — distributor + hospital + product +
  month; shipment — distributor + hospital + product + lot + ship date;
* an ambiguous match, or two rows of the file for the same record, is an error of that row.

References to other records (a doctor's hospital, a sale's product) are looked up with one
query per referenced table; a reference that matches nothing is an error of that row.
Existing rows are read with one query per table, restricted to what the file mentions.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection
from django.utils.translation import gettext_noop

from accounts.models import Territory, TerritoryLevel
from hospitals import models as m
from hospitals.imports.engine import ParsedRow
from hospitals.imports.errors import RowError
from hospitals.imports.reading import clean
from hospitals.imports.specs import SPECS, Spec
from hospitals.imports.writer import BulkUpsert, insert_links, write_history
from hospitals.pinyin import name_initials, name_pinyin

SYMMETRIC_RELATIONS = {m.RelationKind.CLASSMATE, m.RelationKind.COAUTHOR, m.RelationKind.COLLEAGUE}


@dataclasses.dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclasses.dataclass
class Context:
    """What resolve and write share: the tenant, the acting user, the file's headers, the report."""

    tenant_id: int
    user_id: int | None
    headers: dict[str, str]
    errors: list[RowError]
    notes: list[RowError]
    on_written: Callable[[int], None] = lambda n: None

    def error(self, row: ParsedRow, key: str | None, msgid: str, /, **params):
        row.ok = False
        column = self.headers.get(key, "") if key else ""
        self.errors.append(RowError(row.number, column, msgid, params))

    def note(self, msgid: str, /, **params):
        self.notes.append(RowError(0, "", msgid, params))


def select(model, columns: Iterable[str], where: str = "TRUE", params: list | None = None) -> list[tuple]:
    """Rows of ``model`` of the tenant (RLS and an explicit tenant filter), in one query."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    from crm.tenancy import current_tenant_id

    # Identifiers come from model metadata and ``where`` from this module; values are parameters.
    sql = f"SELECT {cols} FROM {table} WHERE tenant_id = %s AND ({where})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [current_tenant_id(), *(params or [])])
        return cursor.fetchall()


def _name(text: str) -> str:
    return clean(text or "")


# --- indexes of referenced records -------------------------------------------------------------


class NamedIndex:
    """Records found by external id or by name (hospitals, distributors); aliases for hospitals."""

    def __init__(self, model, *, with_aliases=False):
        columns = ["id", "name", "external_id"] + (["aliases"] if with_aliases else [])
        self.by_ext: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_alias: dict[str, set[int]] = defaultdict(set)
        self.ext_of: dict[int, str] = {}
        for record in select(model, columns):
            pk, name, ext = record[0], _name(record[1]), record[2]
            self.by_name[name] = pk
            self.ext_of[pk] = ext
            if ext:
                self.by_ext[ext] = pk
            if with_aliases:
                for alias in record[3] or ():
                    self.by_alias[_name(alias)].add(pk)


class HospitalIndex(NamedIndex):
    def __init__(self):
        super().__init__(m.Hospital, with_aliases=True)

    def find(self, ctx: Context, row: ParsedRow, prefix: str = "") -> int | None:
        """The hospital of ``row`` (by external id, else name, else a unique alias), or None + error."""
        ext_key, name_key = f"{prefix}hospital_external_id", f"{prefix}hospital"
        ext = row.get(ext_key)
        if ext is not None:
            pk = self.by_ext.get(ext)
            if pk is None:
                ctx.error(row, ext_key, gettext_noop("no hospital with external id “%(value)s”"), value=ext)
            return pk
        name = row.get(name_key)
        if name is None:
            return None
        pk = self.by_name.get(name)
        if pk is not None:
            return pk
        ids = self.by_alias.get(name, ())
        if len(ids) == 1:
            return next(iter(ids))
        if ids:
            message = gettext_noop("“%(value)s” is an alias of several hospitals; write the full name")
            ctx.error(row, name_key, message, value=name)
        else:
            ctx.error(
                row, name_key, gettext_noop("no hospital named “%(value)s” (import the hospitals first)"), value=name
            )
        return None


class DistributorIndex(NamedIndex):
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
        pk = self.by_name.get(name)
        if pk is None:
            ctx.error(
                row,
                "distributor",
                gettext_noop("no distributor named “%(value)s” (import the distributors first)"),
                value=name,
            )
        return pk


class ProductIndex:
    """Products (ours and competitors') by name, case and width ignored."""

    def __init__(self):
        self.by_name = {_name(name).lower(): pk for pk, name in select(m.Product, ["id", "name"])}

    def find(self, ctx: Context, row: ParsedRow, key: str = "product") -> int | None:
        name = row.get(key)
        if name is None:
            return None
        pk = self.by_name.get(name.lower())
        if pk is None:
            ctx.error(
                row,
                key,
                gettext_noop("no product named “%(value)s” (products are added in administration)"),
                value=name,
            )
        return pk


class DoctorIndex:
    """Doctors referenced by rows (by external id, or hospital + [department] + name)."""

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
        found = select(
            m.Doctor,
            ["id", "external_id", "hospital_id", "department_id", "name"],
            "external_id = ANY(%s) OR (hospital_id = ANY(%s) AND name = ANY(%s))",
            [list(exts), list(hospital_ids), list(names)],
        )
        departments = dict(select(m.Department, ["id", "name"], "hospital_id = ANY(%s)", [list(hospital_ids)]))
        self.by_ext: dict[str, int] = {}
        self.by_hn: dict[tuple, list[int]] = defaultdict(list)
        self.by_hdn: dict[tuple, list[int]] = defaultdict(list)
        for pk, ext, hid, did, name in found:
            if ext:
                self.by_ext[ext] = pk
            self.by_hn[(hid, _name(name))].append(pk)
            self.by_hdn[(hid, _name(departments.get(did, "")), _name(name))].append(pk)

    def find(self, ctx: Context, row: ParsedRow, prefix: str = "") -> int | None:
        ext_key, name_key = f"{prefix}doctor_external_id", f"{prefix}doctor"
        ext = row.get(ext_key)
        if ext is not None:
            pk = self.by_ext.get(ext)
            if pk is None:
                ctx.error(row, ext_key, gettext_noop("no doctor with external id “%(value)s”"), value=ext)
            return pk
        name = row.get(name_key)
        hid = row.values.get(f"_{prefix}hospital_id")
        if name is None or hid is None:
            return None
        department = row.get(f"{prefix}department")
        ids = self.by_hdn.get((hid, department, name), []) if department else self.by_hn.get((hid, name), [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            ctx.error(
                row,
                name_key,
                gettext_noop(
                    "several doctors named “%(value)s” work there: add the department or the doctor's external id"
                ),
                value=name,
            )
        else:
            ctx.error(
                row,
                name_key,
                gettext_noop("no doctor named “%(value)s” at this hospital (import the doctors first)"),
                value=name,
            )
        return None


# --- matching ------------------------------------------------------------------------------


def match_named(ctx: Context, rows: list[ParsedRow], index: NamedIndex, *, taken: str):
    """Match rows of a kind whose name is unique (hospitals, distributors), by external id, else name."""
    seen_name: dict[str, int] = {}
    seen_ext: dict[str, int] = {}
    for row in rows:
        if not row.ok:
            continue
        name, ext = row.get("name"), row.get("external_id")
        if ext is not None and ext in seen_ext:
            ctx.error(row, "external_id", gettext_noop("the same external id as row %(row)s"), row=seen_ext[ext])
            continue
        if name in seen_name:
            ctx.error(row, "name", gettext_noop("the same name as row %(row)s"), row=seen_name[name])
            continue
        seen_name[name] = row.number
        if ext is not None:
            seen_ext[ext] = row.number
        by_name = index.by_name.get(name)
        if ext is not None and ext in index.by_ext:
            row.id = index.by_ext[ext]
            if by_name is not None and by_name != row.id:
                ctx.error(row, "name", taken, value=name)
        elif by_name is not None:
            existing_ext = index.ext_of.get(by_name)
            if ext is not None and existing_ext:
                ctx.error(
                    row,
                    "external_id",
                    gettext_noop("“%(value)s” already exists with external id “%(existing)s”"),
                    value=name,
                    existing=existing_ext,
                )
            row.id = by_name


def match_keyed(ctx: Context, rows: list[ParsedRow], key_of: Callable, existing: dict):
    """Match rows by a natural key computed by ``key_of(row)`` against ``existing`` (key → id)."""
    seen: dict = {}
    for row in rows:
        if not row.ok:
            continue
        key = key_of(row)
        if key in seen:
            ctx.error(row, None, gettext_noop("the same record as row %(row)s"), row=seen[key])
            continue
        seen[key] = row.number
        row.id = existing.get(key)


def _write(ctx: Context, model, rows: list[ParsedRow], fields: dict[str, str | Callable]) -> tuple:
    """BulkUpsert ``rows``; ``fields`` maps an attribute to a row key or ``row -> value``."""
    columns = {}
    for attname, source in fields.items():
        if callable(source):
            # Computed per chunk by the writer, while the database writes the previous chunk.
            columns[attname] = lambda start, stop, fn=source: [fn(row) for row in rows[start:stop]]
        else:
            columns[attname] = [row.values.get(source) for row in rows]
    matched = sum(1 for row in rows if row.id is not None)
    writer = BulkUpsert(model, list(fields), tenant_id=ctx.tenant_id, on_chunk=ctx.on_written)
    created, updated, ids = writer.run([row.id for row in rows], columns)
    for row, pk in zip(rows, ids, strict=True):
        row.id = pk
    return created, updated, Counts(len(created), len(updated), matched - len(updated))


def _present(ctx: Context, fields: dict[str, str | Callable]) -> dict:
    """Only the fields whose column is in the file (a missing column leaves the stored value alone)."""
    return {a: s for a, s in fields.items() if callable(s) or s in ctx.headers}


# --- the kinds -------------------------------------------------------------------------------


class Kind:
    spec: Spec

    def resolve(self, ctx: Context, rows: list[ParsedRow]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def write(self, ctx: Context, rows: list[ParsedRow]) -> Counts:  # pragma: no cover - abstract
        raise NotImplementedError


class Hospitals(Kind):
    spec = SPECS[m.ImportKind.HOSPITALS]
    fields = {
        "name": "name",
        "external_id": "external_id",
        "aliases": "aliases",
        "grade": "grade",
        "type": "type",
        "province": "province",
        "city": "city",
        "district": "district",
        "address": "address",
        "beds": "beds",
        "annual_outpatients": "annual_outpatients",
    }

    def resolve(self, ctx, rows):
        match_named(
            ctx, rows, NamedIndex(m.Hospital), taken=gettext_noop("another hospital is already named “%(value)s”")
        )

    def write(self, ctx, rows):
        return _write(ctx, m.Hospital, rows, _present(ctx, self.fields))[2]


class Distributors(Kind):
    spec = SPECS[m.ImportKind.DISTRIBUTORS]
    fields = {
        "name": "name",
        "external_id": "external_id",
        "kind": "kind",
        "licence_no": "licence_no",
        "regions": "regions",
        "status": "status",
    }

    def resolve(self, ctx, rows):
        match_named(
            ctx, rows, NamedIndex(m.Distributor), taken=gettext_noop("another distributor is already named “%(value)s”")
        )

    def write(self, ctx, rows):
        return _write(ctx, m.Distributor, rows, _present(ctx, self.fields))[2]


def _standard_code(name: str) -> str:
    return next((code for code, label in m.STANDARD_DEPARTMENTS.items() if label == name), "")


class Departments(Kind):
    spec = SPECS[m.ImportKind.DEPARTMENTS]

    def resolve(self, ctx, rows):
        hospitals = HospitalIndex()
        for row in rows:
            if row.ok:
                row.values["hospital_id"] = hospitals.find(ctx, row)
        hospital_ids = list({r.get("hospital_id") for r in rows if r.ok})
        existing = {
            (hid, _name(name)): pk
            for pk, hid, name in select(
                m.Department, ["id", "hospital_id", "name"], "hospital_id = ANY(%s)", [hospital_ids]
            )
        }
        match_keyed(ctx, rows, lambda r: (r.get("hospital_id"), r.get("name")), existing)

    def write(self, ctx, rows):
        fields = {
            "hospital_id": "hospital_id",
            "name": "name",
            "standard_code": lambda r: r.get("standard_code") or (None if r.id else _standard_code(r.get("name"))),
        }
        return _write(ctx, m.Department, rows, fields)[2]


class Doctors(Kind):
    """Doctors; a department named in the file that the hospital lacks is created with it."""

    spec = SPECS[m.ImportKind.DOCTORS]
    fields = {
        "external_id": "external_id",
        "name": "name",
        "gender": "gender",
        "clinical_title": "clinical_title",
        "academic_title": "academic_title",
        "admin_post": "admin_post",
        "specialties": "specialties",
        "university": "university",
        "graduation_year": "graduation_year",
        "background": "background",
        "interests": "interests",
        "pain_points": "pain_points",
        "preferred_channels": "preferred_channels",
        "consent_to_contact": "consent_to_contact",
        "consent_date": "consent_date",
        "phone": "phone",
        "wechat": "wechat",
        "email": "email",
        "is_active": "is_active",
    }

    def resolve(self, ctx, rows):
        hospitals = HospitalIndex()
        hospital_ids, exts, names = set(), set(), set()
        for row in rows:
            if not row.ok:
                continue
            hid = hospitals.find(ctx, row)
            row.values["hospital_id"] = hid
            if hid is not None:
                hospital_ids.add(hid)
                names.add(row.get("name"))
            if row.get("external_id") is not None:
                exts.add(row.get("external_id"))
        departments = {
            (hid, _name(name)): pk
            for pk, hid, name in select(
                m.Department, ["id", "hospital_id", "name"], "hospital_id = ANY(%s)", [list(hospital_ids)]
            )
        }
        self._territories(ctx, rows)

        by_ext, ext_of = {}, {}
        by_hn, by_hdn = defaultdict(list), defaultdict(list)
        for pk, ext, hid, did, name in select(
            m.Doctor,
            ["id", "external_id", "hospital_id", "department_id", "name"],
            "external_id = ANY(%s) OR (hospital_id = ANY(%s) AND name = ANY(%s))",
            [list(exts), list(hospital_ids), list(names)],
        ):
            ext_of[pk] = ext
            if ext:
                by_ext[ext] = pk
            by_hn[(hid, _name(name))].append(pk)
            by_hdn[(hid, did, _name(name))].append(pk)

        seen_id, seen_ext, seen_key = {}, {}, {}
        for row in rows:
            if not row.ok:
                continue
            hid, name = row.get("hospital_id"), row.get("name")
            ext, dept = row.get("external_id"), row.get("department")
            did = departments.get((hid, dept)) if dept else None
            row.values["department_id"] = did
            if ext is not None and ext in seen_ext:
                ctx.error(row, "external_id", gettext_noop("the same external id as row %(row)s"), row=seen_ext[ext])
                continue
            if ext is not None and ext in by_ext:
                row.id = by_ext[ext]
            else:
                # No department in the row: the doctor of that name in any department of the hospital.
                candidates = by_hn.get((hid, name), []) if not dept else by_hdn.get((hid, did, name), [])
                if ext is not None:
                    candidates = [pk for pk in candidates if not ext_of[pk]]
                if len(candidates) > 1:
                    ctx.error(
                        row,
                        "name",
                        gettext_noop(
                            "several doctors named “%(value)s” already exist there: add the "
                            "department or an external id"
                        ),
                        value=name,
                    )
                    continue
                row.id = candidates[0] if candidates else None
            if ext is not None:
                seen_ext[ext] = row.number
            if row.id is not None:
                if row.id in seen_id:
                    ctx.error(row, "name", gettext_noop("the same doctor as row %(row)s"), row=seen_id[row.id])
                    continue
                seen_id[row.id] = row.number
            elif ext is None:
                key = (hid, dept, name)
                if key in seen_key:
                    ctx.error(
                        row,
                        "name",
                        gettext_noop(
                            "the same doctor as row %(row)s (add external ids to tell two doctors "
                            "of the same name apart)"
                        ),
                        row=seen_key[key],
                    )
                    continue
                seen_key[key] = row.number

    def _territories(self, ctx, rows):
        if "territories" not in ctx.headers:
            return
        by_code = {}
        for pk, code, name, level in select(Territory, ["id", "code", "name", "level"]):
            by_code[_name(code).lower()] = (pk, level)
            by_code.setdefault(_name(name).lower(), (pk, level))
        for row in rows:
            ids = []
            for code in row.get("territories") or ():
                pk, level = by_code.get(code.lower(), (None, None))
                if pk is None:
                    ctx.error(row, "territories", gettext_noop("no territory with code “%(value)s”"), value=code)
                elif level != TerritoryLevel.TERRITORY:
                    ctx.error(
                        row,
                        "territories",
                        gettext_noop("“%(value)s” is a region or district; doctors are aligned to territories"),
                        value=code,
                    )
                else:
                    ids.append(pk)
            row.values["territory_ids"] = ids

    def write(self, ctx, rows):
        new_departments = {}
        for row in rows:
            dept = row.get("department")
            if dept and row.get("department_id") is None:
                new_departments.setdefault((row.get("hospital_id"), dept), None)
        if new_departments:
            keys = list(new_departments)
            columns = {
                "hospital_id": [hid for hid, _ in keys],
                "name": [name for _, name in keys],
                "standard_code": [_standard_code(name) for _, name in keys],
            }
            writer = BulkUpsert(m.Department, list(columns), tenant_id=ctx.tenant_id)
            _, _, ids = writer.run([None] * len(keys), columns)
            new_departments.update(zip(keys, ids, strict=True))
            for row in rows:
                if row.get("department") and row.get("department_id") is None:
                    row.values["department_id"] = new_departments[(row.get("hospital_id"), row.get("department"))]
            ctx.note(gettext_noop("%(count)s new department(s) created"), count=len(keys))

        fields = _present(ctx, self.fields)
        fields["hospital_id"] = "hospital_id"
        # With the functions Doctor.save uses (they cache per name); computed chunk by chunk
        # by the writer, overlapping with the database's work.
        fields["name_pinyin"] = lambda r: name_pinyin(r.get("name"))
        fields["name_initials"] = lambda r: name_initials(r.get("name"))
        if "department" in ctx.headers:
            fields["department_id"] = "department_id"
        created, updated, counts = _write(ctx, m.Doctor, rows, fields)
        reason = "import"
        write_history(m.Doctor, created, history_type="+", user_id=ctx.user_id, reason=reason)
        write_history(m.Doctor, updated, history_type="~", user_id=ctx.user_id, reason=reason)

        pairs = [(row.id, tid) for row in rows for tid in row.get("territory_ids") or ()]
        added = insert_links(m.DoctorTerritory, pairs, ("doctor", "territory"), tenant_id=ctx.tenant_id)
        if added:
            ctx.note(gettext_noop("%(count)s doctor alignment(s) to territories added"), count=added)
        return counts


class SocietyPositions(Kind):
    spec = SPECS[m.ImportKind.SOCIETY_POSITIONS]

    def resolve(self, ctx, rows):
        doctors = DoctorIndex(ctx, [r for r in rows if r.ok], HospitalIndex())
        for row in rows:
            if row.ok:
                row.values["doctor_id"] = doctors.find(ctx, row)
        ids = list({r.get("doctor_id") for r in rows if r.ok})
        existing = {
            (did, _name(society)): pk
            for pk, did, society in select(
                m.SocietyPosition, ["id", "doctor_id", "society"], "doctor_id = ANY(%s)", [ids]
            )
        }
        match_keyed(ctx, rows, lambda r: (r.get("doctor_id"), r.get("society")), existing)

    def write(self, ctx, rows):
        fields = _present(ctx, {"level": "level", "position": "position", "since": "since"})
        fields.update({"doctor_id": "doctor_id", "society": "society"})
        return _write(ctx, m.SocietyPosition, rows, fields)[2]


class Relations(Kind):
    spec = SPECS[m.ImportKind.RELATIONS]

    def resolve(self, ctx, rows):
        ok = [r for r in rows if r.ok]
        doctors = DoctorIndex(ctx, ok, HospitalIndex(), prefixes=("", "related_"))
        ids = set()
        for row in ok:
            a, b = doctors.find(ctx, row), doctors.find(ctx, row, "related_")
            row.values["from_id"], row.values["to_id"] = a, b
            if row.ok and a == b:
                ctx.error(row, "related_doctor", gettext_noop("a doctor cannot be related to themselves"))
            ids.update((a, b))
        existing = {}
        for pk, a, b, kind in select(
            m.DoctorRelation,
            ["id", "from_doctor_id", "to_doctor_id", "kind"],
            "from_doctor_id = ANY(%s) OR to_doctor_id = ANY(%s)",
            [list(ids), list(ids)],
        ):
            existing[self._key(a, b, kind)] = pk
        match_keyed(ctx, rows, lambda r: self._key(r.get("from_id"), r.get("to_id"), r.get("kind")), existing)

    @staticmethod
    def _key(a, b, kind):
        if kind in SYMMETRIC_RELATIONS and a is not None and b is not None and a > b:
            a, b = b, a
        return (a, b, kind)

    def write(self, ctx, rows):
        fields = _present(ctx, {"strength": "strength", "source": "source"})
        # A matched symmetric relation may be stored the other way round: keep its direction.
        fields["from_doctor_id"] = lambda r: None if r.id else r.get("from_id")
        fields["to_doctor_id"] = lambda r: None if r.id else r.get("to_id")
        fields["kind"] = "kind"
        return _write(ctx, m.DoctorRelation, rows, fields)[2]


class Coverage(Kind):
    spec = SPECS[m.ImportKind.COVERAGE]

    def resolve(self, ctx, rows):
        hospitals, distributors, products = HospitalIndex(), DistributorIndex(), ProductIndex()
        for row in rows:
            if not row.ok:
                continue
            row.values["distributor_id"] = distributors.find(ctx, row)
            row.values["hospital_id"] = hospitals.find(ctx, row)
            row.values["product_id"] = products.find(ctx, row)
            since, until = row.get("since"), row.get("until")
            if since and until and until < since:
                ctx.error(row, "until", gettext_noop("ends before it starts (%(since)s)"), since=since.isoformat())
        dist_ids = list({r.get("distributor_id") for r in rows if r.ok})
        existing = {
            (d, h, p): pk
            for pk, d, h, p in select(
                m.DistributorCoverage,
                ["id", "distributor_id", "hospital_id", "product_id"],
                "distributor_id = ANY(%s)",
                [dist_ids],
            )
        }
        match_keyed(ctx, rows, lambda r: (r.get("distributor_id"), r.get("hospital_id"), r.get("product_id")), existing)

    def write(self, ctx, rows):
        fields = _present(ctx, {"since": "since", "until": "until"})
        fields.update({"distributor_id": "distributor_id", "hospital_id": "hospital_id", "product_id": "product_id"})
        return _write(ctx, m.DistributorCoverage, rows, fields)[2]


class Usage(Kind):
    spec = SPECS[m.ImportKind.USAGE]

    def resolve(self, ctx, rows):
        doctors = DoctorIndex(ctx, [r for r in rows if r.ok], HospitalIndex())
        products = ProductIndex()
        for row in rows:
            if row.ok:
                row.values["doctor_id"] = doctors.find(ctx, row)
                row.values["product_id"] = products.find(ctx, row)
        ok = [r for r in rows if r.ok]
        existing = {
            (d, p, period): pk
            for pk, d, p, period in select(
                m.UsageShare,
                ["id", "doctor_id", "product_id", "period"],
                "doctor_id = ANY(%s) AND period = ANY(%s)",
                [list({r.get("doctor_id") for r in ok}), list({r.get("period") for r in ok})],
            )
        }
        match_keyed(ctx, rows, lambda r: (r.get("doctor_id"), r.get("product_id"), r.get("period")), existing)

    def write(self, ctx, rows):
        fields = _present(ctx, {"volume": "volume"})
        fields.update({"doctor_id": "doctor_id", "product_id": "product_id", "period": "period", "share": "share"})
        return _write(ctx, m.UsageShare, rows, fields)[2]


def _resolve_dhp(ctx, rows):
    hospitals, distributors, products = HospitalIndex(), DistributorIndex(), ProductIndex()
    for row in rows:
        if row.ok:
            row.values["distributor_id"] = distributors.find(ctx, row)
            row.values["hospital_id"] = hospitals.find(ctx, row)
            row.values["product_id"] = products.find(ctx, row)
    return [r for r in rows if r.ok]


class Sales(Kind):
    spec = SPECS[m.ImportKind.SALES]
    values = ("sell_in_units", "sell_in_value", "sell_out_units", "sell_out_value")

    def resolve(self, ctx, rows):
        ok = _resolve_dhp(ctx, rows)
        existing = {
            key[1:]: key[0]
            for key in select(
                m.SalesRecord,
                ["id", "distributor_id", "hospital_id", "product_id", "month"],
                "distributor_id = ANY(%s) AND month = ANY(%s)",
                [list({r.get("distributor_id") for r in ok}), list({r.get("month") for r in ok})],
            )
        }
        match_keyed(
            ctx,
            rows,
            lambda r: (r.get("distributor_id"), r.get("hospital_id"), r.get("product_id"), r.get("month")),
            existing,
        )

    def write(self, ctx, rows):
        fields = _present(ctx, {v: v for v in self.values})
        fields.update(
            {
                "distributor_id": "distributor_id",
                "hospital_id": "hospital_id",
                "product_id": "product_id",
                "month": "month",
            }
        )
        return _write(ctx, m.SalesRecord, rows, fields)[2]


class Shipments(Kind):
    spec = SPECS[m.ImportKind.SHIPMENTS]

    def resolve(self, ctx, rows):
        ok = _resolve_dhp(ctx, rows)
        existing = {}
        for key in select(
            m.Shipment,
            ["id", "distributor_id", "hospital_id", "product_id", "lot_number", "shipped_on"],
            "lot_number = ANY(%s)",
            [list({r.get("lot_number") for r in ok})],
        ):
            existing.setdefault(key[1:], key[0])
        match_keyed(
            ctx,
            rows,
            lambda r: (
                r.get("distributor_id"),
                r.get("hospital_id"),
                r.get("product_id"),
                r.get("lot_number"),
                r.get("shipped_on"),
            ),
            existing,
        )

    def write(self, ctx, rows):
        fields = _present(ctx, {"expiry_date": "expiry_date"})
        fields.update(
            {
                "distributor_id": "distributor_id",
                "hospital_id": "hospital_id",
                "product_id": "product_id",
                "lot_number": "lot_number",
                "shipped_on": "shipped_on",
                "quantity": "quantity",
            }
        )
        return _write(ctx, m.Shipment, rows, fields)[2]


KINDS: dict[str, Kind] = {
    m.ImportKind.HOSPITALS: Hospitals(),
    m.ImportKind.DEPARTMENTS: Departments(),
    m.ImportKind.DOCTORS: Doctors(),
    m.ImportKind.SOCIETY_POSITIONS: SocietyPositions(),
    m.ImportKind.RELATIONS: Relations(),
    m.ImportKind.DISTRIBUTORS: Distributors(),
    m.ImportKind.COVERAGE: Coverage(),
    m.ImportKind.USAGE: Usage(),
    m.ImportKind.SALES: Sales(),
    m.ImportKind.SHIPMENTS: Shipments(),
}
