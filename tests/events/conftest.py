import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched in English here (the pages' language is the browser's)."""
    with translation.override("en"):
        yield
