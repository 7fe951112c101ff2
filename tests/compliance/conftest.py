"""Fees tests read the English messages of services (the suite's default language is zh-hans)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield
