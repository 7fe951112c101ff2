"""Per kind: resolve references and match existing rows (``resolve``), then write (``write``).

Matching (documented for users in docs/import.md):

* a row with an external id updates the row that has it;
* else the natural key (hospitals/models): hospital — name; department — hospital + name;
  doctor — hospital + department + name (hospital + name when the row gives no department);
  distributor — name; society position — doctor + society; relation — both doctors + kind
  (either direction for classmate, co-author, colleague); coverage — distributor + hospital +
  product; usage share — doctor + product + month; sales — distributor + hospital + product +
  month; shipment — distributor + hospital + product + lot + ship date; aliases — hospital;
* an ambiguous match, or two rows of the file for the same record, is an error of that row;
* **no silent merge**: a doctor row with an external id that no doctor has, which matches by
  hospital + department + name a doctor *without* an external id (or, giving a department,
  one with none stored), is a *probable match*: the import's policy, chosen before it runs,
  says whether to list it for a decision (nothing is imported), update that doctor or create
  a new one.

Every row takes part in every check, also a row whose cells had errors (a bad cell's value is
empty and skips only the checks that need it), so one report holds all the errors.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext_noop

from accounts.models import Territory, TerritoryLevel
from hospitals import dictionary
from hospitals import models as m
from hospitals.imports.engine import ParsedRow
from hospitals.imports.references import (
    Context,
    DepartmentIndex,
    DistributorIndex,
    DoctorIndex,
    HospitalIndex,
    NamedIndex,
    ProductIndex,
    doctors_matching,
    name_key,
    select,
)
from hospitals.imports.specs import SPECS, Spec
from hospitals.imports.writer import BulkUpsert, insert_links, write_history
from hospitals.pinyin import name_initials, name_pinyin

SYMMETRIC_RELATIONS = {m.RelationKind.CLASSMATE, m.RelationKind.COAUTHOR, m.RelationKind.COLLEAGUE}


@dataclasses.dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- matching ------------------------------------------------------------------------------


def match_named(ctx: Context, rows: list[ParsedRow], index: NamedIndex, *, taken: str):
    """Match rows of a kind whose name is unique (hospitals, distributors), by external id, else name."""
    seen_name: dict[str, int] = {}
    seen_ext: dict[str, int] = {}
    for row in rows:
        name, ext = row.get("name"), row.get("external_id")
        if ext is not None and ext in seen_ext:
            ctx.error(row, "external_id", gettext_noop("the same external id as row %(row)s"), row=seen_ext[ext])
            continue
        if name is None:
            continue
        key = name_key(name)
        if key in seen_name:
            ctx.error(row, "name", gettext_noop("the same name as row %(row)s"), row=seen_name[key])
            continue
        seen_name[key] = row.number
        if ext is not None:
            seen_ext[ext] = row.number
        by_name = index.by_name.get(key)
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
    """Match rows by a natural key computed by ``key_of(row)`` against ``existing`` (key → id).

    A key with an unknown part (None: a reference not found, a bad cell) matches nothing.
    """
    seen: dict = {}
    for row in rows:
        key = key_of(row)
        if any(part is None for part in key):
            continue
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
        fields = _present(ctx, self.fields)
        if "aliases" in fields:
            # Aliases add to what the hospital has; an import never removes one.
            matched = [r.id for r in rows if r.id]
            stored = dict(select(m.Hospital, ["id", "aliases"], "id = ANY(%s::bigint[])", [matched]))
            fields["aliases"] = lambda r: _union(stored.get(r.id), r.get("aliases"), r.get("name"))
        return _write(ctx, m.Hospital, rows, fields)[2]


def _union(stored, new, name=None):
    if new is None:
        return None
    merged = list(dict.fromkeys([*(stored or ()), *(a for a in new if a != name)]))
    return merged if merged != list(stored or ()) else None


class Aliases(Kind):
    """Hospital aliases and abbreviations (and campus names) added to the hospitals they name."""

    spec = SPECS[m.ImportKind.ALIASES]

    def resolve(self, ctx, rows):
        hospitals = HospitalIndex()
        owner: dict[str, tuple[int, int]] = {}
        for row in rows:
            hid = hospitals.find(ctx, row)
            row.values["hospital_id"] = hid
            if hid is None:
                continue
            for alias in row.get("aliases") or ():
                key = name_key(alias)
                other = hospitals.by_name.get(key)
                if other is not None and other != hid:
                    ctx.error(
                        row, "aliases", gettext_noop("“%(value)s” is the name of another hospital"), value=alias
                    )
                elif key in owner and owner[key][0] != hid:
                    ctx.error(
                        row, "aliases", gettext_noop("row %(row)s gives this alias to another hospital"),
                        row=owner[key][1],
                    )  # fmt: skip
                else:
                    owner[key] = (hid, row.number)

    def write(self, ctx, rows):
        # One row per hospital: a file may give a hospital's aliases on several rows.
        per_hospital: dict[int, ParsedRow] = {}
        for row in rows:
            hid = row.get("hospital_id")
            first = per_hospital.setdefault(hid, ParsedRow(row.number, {"aliases": []}))
            first.id = hid
            first.values["aliases"] += [a for a in row.get("aliases") or () if a not in first.values["aliases"]]
        merged = list(per_hospital.values())
        stored = {
            pk: (name, aliases)
            for pk, name, aliases in select(
                m.Hospital, ["id", "name", "aliases"], "id = ANY(%s::bigint[])", [list(per_hospital)]
            )
        }
        fields = {"aliases": lambda r: _union(stored[r.id][1], r.get("aliases"), stored[r.id][0])}
        return _write(ctx, m.Hospital, merged, fields)[2]


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


class Departments(Kind):
    spec = SPECS[m.ImportKind.DEPARTMENTS]

    def resolve(self, ctx, rows):
        hospitals = HospitalIndex()
        for row in rows:
            row.values["hospital_id"] = hospitals.find(ctx, row)
        hospital_ids = list({r.get("hospital_id") for r in rows} - {None})
        existing = {
            (hid, dictionary.key(name)): pk
            for pk, hid, name in select(
                m.Department, ["id", "hospital_id", "name"], "hospital_id = ANY(%s::bigint[])", [hospital_ids]
            )
        }
        self.codes = dictionary.department_dictionary(tenant=ctx.tenant_id)
        match_keyed(ctx, rows, lambda r: (r.get("hospital_id"), dictionary.key(r.get("name") or "")), existing)

    def write(self, ctx, rows):
        fields = {
            "hospital_id": "hospital_id",
            "name": "name",
            "standard_code": lambda r: r.get("standard_code")
            or (None if r.id else dictionary.standard_code_of(r.get("name"), self.codes)),
        }
        return _write(ctx, m.Department, rows, fields)[2]


class Doctors(Kind):
    """Doctors; departments through the dictionary; probable matches by the import's policy."""

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
        "office_phone": "office_phone",
        "wechat": "wechat",
        "email": "email",
        "campus": "campus",
        "is_active": "is_active",
    }

    def resolve(self, ctx, rows):
        hospitals = HospitalIndex()
        hospital_ids, exts, names = set(), set(), set()
        for row in rows:
            hid = hospitals.find(ctx, row)
            row.values["hospital_id"] = hid
            if row.get("campus") is None and row.get("_campus"):
                row.values["campus"] = row.get("_campus")
            if hid is not None and row.get("name") is not None:
                hospital_ids.add(hid)
                names.add(row.get("name"))
            if row.get("external_id") is not None:
                exts.add(row.get("external_id"))
        self.departments = DepartmentIndex(ctx, hospital_ids)
        self._departments(ctx, rows)
        self._territories(ctx, rows)

        by_ext, ext_of, dept_of, name_of = {}, {}, {}, {}
        by_hn = defaultdict(list)
        for pk, ext, hid, did, name, merged_into in doctors_matching(exts, hospital_ids, names):
            if ext:
                by_ext[ext] = merged_into or pk
            if merged_into is None:
                ext_of[pk], dept_of[pk], name_of[pk] = ext, did, name
                by_hn[(hid, name_key(name))].append(pk)

        policy = ctx.options.get("probable_matches") or m.ProbableMatchPolicy.ASK
        seen_id, seen_ext, seen_key = {}, {}, {}
        for row in rows:
            hid, name = row.get("hospital_id"), row.get("name")
            ext, dept, did = row.get("external_id"), row.get("department"), row.get("department_id")
            if ext is not None and ext in seen_ext:
                ctx.error(row, "external_id", gettext_noop("the same external id as row %(row)s"), row=seen_ext[ext])
                continue
            if ext is not None:
                seen_ext[ext] = row.number
            if ext is not None and ext in by_ext:
                row.id = by_ext[ext]
            elif hid is None or name is None or (dept and did is None and not row.get("_new_department")):
                continue  # the hospital or department is unknown (reported): nothing to match
            else:
                same_name = by_hn.get((hid, name_key(name)), [])
                # No department in the row: the doctor of that name in any department of the hospital.
                candidates = [pk for pk in same_name if not dept or dept_of[pk] == did]
                if ext is None:
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
                    if candidates and ext_of[candidates[0]]:
                        # A row without an external id never silently takes over a doctor who
                        # has one (an agency's list naming a doctor of the company's master).
                        if not self._decide(ctx, row, candidates, policy, name_of, dept_of, ext_of):
                            continue
                    else:
                        row.id = candidates[0] if candidates else None
                else:
                    # A new external id: the doctors of that name without one are probable
                    # matches (with the department, also one stored without a department).
                    probable = [
                        pk for pk in same_name if not ext_of[pk] and (not dept or dept_of[pk] in (did, None))
                    ]
                    if probable and not self._decide(ctx, row, probable, policy, name_of, dept_of, ext_of):
                        continue
            if row.id is not None:
                if row.id in seen_id:
                    ctx.error(row, "name", gettext_noop("the same doctor as row %(row)s"), row=seen_id[row.id])
                    continue
                seen_id[row.id] = row.number
            elif ext is None and hid is not None and name is not None:
                key = (hid, did or dept, name_key(name))
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

    def _decide(self, ctx, row, probable, policy, name_of, dept_of, ext_of) -> bool:
        """Apply the policy to a probable match; False when the row waits for a decision."""
        if len(probable) > 1 or policy == m.ProbableMatchPolicy.ASK:
            for pk in probable:
                ctx.decisions.append(
                    {
                        "row": row.number,
                        "doctor": pk,
                        "name": name_of[pk],
                        "department": self.departments.name_of.get(dept_of[pk], ""),
                        "external_id": row.get("external_id"),
                        "stored_external_id": ext_of[pk],
                        "several": len(probable) > 1,
                    }
                )
            row.ok = False
            return False
        if policy == m.ProbableMatchPolicy.UPDATE:
            row.id = probable[0]
            ctx.note_rows(row, "name", gettext_noop("%(count)s probable match(es) updated, as chosen (rows %(rows)s)"))
        else:
            ctx.note_rows(
                row, "name", gettext_noop("%(count)s new doctor(s) beside a probable match, as chosen (rows %(rows)s)")
            )
        return True

    def _departments(self, ctx, rows):
        """The department of each row: the hospital's, through the dictionary, or new (by policy)."""
        if "department" not in ctx.headers:
            return
        create = ctx.options.get("new_departments") == m.NewDepartmentPolicy.CREATE
        seen: dict[tuple, tuple] = {}  # (hospital, text) → lookup, once per distinct pair
        for row in rows:
            hid, text = row.get("hospital_id"), row.get("department")
            if hid is None or text is None:
                continue
            found = seen.get((hid, text))
            if found is None:
                found = seen[(hid, text)] = self.departments.lookup(hid, text)
            ids, code = found
            if len(ids) == 1:
                row["department_id"] = ids[0]
                name = self.departments.name_of[ids[0]]
                if name != text and dictionary.key(name) != dictionary.key(text):
                    ctx.note_rows(
                        row,
                        "department",
                        gettext_noop("“%(value)s” is the department %(name)s (dictionary; rows %(rows)s)"),
                        value=text,
                        name=name,
                    )
            elif ids:
                names = "、".join(sorted(self.departments.name_of[pk] for pk in ids))
                ctx.error(
                    row,
                    "department",
                    gettext_noop("“%(value)s” could be any of the departments %(names)s there: write which"),
                    value=text,
                    names=names,
                )
            elif code:
                # A known department the hospital does not have yet: created under its standard name.
                row.values["_new_department"] = (m.STANDARD_DEPARTMENTS[code], code)
            elif create:
                row.values["_new_department"] = (text, "")
            else:
                ctx.unknown(
                    row,
                    "department",
                    "department",
                    text,
                    self.departments.suggest(text),
                    gettext_noop(
                        "unknown department “%(value)s”: not in the department dictionary (or choose to create "
                        "new departments)"
                    ),
                    gettext_noop("unknown department “%(value)s”: did you mean %(suggestion)s?"),
                )

    def _territories(self, ctx, rows):
        if "territories" not in ctx.headers:
            return
        by_code = {}
        for pk, code, name, level in select(Territory, ["id", "code", "name", "level"]):
            by_code[name_key(code)] = (pk, level)
            by_code.setdefault(name_key(name), (pk, level))
        for row in rows:
            ids = []
            for code in row.get("territories") or ():
                pk, level = by_code.get(name_key(code), (None, None))
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
            if row.get("department_id") is None and row.get("_new_department"):
                new_departments.setdefault((row.get("hospital_id"), row.get("_new_department")), None)
        if new_departments:
            keys = list(new_departments)
            columns = {
                "hospital_id": [hid for hid, _ in keys],
                "name": [name for _, (name, _) in keys],
                "standard_code": [code for _, (_, code) in keys],
            }
            writer = BulkUpsert(m.Department, list(columns), tenant_id=ctx.tenant_id)
            _, _, ids = writer.run([None] * len(keys), columns)
            new_departments.update(zip(keys, ids, strict=True))
            for row in rows:
                if row.get("department_id") is None and row.get("_new_department"):
                    row.values["department_id"] = new_departments[(row.get("hospital_id"), row.get("_new_department"))]
            ctx.note(gettext_noop("%(count)s new department(s) created"), count=len(keys))

        fields = _present(ctx, self.fields)
        phones = [k for k in ("phone", "office_phone") if k in fields]
        if phones:
            # The written form changes with the number: the same number written otherwise keeps its own.
            matched = [r.id for r in rows if r.id is not None]
            stored = {r[0]: r[1:] for r in select(m.Doctor, ["id", *phones], "id = ANY(%s::bigint[])", [matched])}
            for i, key in enumerate(phones):
                fields[f"{key}_display"] = lambda r, i=i, key=key: (
                    None if r.id in stored and stored[r.id][i] == r.get(key) else r.get(f"{key}_display")
                )
        if "campus" not in fields and any(r.get("campus") for r in rows):
            fields["campus"] = "campus"
        if "academic_title" not in fields and any(r.get("academic_title") is not None for r in rows):
            fields["academic_title"] = "academic_title"  # given by the title column (主任医师/教授)
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
        doctors = DoctorIndex(ctx, rows, HospitalIndex())
        for row in rows:
            row.values["doctor_id"] = doctors.find(ctx, row)
        ids = list({r.get("doctor_id") for r in rows} - {None})
        existing = {
            (did, name_key(society)): pk
            for pk, did, society in select(
                m.SocietyPosition, ["id", "doctor_id", "society"], "doctor_id = ANY(%s::bigint[])", [ids]
            )
        }
        match_keyed(ctx, rows, lambda r: (r.get("doctor_id"), name_key(r.get("society"))), existing)

    def write(self, ctx, rows):
        fields = _present(ctx, {"level": "level", "position": "position", "since": "since"})
        fields.update({"doctor_id": "doctor_id", "society": "society"})
        return _write(ctx, m.SocietyPosition, rows, fields)[2]


