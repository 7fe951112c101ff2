"""CRUD and role matrix of the fees API (run by tests/test_api_cases.py)."""

import datetime as dt

from crm import permissions as p
from crm.tenancy import tenant_context
from events.fees import flags
from events.fees.models import FeeFlag, RateCardLine, ToVEntry
from tests.api_cases import APICase, api_case
from tests.compliance import factories as f


def _w(tenant):
    return f.world(tenant, "ac")


@api_case("engagement")
def engagement(tenant, make_user):
    from tests.compliance.test_fees import request_lecture

    w = _w(tenant)
    obj = request_lecture(w)
    ev = f.event(w, days_ago=-4)
    create = {
        "doctor": w.doctors[1].pk,
        "service_type": "consulting",
        "service_date": ev.starts_at.date().isoformat(),
        "planned_hours": "1",
    }
    # readers: requesters see their own (a rep made obj: other requesters answer 404), amounts roles all
    return APICase(
        obj=obj, create=create, readers=p.ENGAGEMENT_READERS, writers=p.FEE_REQUESTERS, visible_to=p.FEE_AMOUNT_ROLES
    )


@api_case("fee-record")
def fee_record(tenant, make_user):
    from tests.compliance.test_fees import fee_of, request_lecture

    w = _w(tenant)
    return APICase(obj=fee_of(w, request_lecture(w)), readers=p.FEE_AMOUNT_ROLES)


@api_case("tov-entry")
def tov_entry(tenant, make_user):
    from tests.compliance.test_fees import pay_through, request_lecture

    w = _w(tenant)
    fee = pay_through(w, request_lecture(w))
    with tenant_context(tenant):
        obj = ToVEntry.objects.get(fee_record=fee)
    return APICase(obj=obj, readers=p.FEE_AMOUNT_ROLES)


@api_case("fee-flag")
def fee_flag(tenant, make_user):
    w = _w(tenant)
    ev = f.event(w, status="held", days_ago=2)
    with tenant_context(tenant):
        flags.flags_refresh(tenant=tenant)
        obj = FeeFlag.objects.get(event=ev, rule="no_attendees")
    return APICase(obj=obj, readers=p.FEE_AMOUNT_ROLES)


@api_case("rate-card")
def rate_card(tenant, make_user):
    w = _w(tenant)
    return APICase(
        obj=w.card,
        create={"name": "2027 版", "valid_from": "2027-01-01"},
        update={"note": "年度调整"},
        delete=True,
        readers=p.FEE_AMOUNT_ROLES,
        writers=p.COMPLIANCE_ROLES | p.ADMIN_ROLES,
    )


@api_case("rate-card-line")
def rate_card_line(tenant, make_user):
    w = _w(tenant)
    with tenant_context(tenant):
        obj = RateCardLine.objects.filter(rate_card=w.card, service_type="review", academic_level="local").get()
    card2 = f.rate_card(tenant, valid_from=dt.date(2030, 1, 1))
    with tenant_context(tenant):
        RateCardLine.objects.filter(rate_card=card2, service_type="review", academic_level="local").delete()
    return APICase(
        obj=obj,
        create={
            "rate_card": card2.pk,
            "service_type": "review",
            "academic_level": "local",
            "hourly_rate": "800",
            "max_per_engagement": "1600",
        },
        update={"hourly_rate": "900.00"},
        delete=True,
        readers=p.FEE_AMOUNT_ROLES,
        writers=p.COMPLIANCE_ROLES | p.ADMIN_ROLES,
    )


@api_case("audit-sample")
def audit_sample(tenant, make_user):
    from tests.compliance.isolation_cases import _sample

    w = _w(tenant)
    obj = _sample(w)
    today = dt.date.today()
    return APICase(
        obj=obj,
        create={
            "kind": "engagements",
            "size": 2,
            "seed": 9,
            "period_from": (today - dt.timedelta(days=30)).isoformat(),
            "period_until": (today + dt.timedelta(days=30)).isoformat(),
        },
        readers=p.FEE_AMOUNT_ROLES,
        writers=p.COMPLIANCE_ROLES,
    )
