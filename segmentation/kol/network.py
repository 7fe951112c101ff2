"""The doctors' network seen from the company: introduction paths to a target doctor, the 2-hop
neighbourhood (for the network view and invitation lists), both computed in PostgreSQL.

**Introduction paths.** A recursive CTE walks the relation graph *from the target* (one doctor,
so the walk stays small: about d + d² + d³ rows for an average degree d, each step two index
probes — ``(tenant, from_doctor, …)`` and ``(tenant, to_doctor)``), never revisiting a doctor on
the same path, to at most :data:`MAX_DEPTH` hops. The walk's ends are joined to the *sources*:
doctors the company already has a good relationship with (adoption stage loyal or advocate for
the product, through the unique ``(tenant, doctor, product)`` index), or a chosen set of doctors.
One path per source is kept — fewest hops first, then the strongest: a path's strength is the
product of its edges' weights, ``kind weight × strength / 5`` (:data:`KIND_WEIGHTS`).

Relations are stored once per pair for symmetric kinds and as mentor → student for mentorships;
the walk follows them both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from crm.db.base import apply_tenant_settings
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, DoctorRelation, DoctorTerritory, RelationKind

MAX_DEPTH = 3

# How much a relation of each kind helps an introduction (× strength / 5 on each edge).
KIND_WEIGHTS = {
    RelationKind.MENTOR: 1.0,
    RelationKind.CLASSMATE: 0.9,
    RelationKind.COAUTHOR: 0.8,
    RelationKind.COLLEAGUE: 0.7,
    RelationKind.REFERRAL: 0.6,
}

GOOD_STAGES = ("loyal", "advocate")


def _weight_case(alias: str) -> str:
    whens = " ".join(f"WHEN '{kind.value}' THEN {weight}" for kind, weight in KIND_WEIGHTS.items())
    return f"(CASE {alias}.kind {whens} ELSE 0.5 END)"


def _tables():
    return DoctorRelation._meta.db_table, _adoption_table()


def _adoption_table():
    from segmentation.models import Adoption

    return Adoption._meta.db_table


def _walk_sql(relation_table: str) -> str:
    """The recursive walk from %(target)s, up to %(depth)s hops, both directions of each edge."""
    return f"""
    WITH RECURSIVE walk(node, path, kinds, strengths, score, depth) AS (
        SELECT %(target)s::bigint, ARRAY[%(target)s::bigint], ARRAY[]::varchar[], ARRAY[]::int[],
               1.0::float8, 0
      UNION ALL
        SELECT e.other, w.path || e.other, w.kinds || e.kind::varchar, w.strengths || e.strength::int,
               w.score * {_weight_case("e")} * e.strength / 5.0, w.depth + 1
        FROM walk w
        CROSS JOIN LATERAL (
            SELECT r.from_doctor_id AS other, r.kind, r.strength FROM {relation_table} r
             WHERE r.tenant_id = %(tenant)s AND r.to_doctor_id = w.node
            UNION ALL
            SELECT r.to_doctor_id AS other, r.kind, r.strength FROM {relation_table} r
             WHERE r.tenant_id = %(tenant)s AND r.from_doctor_id = w.node
        ) e
        WHERE w.depth < %(depth)s AND e.other <> ALL(w.path)
    )"""  # noqa: S608  (table names come from the models)


@dataclass
class PathStep:
    """One doctor on a path, with the relation that leads from them towards the target."""

    doctor: Doctor
    relation: str = ""  # the kind of the edge to the next doctor ("" for the target)
    strength: int = 0
    reps: list = field(default_factory=list)  # users covering this doctor (territory assignment)


@dataclass
class IntroPath:
    """A path from a source doctor (first) to the target (last)."""

    steps: list[PathStep]
    score: float
    hops: int

    @property
    def source(self):
        return self.steps[0].doctor

    @property
    def intermediates(self):
        return self.steps[1:-1]


def path_rows(*, tenant, target_id: int, product_id=None, source_ids=None, depth=MAX_DEPTH, limit=10):
    """The raw best paths: ``[(path ids target→source, kinds, strengths, score, hops)]``, one per
    source, fewest hops then strongest first. Sources: ``source_ids`` if given, else the doctors
    loyal to or advocates of ``product_id``."""
    tid = tenant_id_of(tenant)
    depth = max(1, min(int(depth), MAX_DEPTH))
    relation_table, adoption_table = _tables()
    params = {"tenant": tid, "target": int(target_id), "depth": depth, "limit": int(limit)}
    if source_ids is not None:
        params["sources"] = [int(i) for i in source_ids]
        join = "WHERE w.node = ANY(%(sources)s::bigint[])"
    else:
        params["product"] = int(product_id)
        params["stages"] = list(GOOD_STAGES)
        join = (
            f"JOIN {adoption_table} a ON a.tenant_id = %(tenant)s AND a.doctor_id = w.node "  # noqa: S608
            "AND a.product_id = %(product)s AND a.stage = ANY(%(stages)s::varchar[])"
        )
    sql = (  # table names from the models, values as parameters
        _walk_sql(relation_table)  # noqa: S608
        + f"""
    SELECT path, kinds, strengths, score, depth FROM (
        SELECT DISTINCT ON (w.node) w.path, w.kinds, w.strengths, w.score, w.depth
        FROM walk w {join}
        {"AND" if source_ids is not None else "WHERE"} w.depth > 0
        ORDER BY w.node, w.depth, w.score DESC
    ) best
    ORDER BY depth, score DESC, path
    LIMIT %(limit)s"""  # noqa: S608
    )
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def covering_reps(*, tenant, doctor_ids) -> dict[int, list]:
    """Doctor id → the users (reps) covering the doctor through their territories."""
    from accounts.models import TerritoryAssignment, User

    tid = tenant_id_of(tenant)
    links = list(
        DoctorTerritory.objects.for_tenant(tid)
        .filter(doctor_id__in=list(doctor_ids))
        .values_list("doctor_id", "territory_id")
    )
    by_territory = {}
    for user_id, territory_id in (
        TerritoryAssignment.objects.for_tenant(tid)
        .filter(territory_id__in={t for _, t in links})
        .values_list("user_id", "territory_id")
    ):
        by_territory.setdefault(territory_id, set()).add(user_id)
    users = User.objects.in_tenant(tid).in_bulk({u for us in by_territory.values() for u in us})
    result: dict[int, list] = {}
    for doctor_id, territory_id in links:
        for user_id in sorted(by_territory.get(territory_id, ())):
            if users.get(user_id) is not None and users[user_id] not in result.setdefault(doctor_id, []):
                result[doctor_id].append(users[user_id])
    return result


def introduction_paths(
    *, tenant, target, product=None, source_ids=None, depth=MAX_DEPTH, limit=10, visible_ids=None
) -> list[IntroPath]:
    """Paths from doctors the company has a good relationship with to ``target``, shortest and
    strongest first, each step with the reps covering that doctor. ``visible_ids`` (a set), when
    given, drops paths through doctors the user may not see."""
    rows = path_rows(
        tenant=tenant,
        target_id=target.pk,
        product_id=getattr(product, "pk", product),
        source_ids=source_ids,
        depth=depth,
        limit=limit * 3 if visible_ids is not None else limit,
    )
    if visible_ids is not None:
        rows = [r for r in rows if all(i in visible_ids for i in r[0][1:])][:limit]
    ids = {i for r in rows for i in r[0]}
    doctors = Doctor.objects.for_tenant(tenant_id_of(tenant)).select_related("hospital", "department").in_bulk(ids)
    reps = covering_reps(tenant=tenant, doctor_ids=ids)
    paths = []
    for path, kinds, strengths, score, hops in rows:
        # path is target → … → source: show it from the source.
        ids_from_source = list(reversed(path))
        kinds_from_source = list(reversed(kinds))
        strengths_from_source = list(reversed(strengths))
        steps = [
            PathStep(
                doctor=doctors[doctor_id],
                relation=kinds_from_source[i] if i < len(kinds_from_source) else "",
                strength=strengths_from_source[i] if i < len(strengths_from_source) else 0,
                reps=reps.get(doctor_id, []),
            )
            for i, doctor_id in enumerate(ids_from_source)
            if doctor_id in doctors
        ]
        paths.append(IntroPath(steps=steps, score=round(score, 3), hops=hops))
    return paths


def neighbourhood(*, tenant, center_id: int, hops: int = 2, max_nodes: int = 150) -> dict[int, int]:
    """``{doctor_id: hops}`` of the doctors within ``hops`` (≤ 2) of ``center_id`` (the centre at
    0), nearest and strongest first, at most ``max_nodes``."""
    tid = tenant_id_of(tenant)
    relation_table = DoctorRelation._meta.db_table
    sql = (
        _walk_sql(relation_table)  # noqa: S608
        + """
    SELECT node, depth FROM (
        SELECT DISTINCT ON (node) node, depth, score FROM walk ORDER BY node, depth, score DESC
    ) n ORDER BY depth, score DESC, node LIMIT %(limit)s"""  # noqa: S608
    )
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tenant": tid, "target": int(center_id), "depth": max(1, min(hops, 2)),
                             "limit": max_nodes})  # fmt: skip
        return dict(cursor.fetchall())


def edges_among(*, tenant, doctor_ids) -> list[tuple[int, int, str, int]]:
    """The relations whose both ends are in ``doctor_ids``: ``(from, to, kind, strength)``."""
    ids = list(doctor_ids)
    return list(
        DoctorRelation.objects.for_tenant(tenant_id_of(tenant))
        .filter(from_doctor_id__in=ids, to_doctor_id__in=ids)
        .values_list("from_doctor_id", "to_doctor_id", "kind", "strength")
    )