class Relations(Kind):
    spec = SPECS[m.ImportKind.RELATIONS]

    def resolve(self, ctx, rows):
        doctors = DoctorIndex(ctx, rows, HospitalIndex(), prefixes=("", "related_"))
        ids = set()
        for row in rows:
            a, b = doctors.find(ctx, row), doctors.find(ctx, row, "related_")
            row.values["from_id"], row.values["to_id"] = a, b
            if a is not None and a == b:
                ctx.error(row, "related_doctor", gettext_noop("a doctor cannot be related to themselves"))
            ids.update((a, b))
        ids.discard(None)
        existing = {}
        for pk, a, b, kind in select(
            m.DoctorRelation,
            ["id", "from_doctor_id", "to_doctor_id", "kind"],
            "from_doctor_id = ANY(%s::bigint[]) OR to_doctor_id = ANY(%s::bigint[])",
            [list(ids), list(ids)],
        ):
            existing[self._key(a, b, kind)] = pk
        match_keyed(
            ctx,
            [r for r in rows if r.get("to_id") is not None],
            lambda r: self._key(r.get("from_id"), r.get("to_id"), r.get("kind")),
            existing,
        )

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


def _resolve_dhp(ctx, rows):
    hospitals, distributors, products = HospitalIndex(), DistributorIndex(), ProductIndex()
    for row in rows:
        row.values["distributor_id"] = distributors.find(ctx, row)
        row.values["hospital_id"] = hospitals.find(ctx, row)
        row.values["product_id"] = products.find(ctx, row)
    return rows


