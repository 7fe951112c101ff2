"""Isolation cases of the complaints API and pages (run by tests/test_isolation.py)."""

from django.urls import reverse

from complaints import services
from complaints.models import ComplaintSLA
from crm.tenancy import tenant_context
from tests.complaints.factories import complaints_world
from tests.isolation import IsolationCase, isolation_case


def _complaints(tenant, other_tenant):
    mine, theirs = complaints_world(tenant, "I"), complaints_world(other_tenant, "J")
    made = []
    for w in (mine, theirs):
        with tenant_context(w.tenant):
            made.append(
                services.complaint_create(
                    tenant=w.tenant, by=w.rep, type="quality", defect="packaging", reporter_kind="hospital",
                    hospital=w.hospital, product=w.product, lot_number=w.lot, description=f"{w.lot} 铝箔破损",
                    title=f"{w.lot} 铝箔破损",
                )
            )  # fmt: skip
    return mine, theirs, made[0], made[1]


@isolation_case("complaint")
def complaint_api(tenant, other_tenant, make_user):
    mine, _theirs, own, foreign = _complaints(tenant, other_tenant)
    return IsolationCase(
        user=mine.qa,
        own=[own],
        foreign=[foreign],
        list_url=reverse("complaint-list"),
        detail_url=lambda o: reverse("complaint-detail", args=[o.pk]),
        update_payload={"description": "篡改"},
        writable=False,
    )


@isolation_case("complaint-sla")
def complaint_sla_api(tenant, other_tenant, make_user):
    rows = []
    for t in (tenant, other_tenant):
        with tenant_context(t):
            rows.append(ComplaintSLA.objects.create(tenant=t, type="quality", severity="low", clock="closure", days=40))
    return IsolationCase(
        user=make_user(tenant, "quality"),
        own=[rows[0]],
        foreign=[rows[1]],
        list_url=reverse("complaint-sla-list"),
        detail_url=lambda o: reverse("complaint-sla-detail", args=[o.pk]),
        update_payload={"days": 1},
    )


@isolation_case("page:complaint_detail")
def complaint_page(tenant, other_tenant, make_user):
    mine, _theirs, own, foreign = _complaints(tenant, other_tenant)
    return IsolationCase(
        user=mine.qa,
        own=[own],
        foreign=[foreign],
        list_url=reverse("complaint_list") + "?scope=all",
        detail_url=lambda o: reverse("complaint_detail", args=[o.pk]),
        kind="page",
        text=lambda o: o.title,
    )


@isolation_case("page:lot_trace")
def lot_trace_page(tenant, other_tenant, make_user):
    mine, theirs, own, foreign = _complaints(tenant, other_tenant)
    # The lot page of the other tenant's lot number shows nothing of theirs (it is an empty trace).
    client_case = IsolationCase(
        user=mine.qa,
        own=[own],
        foreign=[foreign],
        list_url=reverse("lot_trace", args=[mine.lot]),
        detail_url=lambda o: reverse("complaint_detail", args=[o.pk]),
        kind="page",
        text=lambda o: o.title,
    )
    return client_case


@isolation_case("page:complaint_attachment")
def complaint_attachment_page(tenant, other_tenant, make_user):
    from django.core.files.base import ContentFile

    mine, theirs, own, foreign = _complaints(tenant, other_tenant)
    attachments = []
    for w, c in ((mine, own), (theirs, foreign)):
        with tenant_context(w.tenant):
            attachments.append(
                services.attachment_add(
                    tenant=w.tenant, by=w.rep, complaint=c, upload=ContentFile(b"%PDF-1.4 x", name=f"{w.lot}.pdf")
                )
            )
    return IsolationCase(
        user=mine.qa,
        own=[attachments[0]],
        foreign=[attachments[1]],
        list_url=reverse("complaint_detail", args=[own.pk]),
        detail_url=lambda a: reverse("complaint_attachment", args=[a.complaint_id, a.pk]),
        kind="page",
        text=lambda a: a.name,
    )
