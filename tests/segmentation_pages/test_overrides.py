"""Overrides in the browser: a product manager sets a doctor's tier by hand with a reason and an
expiry, sees it in the list with who and when, and revokes it; other roles cannot."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from crm.tenancy import tenant_context
from segmentation.models import TierOverride
from tests.segmentation_pages.helpers import elements, one
from tests.segmentation_pages.world import tomorrow


def _overrides(tenant):
    with tenant_context(tenant):
        return list(TierOverride.objects.order_by("id"))


def test_pm_sets_a_tier_by_hand_and_the_profile_shows_it(client, tier_world):
    doctor = tier_world.doctors["周杰"]  # scored D
    client.force_login(tier_world.pm)
    assert (
        one(client.get(reverse("tier_override_new", args=[doctor.pk])).content.decode(), "current-tier")["text"] == "D"
    )
    response = client.post(
        reverse("tier_override_new", args=[doctor.pk]),
        {"tier": "B", "reason": "新任省学会青委，学术潜力大", "expires_on": tomorrow().isoformat()},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("doctor_detail", args=[doctor.pk]))
    (override,) = _overrides(tier_world.tenant)
    assert (override.tier, override.created_by_id, override.expires_on) == ("B", tier_world.pm.pk, tomorrow())

    html = client.get(reverse("doctor_detail", args=[doctor.pk])).content.decode()
    assert one(html, "doctor-tier")["text"] == "B"
    assert one(html, "current-tier")["text"] == "B" and elements(html, "tier-overridden")
    assert "新任省学会青委" in html

    html = client.get(reverse("tier_overrides")).content.decode()
    row = one(html, "override-row")
    assert (row["data-doctor-id"], row["data-tier"]) == (str(doctor.pk), "B")
    assert tier_world.pm.name in row["text"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"tier": "A", "reason": "   ", "expires_on": "2099-01-01"}, "reason"),
        ({"tier": "A", "reason": "年会讲者", "expires_on": "2001-01-01"}, "expires_on"),
        ({"tier": "E", "reason": "年会讲者", "expires_on": "2099-01-01"}, "tier"),
    ],
)
def test_an_override_needs_a_reason_a_tier_and_a_future_expiry(client, tier_world, data, field):
    client.force_login(tier_world.pm)
    response = client.post(reverse("tier_override_new", args=[tier_world.doctors["周杰"].pk]), data)
    assert response.status_code == 200
    assert elements(response.content.decode(), f"error-{field}")
    assert _overrides(tier_world.tenant) == []


def _set(tier_world, doctor, tier="A", days=30):
    from segmentation import services

    with tenant_context(tier_world.tenant):
        return services.tier_override_set(
            tenant=tier_world.tenant,
            by=tier_world.pm,
            doctor=doctor,
            tier=tier,
            reason="KOL 临时升级",
            expires_on=timezone.localdate() + datetime.timedelta(days=days),
        )


def test_revoke_ends_the_override_and_keeps_it_in_the_history(client, tier_world):
    doctor = tier_world.doctors["周杰"]
    override = _set(tier_world, doctor)
    client.force_login(tier_world.pm)
    response = client.post(reverse("tier_override_revoke", args=[override.pk]), {"next": "doctor"})
    assert response.url.startswith(reverse("doctor_detail", args=[doctor.pk]))
    (revoked,) = _overrides(tier_world.tenant)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == tier_world.pm.pk

    assert not elements(client.get(reverse("tier_overrides")).content.decode(), "override-row")
    html = client.get(reverse("doctor_detail", args=[doctor.pk])).content.decode()
    assert one(html, "current-tier")["text"] == "D"  # the scored tier again
    history = one(html, "override-history-row")
    assert history["data-tier"] == "A" and tier_world.pm.name in history["text"]


def test_override_search_finds_doctors_to_override(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(
        reverse("tier_overrides"), {"q": "ljg"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="override-doctor-results"
    ).content.decode()
    assert "<html" not in html
    assert [int(e["data-doctor-id"]) for e in elements(html, "override-doctor")] == [tier_world.doctors["李建国"].pk]


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER, Role.COMPLIANCE])
def test_only_product_managers_and_admins_set_or_revoke_overrides(client, tier_world, make_user, role):
    doctor = tier_world.doctors["李建国"]
    override = _set(tier_world, doctor)
    client.force_login(make_user(tier_world.tenant, role))
    url = reverse("tier_override_new", args=[doctor.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"tier": "D", "reason": "x", "expires_on": "2099-01-01"}).status_code == 403
    assert client.post(reverse("tier_override_revoke", args=[override.pk])).status_code == 403
    assert [o.revoked_at for o in _overrides(tier_world.tenant)] == [None]
    # Nor are they offered the buttons on the profile.
    client.force_login(tier_world.rep)
    html = client.get(reverse("doctor_detail", args=[doctor.pk])).content.decode()
    assert not elements(html, "set-override") and not elements(html, "revoke-override")
