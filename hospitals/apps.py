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