class Coverage(Kind):
    spec = SPECS[m.ImportKind.COVERAGE]

    def resolve(self, ctx, rows):
        _resolve_dhp(ctx, rows)
        for row in rows:
            since, until = row.get("since"), row.get("until")
            if since and until and until < since:
                ctx.error(row, "until", gettext_noop("ends before it starts (%(since)s)"), since=since.isoformat())
        dist_ids = list({r.get("distributor_id") for r in rows} - {None})
        existing = {
            (d, h, p): pk
            for pk, d, h, p in select(
                m.DistributorCoverage,
                ["id", "distributor_id", "hospital_id", "product_id"],
                "distributor_id = ANY(%s::bigint[])",
                [dist_ids],
            )
        }
        # An empty product is "all products" (``...`` in the key); a product not found matches nothing.
        has_product = [r for r in rows if r.get("product_id") is not None or not _names_product(r)]
        match_keyed(
            ctx,
            has_product,
            lambda r: (r.get("distributor_id"), r.get("hospital_id"), r.get("product_id") or ...),
            {(d, h, p or ...): pk for (d, h, p), pk in existing.items()},
        )

    def write(self, ctx, rows):
        fields = _present(ctx, {"since": "since", "until": "until"})
        fields.update({"distributor_id": "distributor_id", "hospital_id": "hospital_id", "product_id": "product_id"})
        return _write(ctx, m.DistributorCoverage, rows, fields)[2]


