"""``seed_demo``, seeded once for every app's demo checks: the first run leaves fresh planner
statistics, a second run adds nothing anywhere, and each app's demo is what DESIGN.md and the
README promise (the checks live beside each app's tests, in ``tests/<app>/demo_checks.py``).

One test instead of six: the whole demo seed takes one to three minutes, and six tests each
seeding twice took a quarter of CI's time budget.
"""

import io

import pytest
from django.core.management import call_command

from accounts.models import Tenant, User
from crm.tenancy import platform_scope, tenant_context
from tests.compliance import demo_checks as compliance
from tests.crm import demo_checks as crm
from tests.factories import WITH_PLATFORM
from tests.hospitals import demo_checks as hospitals
from tests.segmentation import demo_checks as segmentation
from tests.visits import demo_checks as visits

DEMO_ROLES = {"rep", "distributor_rep", "manager", "product_manager", "medical_affairs", "compliance", "tenant_admin"}


def _people():
    tenants = list(Tenant.objects.order_by("code"))
    users = []
    for tenant in tenants:
        with tenant_context(tenant):
            users.append(User.objects.count())
    with platform_scope():
        platform_staff = User.objects.filter(tenant=None).count()
    return len(tenants), users, platform_staff


def _counts():
    return {
        "people": _people(),
        "hospitals": hospitals.counts(),
        "segmentation": segmentation.counts(),
        "visits": visits.counts(),
        "compliance": compliance.counts(),
    }


@pytest.mark.timeout(1200)  # the whole demo seed, twice: minutes on a loaded machine
@WITH_PLATFORM
def test_seed_demo_once_then_again_adds_nothing_and_every_apps_demo_is_there(
    db, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the seed's after-commit refresh
        call_command("seed_demo", stdout=io.StringIO())
    crm.check()  # fresh statistics right after the seed
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first  # idempotent: nothing added anywhere

    tenants, _users, platform_staff = first["people"]
    assert tenants == 2 and platform_staff == 1
    with tenant_context(Tenant.objects.get(code="huakang")):
        assert set(User.objects.values_list("role", flat=True)) >= DEMO_ROLES
    hospitals.check(first["hospitals"], api_client)
    segmentation.check(first["segmentation"])
    visits.check(first["visits"], api_client)
    compliance.check()
