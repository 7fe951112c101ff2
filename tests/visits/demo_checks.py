"""seed_demo's visits: months of reports, plans, tasks and inquiries; idempotent.

Checked by tests/test_demo.py (one seeded demo for every app's checks)."""

from django.urls import reverse
from django.utils import timezone

from accounts.auth import load_user_by_username
from accounts.models import Tenant
from crm.tenancy import tenant_context
from visits import models as m
from visits import selectors

COUNTED = [
    m.Visit, m.VisitKeyMessage, m.VisitProduct, m.VisitContent, m.CyclePlan, m.CyclePlanLine, m.VisitPlan,
    m.FollowUpTask, m.MedicalInquiry, m.ContentItem, m.FollowUpRule, m.Notification, m.VisitSettings,
]  # fmt: skip


def counts():
    counts = {}
    for tenant in Tenant.objects.order_by("code"):
        with tenant_context(tenant):
            counts[tenant.code] = {model.__name__: model.objects.count() for model in COUNTED}
    return counts


def check(first, api_client):
    """Months of reports, plans, tasks and inquiries; ``first``: :func:`counts` after the first seed."""
    for code, counts in first.items():
        assert counts["Visit"] > 1000, code
        assert counts["VisitKeyMessage"] >= counts["Visit"]
        assert counts["CyclePlan"] >= 7 and counts["FollowUpTask"] > 50 and counts["MedicalInquiry"] > 0
        assert counts["ContentItem"] > 0 and counts["VisitContent"] > 0

    huakang = Tenant.objects.get(code="huakang")
    rep, manager = load_user_by_username("hk_rep"), load_user_by_username("hk_manager")
    with tenant_context(huakang):
        months = set(m.Visit.objects.filter(rep=rep).dates("visited_at", "month"))
        # Six past months of reports, and this month's once a working hour of it has passed (on the
        # 1st of a month before office hours in Shanghai there is none yet).
        this_month = timezone.localdate().replace(day=1)
        past = {selectors.add_months(this_month, -back) for back in range(1, 7)}
        assert past <= months <= past | {this_month}, sorted(months)
        day = selectors.my_day(tenant=huakang, rep=rep)
        assert day.plans and day.behind
        adherence = selectors.manager_adherence(tenant=huakang, manager=manager)
        assert adherence[rep.pk][0].has_plan and adherence[rep.pk][-2].plan_adherence
        # every submitted demo report has its history row
        assert m.Visit.history.filter(rep_id=rep.pk).count() >= m.Visit.objects.filter(rep=rep).count()
    api_client.force_login(rep)
    assert api_client.get(reverse("visit-list")).json()["results"]
