"""seed_demo's fees: clean and flagged cases of every demo kind in both tenants; idempotent.

Checked by tests/test_demo.py (one seeded demo for every app's checks)."""

from accounts.models import Tenant
from crm.tenancy import tenant_context
from events.fees.models import Engagement, FeeFlag, FeeRecord, PhotoFingerprint, RateCardLine, ToVEntry
from events.models import Event, EventPhoto

EXPECTED_RULES = {
    "above_rate_card", "above_annual_cap", "missing_hospital_approval", "missing_evidence", "duplicate_payment",
    "no_attendees", "few_attendees", "attendee_inflation", "photo_reused", "low_academic_content", "flagged_venue",
}  # fmt: skip


def counts():
    out = {}
    for tenant in Tenant.objects.order_by("code"):
        with tenant_context(tenant):
            out[tenant.code] = [m.objects.count() for m in (Engagement, FeeRecord, ToVEntry, FeeFlag, RateCardLine)]
    return out


def check():
    """Clean and flagged fee cases of every demo kind in both tenants."""
    for tenant in Tenant.objects.order_by("code"):
        with tenant_context(tenant):
            rules = set(FeeFlag.objects.filter(status="open").values_list("rule", flat=True))
            assert rules >= EXPECTED_RULES, (tenant.code, EXPECTED_RULES - rules)
            clean = Event.objects.get(title__contains="血脂管理新进展")
            assert not FeeFlag.objects.filter(event=clean).exists()
            assert FeeRecord.objects.filter(engagement__event=clean, status="paid").count() == 1
            assert ToVEntry.objects.filter(event=clean, category="meal").count() == 8
            reused = FeeFlag.objects.get(rule="photo_reused", status="open")
            assert reused.detail["exact"] is False  # the re-saved copy, caught by its perceptual hash
            # Every demo photo is fingerprinted (the fees demo and the events demo), and the only
            # reuse among them is the fees demo's re-saved sheet (one open flag, above).
            assert PhotoFingerprint.objects.count() == EventPhoto.objects.count() >= 3
