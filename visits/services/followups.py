"""Follow-up: the tenant's rules applied to a submitted visit exactly once, tasks completed and
reopened, and the daily reminders visits registers with the kernel's inbox."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import inbox
from crm.tenancy import tenant_id_of
from visits import hooks, selectors
from visits.models import (
    Assignee,
    FollowUpRule,
    FollowUpTask,
    FollowUpTrigger,
    InquiryStatus,
    MedicalInquiry,
    NotificationKind,
    PendingFollowUp,
    Priority,
    Signal,
    TaskStatus,
    Visit,
    VisitProduct,
    VisitStatus,
)
from visits.services._shared import (
    _managers_of,
    _pk,
)

# Default follow-up rules, inserted for a tenant the first time they are needed.
DEFAULT_RULES = [
    # trigger, assignee, due hours, priority, creates inquiry
    (FollowUpTrigger.NEXT_STEP, Assignee.VISIT_REP, 72, Priority.NORMAL, False),
    (FollowUpTrigger.LITERATURE_REQUEST, Assignee.MEDICAL_AFFAIRS, 72, Priority.NORMAL, False),
    (FollowUpTrigger.MEDICAL_QUESTION, Assignee.MEDICAL_AFFAIRS, 120, Priority.HIGH, True),
    (FollowUpTrigger.COMPLIANCE_QUESTION, Assignee.COMPLIANCE, 72, Priority.HIGH, False),
    (FollowUpTrigger.ADVERSE_EVENT, Assignee.PHARMACOVIGILANCE, 24, Priority.URGENT, False),
]


# --- follow-up -----------------------------------------------------------------------------


def followup_rules_ensure(*, tenant) -> None:
    """Insert the default follow-up rules the tenant does not have yet (ON CONFLICT DO NOTHING)."""
    tid = tenant_id_of(tenant)
    FollowUpRule.objects.bulk_create(
        [
            FollowUpRule(tenant_id=tid, trigger=t, assignee=a, due_hours=h, priority=p, creates_inquiry=i)
            for t, a, h, p, i in DEFAULT_RULES
        ],
        ignore_conflicts=True,
    )


def working_days_after(day: datetime.date, n: int, tenant=None) -> datetime.date:
    """The date ``n`` working days after ``day`` in China's working calendar (public holidays and
    make-up working days, crm.workdays), with ``tenant``'s own days when given (issue 15)."""
    from crm.workdays import add_workdays

    return add_workdays(day, n, tenant=tenant)


def _fires(rule: FollowUpRule, visit: Visit) -> bool:
    if rule.trigger == FollowUpTrigger.NEXT_STEP:
        return bool(visit.next_step.strip())
    return rule.trigger in visit.signals


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


def _task_text(rule, visit) -> tuple[str, str]:
    doctor = visit.doctor.name
    note = (visit.signal_notes or {}).get(rule.trigger, "")
    if rule.trigger == FollowUpTrigger.NEXT_STEP:
        return gettext("Next step with %(doctor)s: %(step)s") % {"doctor": doctor, "step": visit.next_step}, ""
    titles = {
        FollowUpTrigger.LITERATURE_REQUEST: gettext("Send literature to %(doctor)s"),
        FollowUpTrigger.MEDICAL_QUESTION: gettext("Answer the medical question of %(doctor)s"),
        FollowUpTrigger.COMPLIANCE_QUESTION: gettext("Answer the compliance question of %(doctor)s"),
        FollowUpTrigger.ADVERSE_EVENT: gettext("Adverse event mentioned by %(doctor)s: assess and report"),
        FollowUpTrigger.EVENT_INVITATION: gettext("Invitation of %(doctor)s to an event"),
        FollowUpTrigger.SAMPLE_REQUEST: gettext("Sample request of %(doctor)s"),
    }
    title = titles.get(rule.trigger, gettext("Follow up with %(doctor)s")) % {"doctor": doctor}
    detail = note or (visit.questions_raised if rule.trigger == FollowUpTrigger.MEDICAL_QUESTION else "")
    return title[:300], detail


def _assignee(rule, visit, settings_obj, manager_cache) -> tuple[str, int | None]:
    if rule.assignee == Assignee.VISIT_REP:
        return Assignee.VISIT_REP, visit.rep_id
    if rule.assignee == Assignee.PHARMACOVIGILANCE:
        return Assignee.PHARMACOVIGILANCE, settings_obj().pv_assignee_id
    if rule.assignee == Assignee.MANAGER:
        if "m" not in manager_cache:
            managers = _managers_of(tenant=visit.tenant_id, rep_id=visit.rep_id)
            manager_cache["m"] = managers[0].pk if len(managers) == 1 else None
        return Assignee.MANAGER, manager_cache["m"]
    return rule.assignee, None


