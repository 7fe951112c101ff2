"""CRUD and role matrix of the visits API (run by tests/test_api_cases.py)."""

from crm import permissions as p
from crm.tenancy import tenant_context
from tests.api_cases import APICase, api_case
from tests.visits.factories import ContentItemFactory
from visits import services
from visits.models import FollowUpRule


@api_case("content-item")
def content_item(tenant, make_user):
    obj = ContentItemFactory(tenant=tenant, title="降脂指南解读")

    def withdrawn(item):
        with tenant_context(item.tenant_id):
            return type(item).objects.get(pk=item.pk).approved_at is None

    return APICase(
        obj=obj,
        create={"kind": "brochure", "title": "患者手册", "url": "https://example.com/a.pdf", "product": None},
        update={"description": "2026 版"},
        delete=True,
        deleted=withdrawn,  # DELETE withdraws the approval; the item stays (visits used it)
        writers=p.CONTENT_EDITORS,
    )


@api_case("followup-rule")
def followup_rule(tenant, make_user):
    with tenant_context(tenant):
        services.followup_rules_ensure(tenant=tenant)
        obj = FollowUpRule.objects.order_by("id").first()
    return APICase(obj=obj, update={"due_hours": 48}, delete=True, writers=p.ADMIN_ROLES)
