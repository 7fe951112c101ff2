from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    """Master data: hospitals, departments, doctors, relations, distributors, products, usage share, sales."""

    name = "hospitals"
    verbose_name = _("Master data")

    def ready(self):
        from hospitals.steward.merge import register_hospital_references

        register_hospital_references()

        from hospitals import hooks
        from hospitals.expert_views import doctor_expert_context

        hooks.register_doctor_section(
            key="expert", template="hospitals/_doctor_expert.html", context=doctor_expert_context, order=5
        )

        _forget_filter_options_on_change()


def _forget_filter_options_on_change():
    """The doctor list's cached filter choices (hospitals.profile) follow the writes they depend on."""
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save

    from accounts.models import Territory, TerritoryAssignment
    from hospitals.models import Department, DoctorTerritory, Hospital
    from hospitals.profile import filter_options_changed

    def changed(sender, instance, **kwargs):
        # Now (this transaction's own later reads), and again once committed (a request that
        # read and cached the old rows meanwhile).
        tenant_id = instance.tenant_id
        filter_options_changed(tenant_id)
        transaction.on_commit(lambda: filter_options_changed(tenant_id))

    for model in (Hospital, Department, DoctorTerritory, Territory, TerritoryAssignment):
        post_save.connect(changed, sender=model, dispatch_uid=f"filter-options-{model._meta.label}", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"filter-options-del-{model._meta.label}", weak=False)