def visit_followups_create(*, tenant, visit_id: int) -> int:
    """Apply the tenant's follow-up rules to a submitted visit; returns the tasks created now.

    Idempotent: tasks and the medical inquiry are inserted with ON CONFLICT DO NOTHING on their
    unique constraints, all in one transaction that also clears the outbox row. Running it
    again, or concurrently, creates nothing more. Five statements in the common case.
    """
    from django.conf import settings as dj_settings

    tid = tenant_id_of(tenant)
    with translation.override(dj_settings.LANGUAGE_CODE), transaction.atomic():
        visit = Visit.objects.for_tenant(tenant).select_related("doctor").filter(pk=visit_id).first()
        if visit is None or visit.status != VisitStatus.SUBMITTED:
            PendingFollowUp.objects.for_tenant(tenant).filter(visit_id=visit_id).delete()
            return 0
        all_rules = list(FollowUpRule.objects.for_tenant(tenant))
        if not all_rules:
            followup_rules_ensure(tenant=tid)
            all_rules = list(FollowUpRule.objects.for_tenant(tenant))
        rules = [r for r in all_rules if r.is_active and _fires(r, visit)]
        settings_cache = []

        def settings_obj():
            if not settings_cache:
                settings_cache.append(selectors.visit_settings(tenant=tid))
            return settings_cache[0]

        inquiry_id = None
        if any(r.creates_inquiry for r in rules):
            inquiry_id = _inquiry_for_visit(tenant, visit, settings_obj().inquiry_sla_days)
        base = visit.submitted_at or timezone.now()
        rows, managers = [], {}
        for rule in rules:
            title, detail = _task_text(rule, visit)
            role, user_id = _assignee(rule, visit, settings_obj, managers)
            if rule.trigger == FollowUpTrigger.NEXT_STEP and visit.next_step_due:
                due = _end_of_day(visit.next_step_due)
            else:
                due = base + datetime.timedelta(hours=rule.due_hours)
            inquiry = inquiry_id if rule.creates_inquiry else None
            rows.append(
                (tid, visit.pk, rule.pk, rule.trigger, visit.doctor_id, title, detail, role, user_id, inquiry, due)
                + (rule.priority, TaskStatus.OPEN, "", timezone.now())
            )
        created = []
        if rows:
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(rows[0])) + ")"] * len(rows))
            with connection.cursor() as cur:
                # Only "%s" placeholders are joined into the text; every value is a parameter.
                sql = (
                    "INSERT INTO visits_followuptask (tenant_id, visit_id, rule_id, kind, doctor_id, title, detail,"  # noqa: S608
                    " assignee_role, assignee_id, inquiry_id, due_at, priority, status, answer, created_at)"
                    f" VALUES {placeholders}"
                    " ON CONFLICT (tenant_id, visit_id, rule_id) DO NOTHING RETURNING assignee_id, title"
                )
                cur.execute(sql, [v for row in rows for v in row])
                created = cur.fetchall()
        inbox.notify_many(
            tenant=tid,
            items=[
                (user_id, NotificationKind.TASK_ASSIGNED, title, ("visit", visit.pk), "/visits/tasks/")
                for user_id, title in created
                if user_id and user_id != visit.rep_id
            ],
        )
        # The apps above (complaints) take in what they need of the report, under the same outbox.
        hooks.report_submitted(tenant=tid, visit=visit)
        PendingFollowUp.objects.for_tenant(tenant).filter(visit_id=visit_id).delete()
        return len(created)


def _inquiry_for_visit(tenant, visit, sla_days) -> int:
    """The medical inquiry of ``visit`` (created once: ON CONFLICT DO NOTHING on (tenant, visit))."""
    product_id = (
        VisitProduct.objects.for_tenant(tenant)
        .filter(visit=visit)
        .order_by("id")
        .values_list("product_id", flat=True)
        .first()
    )
    question = (visit.signal_notes or {}).get(Signal.MEDICAL_QUESTION) or visit.questions_raised or visit.feedback
    MedicalInquiry.objects.bulk_create(
        [
            MedicalInquiry(
                tenant_id=tenant_id_of(tenant),
                visit=visit,
                doctor_id=visit.doctor_id,
                product_id=product_id,
                question=question or gettext("(see the visit report)"),
                asked_by_id=visit.rep_id,
                received_at=visit.submitted_at,
                due_date=working_days_after(timezone.localtime(visit.submitted_at).date(), sla_days, tenant=tenant),
            )
        ],
        ignore_conflicts=True,
    )
    return MedicalInquiry.objects.for_tenant(tenant).filter(visit=visit).values_list("pk", flat=True).first()


@transaction.atomic
def followup_task_complete(*, tenant, by, task, answer: str = "") -> FollowUpTask:
    """Mark a task done with the answer; refused when it is not the user's to do or already done."""
    task = FollowUpTask.objects.for_tenant(tenant).select_for_update().get(pk=_pk(task))
    if not selectors.can_complete_task(tenant=tenant, user=by, task=task):
        raise ValidationError(_("This task is not yours to complete."))
    if task.status == TaskStatus.DONE:
        raise ValidationError(_("This task is already done."))
    if task.inquiry_id and task.inquiry.status == InquiryStatus.OPEN:
        # The task of a medical inquiry ends when the inquiry is answered; "done" beside an
        # unanswered inquiry past its SLA would tell the field the doctor has an answer.
        raise ValidationError(_("Answer the medical inquiry: its task is done with the answer."))
    if task.kind in (FollowUpTrigger.MEDICAL_QUESTION, FollowUpTrigger.ADVERSE_EVENT) and not answer.strip():
        raise ValidationError({"answer": _("Record the answer or the action taken.")})
    task.status = TaskStatus.DONE
    task.done_by = by
    task.done_at = timezone.now()
    task.answer = answer.strip()
    task.save(update_fields=["status", "done_by", "done_at", "answer"])
    return task


