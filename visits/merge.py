"""What a doctor merge (hospitals.steward) moves in visits: reports, plans, cycle-plan lines, tasks
and inquiries. Registered from VisitsConfig.ready() (hospitals never imports visits).

A submitted visit report is locked in the database (migration 0003): it moves to the kept
doctor only with an amendment per report, which records the change of doctor, who made it
and why — as a reversal does.
"""

from __future__ import annotations

from django.db import connection

from hospitals.steward.hooks import DoctorReference, register, register_doctor_reference
from visits.models import CyclePlanLine, FollowUpTask, MedicalInquiry, Visit, VisitAmendment, VisitPlan, VisitStatus


def _set_doctor(tenant, by, visit_ids, from_id, to_id, reason):
    visits = Visit.objects.for_tenant(tenant)
    drafts = list(visits.filter(pk__in=visit_ids).exclude(status=VisitStatus.SUBMITTED).values_list("pk", flat=True))
    visits.filter(pk__in=drafts).update(doctor_id=to_id)
    for pk in visits.filter(pk__in=visit_ids, status=VisitStatus.SUBMITTED).values_list("pk", flat=True):
        amendment = VisitAmendment.objects.create(
            tenant_id=tenant, visit_id=pk, by=by, reason=reason, changes={"doctor": {"from": from_id, "to": to_id}}
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.visit_amendment', %s, true)", [str(amendment.pk)])
        try:
            visits.filter(pk=pk).update(doctor_id=to_id)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.visit_amendment', '', true)")


def _move_visits(tenant, by, survivor_id, merged_id):
    ids = list(Visit.objects.for_tenant(tenant).filter(doctor_id=merged_id).values_list("pk", flat=True))
    _set_doctor(tenant, by, ids, merged_id, survivor_id, f"doctor #{merged_id} merged into #{survivor_id}")
    return ids, 0


def _revert_visits(tenant, by, moved, survivor_id, merged_id):
    reason = f"merge of doctor #{merged_id} into #{survivor_id} reversed"
    _set_doctor(tenant, by, list(moved), survivor_id, merged_id, reason)


def register_visit_references() -> None:
    register(
        DoctorReference(
            label="visits.Visit.doctor", move=_move_visits, revert=_revert_visits, model=Visit, field="doctor"
        )
    )
    register_doctor_reference(VisitPlan)
    register_doctor_reference(CyclePlanLine, unique_with=("plan_id",))
    register_doctor_reference(FollowUpTask)
    register_doctor_reference(MedicalInquiry)