def _names_product(row) -> bool:
    return row.get("product") is not None or row.get("product_generic") is not None


class Usage(Kind):
    spec = SPECS[m.ImportKind.USAGE]

    def resolve(self, ctx, rows):
        doctors = DoctorIndex(ctx, rows, HospitalIndex())
        products = ProductIndex()
        for row in rows:
            row.values["doctor_id"] = doctors.find(ctx, row)
            row.values["product_id"] = products.find(ctx, row)
        found = [r for r in rows if r.get("doctor_id") is not None]
        existing = {
            (d, p, period): pk
            for pk, d, p, period in select(
                m.UsageShare,
                ["id", "doctor_id", "product_id", "period"],
                "doctor_id = ANY(%s::bigint[]) AND period = ANY(%s)",
                [list({r.get("doctor_id") for r in found}), list({r.get("period") for r in found} - {None})],
            )
        }
        match_keyed(
            ctx,
            [r for r in found if r.get("product_id") is not None and r.get("period") is not None],
            lambda r: (r.get("doctor_id"), r.get("product_id"), r.get("period")),
            existing,
        )

    def write(self, ctx, rows):
        fields = _present(ctx, {"volume": "volume"})
        fields.update({"doctor_id": "doctor_id", "product_id": "product_id", "period": "period", "share": "share"})
        return _write(ctx, m.UsageShare, rows, fields)[2]