@transaction.atomic
def followup_task_reopen(*, tenant, by, task) -> FollowUpTask:
    """Reopen a task done by mistake (its assignee or an administrator)."""
    task = FollowUpTask.objects.for_tenant(tenant).select_for_update().get(pk=_pk(task))
    if not (selectors.can_complete_task(tenant=tenant, user=by, task=task) or by.role == Role.TENANT_ADMIN):
        raise ValidationError(_("This task is not yours to reopen."))
    task.status = TaskStatus.OPEN
    task.done_by = None
    task.done_at = None
    task.save(update_fields=["status", "done_by", "done_at"])
    return task


_REMINDER_SQL = {
    # Reports not submitted within the window: the author.
    "report_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT v.tenant_id, v.rep_id, 'report_overdue', %(text)s || d.name, '/visits/' || v.id || '/',
               'visit', v.id, %(day)s, false, now()
        FROM visits_visit v JOIN hospitals_doctor d ON d.id = v.doctor_id
        WHERE v.tenant_id = %(tenant)s AND v.status = 'draft' AND v.visited_at < %(overdue_before)s
        ON CONFLICT DO NOTHING
    """,
    # Tasks due today (assigned ones): the assignee.
    "task_due": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT t.tenant_id, t.assignee_id, 'task_due', %(text)s || t.title, '/visits/tasks/',
               'followuptask', t.id, %(day)s, false, now()
        FROM visits_followuptask t
        WHERE t.tenant_id = %(tenant)s AND t.status = 'open' AND t.assignee_id IS NOT NULL
          AND t.due_at >= %(now)s AND t.due_at < %(day_end)s
        ON CONFLICT DO NOTHING
    """,
    # Overdue tasks: the assignee, or every active user of the inbox's role when unassigned.
    "task_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT t.tenant_id, u.id, 'task_overdue', %(text)s || t.title, '/visits/tasks/',
               'followuptask', t.id, %(day)s, false, now()
        FROM visits_followuptask t
        JOIN accounts_user u ON u.tenant_id = t.tenant_id AND u.is_active AND (
             u.id = t.assignee_id
             OR (t.assignee_id IS NULL AND (
                 (t.assignee_role IN ('medical_affairs', 'pharmacovigilance') AND u.role = 'medical_affairs')
                 OR (t.assignee_role = 'compliance' AND u.role = 'compliance'))))
        WHERE t.tenant_id = %(tenant)s AND t.status = 'open' AND t.due_at < %(now)s
        ON CONFLICT DO NOTHING
    """,
    # Inquiries past their SLA: the assignee, or every medical affairs user when unassigned.
    "inquiry_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT i.tenant_id, u.id, 'inquiry_overdue', %(text)s || left(i.question, 200), '/visits/inquiries/',
               'medicalinquiry', i.id, %(day)s, false, now()
        FROM visits_medicalinquiry i
        JOIN accounts_user u ON u.tenant_id = i.tenant_id AND u.is_active AND (
             u.id = i.assignee_id OR (i.assignee_id IS NULL AND u.role = 'medical_affairs'))
        WHERE i.tenant_id = %(tenant)s AND i.status = 'open' AND i.due_date < %(day)s
        ON CONFLICT DO NOTHING
    """,
}


def visit_reminders(*, tenant, now, day) -> dict[str, int]:
    """The daily reminders of visits (registered with the kernel's inbox in VisitsConfig.ready),
    set-based: one INSERT … SELECT … ON CONFLICT DO NOTHING per kind — reports overdue, tasks
    due today and overdue, inquiries past their SLA. Idempotent per day."""
    _, day_end = selectors.local_day_bounds(day)
    window = selectors.visit_settings(tenant=tenant).submit_window_hours
    texts = {
        "report_overdue": gettext("Visit report not submitted within %(hours)s hours: ") % {"hours": window},
        "task_due": gettext("Due today: "),
        "task_overdue": gettext("Overdue: "),
        "inquiry_overdue": gettext("Medical inquiry past its SLA: "),
    }
    params = {
        "tenant": tenant_id_of(tenant),
        "day": day,
        "now": now,
        "day_end": day_end,
        "overdue_before": now - datetime.timedelta(hours=window),
    }
    counts = {}
    with connection.cursor() as cur:
        for kind, sql in _REMINDER_SQL.items():
            cur.execute(sql.format(notifications=inbox.NOTIFICATION_TABLE), {**params, "text": texts[kind]})
            counts[kind] = cur.rowcount
    return counts
