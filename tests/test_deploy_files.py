"""The deployment files say what the README says (no Docker engine runs here to try them)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_db_redis_web_worker_beat_from_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert "healthcheck" in services["db"] and "healthcheck" in services["redis"]
    app_images = {services[s]["image"] for s in ("web", "worker", "beat", "init")}
    assert app_images == {"pharmacrm:latest"}
    assert "gunicorn crm.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A crm worker")
    assert "DatabaseScheduler" in services["beat"]["command"]
    # Roles and migrations before anything serves traffic; the app connects as the RLS-bound role.
    assert "db_bootstrap" in services["init"]["command"] and "migrate" in services["init"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://crm_app:")


def test_procfile_starts_web_worker_and_beat():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(lines) == {"web", "worker", "beat"}


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    for login in ("hk_rep", "hk_admin", "platform"):
        assert login in readme
