"""Isolation cases of fees: every API route and every page showing one object (run by
tests/test_isolation.py)."""

from django.urls import reverse

from crm.tenancy import tenant_context
from events.fees import flags, services
from events.fees.models import FeeFlag, RateCardLine, ToVEntry
from tests.compliance import factories as f
from tests.isolation import IsolationCase, isolation_case


def _worlds(tenant, other_tenant):
    return f.world(tenant, "ia"), f.world(other_tenant, "ib")


def _paid(w):
    from tests.compliance.test_fees import pay_through, request_lecture

    return pay_through(w, request_lecture(w, hours="2"))


def _api(basename, user, own, foreign, payload=None, writable=True):
    return IsolationCase(
        user=user,
        own=own,
        foreign=foreign,
        list_url=reverse(f"{basename}-list"),
        detail_url=lambda o: reverse(f"{basename}-detail", args=[o.pk]),
        update_payload=payload,
        writable=writable,
    )


@isolation_case("engagement")
def engagement_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    own, foreign = _paid(mine).engagement, _paid(theirs).engagement
    return _api("engagement", mine.compliance, [own], [foreign], writable=False)


@isolation_case("fee-record")
def fee_record_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _api("fee-record", mine.compliance, [_paid(mine)], [_paid(theirs)], writable=False)


@isolation_case("tov-entry")
def tov_entry_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    rows = []
    for w in (mine, theirs):
        fee = _paid(w)
        with tenant_context(w.tenant):
            rows.append(ToVEntry.objects.get(fee_record=fee))
    return _api("tov-entry", mine.compliance, [rows[0]], [rows[1]], writable=False)


def _flag(w):
    ev = f.event(w, status="held", days_ago=2)
    with tenant_context(w.tenant):
        flags.flags_refresh(tenant=w.tenant)
        return FeeFlag.objects.get(event=ev, rule="no_attendees")


@isolation_case("fee-flag")
def fee_flag_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _api("fee-flag", mine.compliance, [_flag(mine)], [_flag(theirs)], writable=False)


@isolation_case("rate-card")
def rate_card_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _api("rate-card", mine.compliance, [mine.card], [theirs.card], {"name": "篡改", "valid_from": "2021-01-01"})


@isolation_case("rate-card-line")
def rate_card_line_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    lines = []
    for w in (mine, theirs):
        with tenant_context(w.tenant):
            lines.append(RateCardLine.objects.filter(rate_card=w.card).first())
    return _api("rate-card-line", mine.compliance, [lines[0]], [lines[1]], {"hourly_rate": "1"})


def _sample(w):
    import datetime as dt

    from tests.compliance.test_fees import request_lecture

    e = request_lecture(w)
    with tenant_context(w.tenant):
        return services.audit_sample_draw(
            tenant=w.tenant,
            by=w.compliance,
            kind="engagements",
            size=3,
            seed=1,
            period_from=e.service_date - dt.timedelta(days=1),
            period_until=e.service_date,
        )


@isolation_case("audit-sample")
def audit_sample_api(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _api("audit-sample", mine.compliance, [_sample(mine)], [_sample(theirs)], writable=False)


def _page(name, user, own, foreign, text):
    return IsolationCase(
        user=user,
        own=own,
        foreign=foreign,
        kind="page",
        detail_url=lambda o: reverse(name, args=[o.pk]),
        text=text,
    )


@isolation_case("page:compliance_engagement")
def engagement_page(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _page("compliance_engagement", mine.compliance, [_paid(mine).engagement], [_paid(theirs).engagement], str)


@isolation_case("page:compliance_doctor")
def doctor_page(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _page("compliance_doctor", mine.compliance, [mine.doctor], [theirs.doctor], lambda d: d.name)


@isolation_case("page:compliance_sample")
def sample_page(tenant, other_tenant, make_user):
    mine, theirs = _worlds(tenant, other_tenant)
    return _page("compliance_sample", mine.compliance, [_sample(mine)], [_sample(theirs)], str)
