"""The workbench pages and the API: amounts only for compliance, product managers and
administrators — a rep sees the status of what they requested, never an amount (pages and API);
exports neutralise formulas; clear errors keep the input."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from events.fees import flags
from events.fees.models import FeeFlag, ToVEntry
from tests.compliance import factories as f
from tests.compliance.test_fees import fee_of, pay_through, request_lecture


@pytest.fixture
def w(tenant):
    return f.world(tenant)


def test_a_rep_sees_status_never_amounts_in_api_and_pages(w, client, api_client):
    e = request_lecture(w, amount="1400")
    api_client.force_login(w.rep)
    body = api_client.get(reverse("engagement-detail", args=[e.pk])).json()
    assert body["fee_status"] == "requested"
    assert not {"fee", "amount", "card_amount", "hourly_rate", "net_amount"} & set(body)
    assert "1400" not in str(body)
    listed = api_client.get(reverse("engagement-list")).json()["results"]
    assert [r["id"] for r in listed] == [e.pk] and "fee" not in listed[0]
    for name in ("fee-record-list", "tov-entry-list", "fee-flag-list", "rate-card-list"):
        assert api_client.get(reverse(name)).status_code == 403
    client.force_login(w.rep)
    page = client.get(reverse("compliance_engagement", args=[e.pk])).content.decode()
    assert "requested" in page and "1400" not in page and "1,400" not in page
    assert client.get(reverse("compliance_flags")).status_code == 403
    # another rep does not see it at all
    api_client.force_login(w.rep2)
    assert api_client.get(reverse("engagement-detail", args=[e.pk])).status_code == 404
    # positive control: compliance and a product manager see the amount
    for user in (w.compliance, w.pm):
        api_client.force_login(user)
        body = api_client.get(reverse("engagement-detail", args=[e.pk])).json()
        assert Decimal(body["fee"]["amount"]) == Decimal("1400.00") and Decimal(body["fee"]["card_amount"]) == Decimal(
            "1500.00"
        )
    client.force_login(w.compliance)
    assert "1400" in client.get(reverse("compliance_engagement", args=[e.pk])).content.decode()


def test_api_workflow_and_clear_errors(w, api_client):
    ev = f.event(w, days_ago=-2)
    api_client.force_login(w.rep)
    payload = {
        "doctor": w.doctor.pk,
        "service_type": "lecture",
        "event": ev.pk,
        "service_date": ev.starts_at.date().isoformat(),
        "planned_hours": "2",
        "amount": "9000",
    }
    r = api_client.post(reverse("engagement-list"), payload, format="json")
    assert r.status_code == 400 and "amount" in r.json()
    payload["amount"] = None
    r = api_client.post(reverse("engagement-list"), payload, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    api_client.force_login(w.compliance)
    r = api_client.post(reverse("engagement-approve", args=[pk]))
    assert r.status_code == 400 and r.json()["non_field_errors"]
    r = api_client.post(reverse("engagement-reject", args=[pk]), {"reason": "无医院批件"}, format="json")
    assert r.status_code == 200 and r.json()["fee_status"] == "rejected"
    r = api_client.post(
        reverse("engagement-pay", args=[pk]), {"payer_entity": "X", "channel": "doctor_bank"}, format="json"
    )
    assert r.status_code == 400 and r.json()["non_field_errors"]
    api_client.force_login(w.rep)
    assert api_client.post(reverse("engagement-approve", args=[pk])).status_code == 403


def test_flag_list_filters_bulk_clear_and_doctor_view(w, client):
    empty = f.event(w, status="held", days_ago=2)
    resort = f.event(w, status="held", days_ago=3, venue_kind="resort")
    f.attendees(w, resort, w.doctors[:6])
    f.agenda(w, resort, minutes=120)
    pay_through(w, request_lecture(w, hours="2"))
    with tenant_context(w.tenant):
        flags.flags_refresh(tenant=w.tenant)
    client.force_login(w.compliance)
    page = client.get(reverse("compliance_flags"), {"rule": "flagged_venue"}).content.decode()
    assert "resort" in page and 'data-rule="no_attendees"' not in page
    page = client.get(reverse("compliance_flags")).content.decode()
    assert 'data-rule="no_attendees"' in page and 'data-rule="flagged_venue"' in page
    with tenant_context(w.tenant):
        ids = list(FeeFlag.objects.filter(event__in=[empty, resort]).values_list("pk", flat=True))
    r = client.post(reverse("compliance_flags_clear"), {"flag": ids, "reason": ""})
    assert r.status_code == 302
    with tenant_context(w.tenant):
        assert FeeFlag.objects.filter(pk__in=ids, status="open").count() == len(ids)  # nothing lost, nothing cleared
    client.post(reverse("compliance_flags_clear"), {"flag": ids, "reason": "已核实"})
    with tenant_context(w.tenant):
        assert FeeFlag.objects.filter(pk__in=ids, status="cleared").count() == len(ids)
    page = client.get(reverse("compliance_doctor", args=[w.doctor.pk])).content.decode()
    assert "2000" in page and "50000" in page
    client.force_login(w.pm)  # read-only for product managers
    assert client.get(reverse("compliance_flags")).status_code == 200
    assert client.post(reverse("compliance_flags_clear"), {"flag": ids, "reason": "x"}).status_code == 403


def test_tov_exports_stream_and_neutralise_formulas(w, client):
    pay_through(w, request_lecture(w, hours="2"))
    with tenant_context(w.tenant):
        w.doctor.name = "=HYPERLINK(1)"
        w.doctor.save()
        assert ToVEntry.objects.count() == 1
    client.force_login(w.compliance)
    year = timezone.localdate().year
    for report in ("summary", "ledger", "open_payments", "efpia"):
        r = client.get(reverse("compliance_export", args=[report, "csv"]), {"year": year})
        assert r.status_code == 200 and r.streaming
        text = b"".join(r.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 2, report
        assert "'=HYPERLINK(1)" in rows[1] and "=HYPERLINK(1)" not in rows[1]
    r = client.get(reverse("compliance_export", args=["summary", "xlsx"]), {"year": year})
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    values = [c.value for c in sheet[2]]
    assert "'=HYPERLINK(1)" in values or "=HYPERLINK(1)" not in [c.data_type == "f" and c.value for c in sheet[2]]
    client.force_login(w.rep)
    assert client.get(reverse("compliance_export", args=["summary", "csv"])).status_code == 403


def test_the_rep_requests_through_the_page_and_errors_keep_the_input(w, client):
    ev = f.event(w, days_ago=-3)
    client.force_login(w.rep)
    data = {
        "doctor": w.doctor.pk,
        "service_type": "lecture",
        "event": ev.pk,
        "service_date": ev.starts_at.date().isoformat(),
        "planned_hours": "1",
        "amount": "5000",
        "description": "血脂讲座",
    }
    r = client.post(reverse("compliance_engagement_new"), data)
    page = r.content.decode()
    assert r.status_code == 200 and "血脂讲座" in page and 'data-testid="error-amount"' in page
    data["amount"] = ""
    r = client.post(reverse("compliance_engagement_new"), data)
    assert r.status_code == 302
    with tenant_context(w.tenant):
        from events.fees.models import Engagement

        e = Engagement.objects.get()
    assert fee_of(w, e).amount == Decimal("1000.00")


def test_ledger_csv_streams_every_row_of_the_year_and_only_the_tenants(w, other_tenant, client, monkeypatch):
    """The COPY path, in chunks of 3 rows (keyset on the entry id): every ledger row of the
    year exactly once, none of another year, none of another tenant (whose own export has them)."""
    import datetime as dt

    from events.fees import exports, services

    monkeypatch.setattr(exports, "COPY_CHUNK", 3)
    year = timezone.localdate().year
    other = f.world(other_tenant, prefix="o")
    with tenant_context(other.tenant):
        theirs = {
            services.tov_post(tenant=other.tenant, by=other.compliance, doctor=other.doctors[0],
                              on_date=dt.date(year, 3, 1), category="travel", amount="70", source=f"other:{i}").pk
            for i in range(2)
        }  # fmt: skip
    with tenant_context(w.tenant):
        ours = {
            services.tov_post(tenant=w.tenant, by=w.compliance, doctor=w.doctors[i % 3],
                              on_date=dt.date(year, 1 + i % 4, 1 + i % 2),
                              category=("travel", "meal", "materials")[i % 3],
                              amount=str(10 + i), source=f"ours:{i}").pk
            for i in range(8)
        }  # fmt: skip
        services.tov_post(tenant=w.tenant, by=w.compliance, doctor=w.doctors[0], on_date=dt.date(year - 1, 12, 31),
                          category="travel", amount="5", source="last-year")  # fmt: skip

    def export(user):
        client.force_login(user)
        r = client.get(reverse("compliance_export", args=["ledger", "csv"]), {"year": year})
        assert r.status_code == 200 and r.streaming
        rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
        return rows[0], rows[1:]

    header, rows = export(w.compliance)
    assert len(header) == 10
    ids = [int(r[0]) for r in rows]
    assert sorted(ids) == sorted(ours) and len(ids) == len(set(ids)) == 8  # every row, once
    assert ids == sorted(ids)  # entry order
    assert not set(ids) & theirs
    assert not any("other:" in c or "last-year" in c for r in rows for c in r)
    _, their_rows = export(other.compliance)  # the positive control: the other tenant sees its own
    assert {int(r[0]) for r in their_rows} == theirs
