"""Isolation cases of the import pages (run by tests/test_isolation.py)."""

from django.core.files.base import ContentFile
from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals.models import ImportJob
from tests.isolation import IsolationCase, isolation_case


def _job(tenant, name):
    with tenant_context(tenant):
        job = ImportJob(tenant=tenant, kind="hospitals", original_name=name, status="failed", error_count=1)
        job.errors = [
            {"row": 2, "column": "医院等级", "msgid": "unrecognised grade “%(value)s”", "params": {"value": "X"}}
        ]
        job.file.save(name, ContentFile(b"a,b\n"), save=False)
        job.save()
        return job


def _case(url_name, tenant, other_tenant, make_user, *extra):
    own = [_job(tenant, "本公司医院清单.csv")]
    foreign = [_job(other_tenant, "别家公司机密清单.csv")]
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "product_manager"),
        own=own,
        foreign=foreign,
        list_url=reverse("import_start"),
        detail_url=lambda j: reverse(url_name, args=[j.pk, *extra]),
        text=lambda j: j.original_name,
    )


@isolation_case("page:import_job_detail")
def import_job_detail(tenant, other_tenant, make_user):
    return _case("import_job_detail", tenant, other_tenant, make_user)


@isolation_case("page:import_job_progress")
def import_job_progress(tenant, other_tenant, make_user):
    return _case("import_job_progress", tenant, other_tenant, make_user)


@isolation_case("page:import_job_report")
def import_job_report(tenant, other_tenant, make_user):
    return _case("import_job_report", tenant, other_tenant, make_user, "csv")


@isolation_case("page:import_job_annotated")
def import_job_annotated(tenant, other_tenant, make_user):
    return _case("import_job_annotated", tenant, other_tenant, make_user)


@isolation_case("page:import_job_accept")
def import_job_accept(tenant, other_tenant, make_user):
    return _case("import_job_accept", tenant, other_tenant, make_user)


@isolation_case("page:import_job_decide")
def import_job_decide(tenant, other_tenant, make_user):
    return _case("import_job_decide", tenant, other_tenant, make_user)


@isolation_case("import")
def import_api(tenant, other_tenant, make_user):
    own = [_job(tenant, "本公司流向.csv")]
    foreign = [_job(other_tenant, "别家公司流向.csv")]
    return IsolationCase(
        user=make_user(tenant, "tenant_admin"),
        own=own,
        foreign=foreign,
        list_url="/api/v1/imports/",
        detail_url=lambda j: f"/api/v1/imports/{j.pk}/",
        writable=False,
    )


@isolation_case("api:import-actions")
def import_api_actions(tenant, other_tenant, make_user):
    """The report, the annotated file and the actions of another tenant's import are 404 too."""
    own = [_job(tenant, "本公司流向.csv")]
    foreign = [_job(other_tenant, "别家公司流向.csv")]
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=own,
        foreign=foreign,
        list_url="/api/v1/imports/",
        detail_url=lambda j: f"/api/v1/imports/{j.pk}/report/",
        writable=False,
    )
