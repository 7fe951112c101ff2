from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    """Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library."""

    name = "visits"
    verbose_name = _("Visits")

    def ready(self):
        """Contribute to the kernel (inbox kinds and daily reminders, home cards), to hospitals (the
        doctor profile's visit timeline) and to segmentation (the visit-based dimensions); run the
        beat schedule after ``migrate``."""
        from django.db.models.signals import post_migrate

        from crm import home, inbox
        from crm.permissions import FIELD_ROLES, INQUIRY_ANSWERERS, MANAGER_ROLES, TASK_INBOX_ROLES
        from hospitals import hooks as doctor_hooks
        from segmentation import hooks as segmentation_hooks
        from visits import pages, services
        from visits.dimensions import visit_dimension_frame, visit_facts
        from visits.models import NotificationKind
        from visits.schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="visits_periodic_tasks")
        _forget_behind_frequency_on_change()

        doctor_hooks.register_doctor_section(
            key="tl", template="visits/_doctor_timeline.html", context=pages.doctor_timeline_context, order=20
        )
        segmentation_hooks.register_visit_inputs(visit_dimension_frame)
        segmentation_hooks.register_visit_facts(visit_facts)
        from visits.plan_timeline import plan_timeline_entries

        segmentation_hooks.register_timeline_source("visits", plan_timeline_entries)
        inbox.register_kinds(NotificationKind)
        inbox.register_reminders("visits", services.visit_reminders)

        home.register_card(
            key="my_day", template="visits/_my_day.html", roles=FIELD_ROLES, context=pages.my_day_context, order=10
        )
        home.register_card(
            key="team_home",
            template="visits/_team_home.html",
            roles=MANAGER_ROLES,
            context=pages.team_home_context,
            order=10,
        )
        home.register_card(
            key="inquiries_home",
            template="visits/_inquiries_home.html",
            roles=INQUIRY_ANSWERERS,
            context=pages.inquiries_home_context,
            order=10,
        )
        home.register_card(
            key="inbox_home",
            template="visits/_inbox_home.html",
            roles=TASK_INBOX_ROLES,
            context=pages.inbox_home_context,
            order=20,
        )

        from visits.merge import register_visit_references

        register_visit_references()


def _forget_behind_frequency_on_change():
    """The cached rows behind frequency (visits.selectors.plans) follow the writes they depend on:
    a visit forgets the rows of the reps whose book holds its doctor, a cycle plan or line those
    of its rep, and what reshapes many books (tiers, alignments, territory assignments) those of
    every rep of the tenant."""
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save
    from django.utils import timezone

    from accounts.models import TerritoryAssignment
    from hospitals.models import DoctorTerritory
    from segmentation.models import TierAssignment, TierOverride
    from visits.models import CyclePlan, CyclePlanLine, Visit
    from visits.selectors.plans import behind_frequency_changed, reps_behind_affected_by

    def forget(tenant_id, rep_ids=None):
        # Now (this transaction's own later reads), and again once committed (a request that
        # read and cached the old rows meanwhile).
        behind_frequency_changed(tenant_id, rep_ids=rep_ids)
        transaction.on_commit(lambda: behind_frequency_changed(tenant_id, rep_ids=rep_ids))

    def visit_changed(sender, instance, **kwargs):
        reps = {instance.rep_id}
        if instance.visited_at is not None:
            reps |= reps_behind_affected_by(
                tenant=instance.tenant_id,
                doctor_id=instance.doctor_id,
                month=timezone.localtime(instance.visited_at).date(),
            )
        forget(instance.tenant_id, reps)

    def plan_changed(sender, instance, **kwargs):
        forget(instance.tenant_id, [instance.rep_id])

    def line_changed(sender, instance, **kwargs):
        rep_id = (
            CyclePlan.objects.for_tenant(instance.tenant_id)
            .filter(pk=instance.plan_id)
            .values_list("rep_id", flat=True)
            .first()
        )
        forget(instance.tenant_id, None if rep_id is None else [rep_id])

    def books_changed(sender, instance, **kwargs):
        forget(instance.tenant_id)

    receivers = [(Visit, visit_changed), (CyclePlan, plan_changed), (CyclePlanLine, line_changed)]
    receivers += [(m, books_changed) for m in (TierOverride, TierAssignment, DoctorTerritory, TerritoryAssignment)]
    for model, receiver in receivers:
        label = model._meta.label
        post_save.connect(receiver, sender=model, dispatch_uid=f"behind-frequency-{label}", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"behind-frequency-del-{label}", weak=False)
