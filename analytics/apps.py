from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Dashboards per role, event ROI, sales-force KPIs, distributor coverage, exports."""

    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        """The home page of each role: analytics' cards, beside the ones of the lower apps; the
        receivers and the nightly job that keep the KPI rollup fresh (analytics.rollup); the
        doctor strata's place in a doctor merge."""
        from django.db.models.signals import post_migrate

        from analytics import pages, rollup
        from analytics.schedule import _post_migrate
        from crm import home
        from crm.permissions import (
            DATA_QUALITY_ROLES,
            INQUIRY_ANSWERERS,
            KPI_ALL_READERS,
            MANAGER_ROLES,
            SCORECARD_ROLES,
        )
        from crm.roles import Role

        rollup.connect_signals()
        # A doctor merge (hospitals.steward): the kept doctor's stratum stays; the merged one's
        # moves only when the kept doctor has none. The nightly refresh rewrites both anyway.
        from analytics.models import DoctorStratum
        from hospitals.steward.hooks import register_doctor_reference

        register_doctor_reference(DoctorStratum, unique_with=("tenant_id",))
        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="analytics_periodic_tasks")
        home.register_card(
            key="my_month",
            template="analytics/_my_month.html",
            roles={Role.REP},
            context=pages.my_month_context,
            order=15,
        )
        home.register_card(
            key="team_kpi",
            template="analytics/_team_kpi.html",
            roles=MANAGER_ROLES,
            context=pages.team_kpi_context,
            order=5,
        )
        home.register_card(
            key="pm_home",
            template="analytics/_pm_home.html",
            roles=SCORECARD_ROLES - {Role.TENANT_ADMIN},
            context=pages.product_manager_context,
            order=10,
        )
        home.register_card(
            key="kpi_link",
            template="analytics/_kpi_link.html",
            roles=KPI_ALL_READERS,
            order=30,
        )
        home.register_card(
            key="compliance_home",
            template="analytics/_compliance_home.html",
            roles={Role.COMPLIANCE},
            context=pages.compliance_context,
            order=10,
        )
        home.register_card(
            key="inquiry_sla",
            template="analytics/_inquiry_sla.html",
            roles=INQUIRY_ANSWERERS,
            context=pages.inquiry_sla_context,
            order=5,
        )
        home.register_card(
            key="data_quality",
            template="analytics/_data_quality.html",
            roles=DATA_QUALITY_ROLES,
            context=pages.data_quality_context,
            order=10,
        )
