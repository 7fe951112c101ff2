"""Fixtures of the tier page tests (the world itself: tests/segmentation_pages/world.py)."""

import pytest

from tests.segmentation_pages.world import build_tier_world


@pytest.fixture
def tier_world(tenant, make_user):
    return build_tier_world(tenant, make_user)


@pytest.fixture
def en(client, settings):
    """Pages in English, for the few assertions on words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
