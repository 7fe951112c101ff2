"""Fixtures of the import tests: uploads land in a temporary MEDIA_ROOT (also for a worker)."""

import pytest


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    # A Celery worker started after this fixture reads MEDIA_ROOT from its environment.
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    return root