def _complete(rows, *keys):
    return [r for r in rows if all(r.get(k) is not None for k in keys)]


class Sales(Kind):
    spec = SPECS[m.ImportKind.SALES]
    values = ("sell_in_units", "sell_in_value", "sell_out_units", "sell_out_value")

    def resolve(self, ctx, rows):
        _resolve_dhp(ctx, rows)
        keys = ("distributor_id", "hospital_id", "product_id", "month")
        found = _complete(rows, *keys)
        existing = {
            key[1:]: key[0]
            for key in select(
                m.SalesRecord,
                ["id", *keys],
                "distributor_id = ANY(%s::bigint[]) AND month = ANY(%s)",
                [list({r.get("distributor_id") for r in found}), list({r.get("month") for r in found})],
            )
        }
        match_keyed(ctx, found, lambda r: tuple(r.get(k) for k in keys), existing)

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
        _resolve_dhp(ctx, rows)
        keys = ("distributor_id", "hospital_id", "product_id", "lot_number", "shipped_on")
        found = _complete(rows, *keys)
        for row in rows:
            shipped, expiry = row.get("shipped_on"), row.get("expiry_date")
            if shipped and expiry and expiry < shipped:
                ctx.error(
                    row,
                    "expiry_date",
                    gettext_noop("the lot expired (%(expiry)s) before it was shipped"),
                    expiry=expiry.isoformat(),
                )
        existing = {}
        for key in select(
            m.Shipment, ["id", *keys], "lot_number = ANY(%s)", [list({r.get("lot_number") for r in found})]
        ):
            existing.setdefault(key[1:], key[0])
        match_keyed(ctx, found, lambda r: tuple(r.get(k) for k in keys), existing)

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
    m.ImportKind.ALIASES: Aliases(),
}
