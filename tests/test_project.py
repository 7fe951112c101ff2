"""Project-wide checks: migrations committed, translations complete, production settings safe."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db(databases=["default", "owner"])
def test_migrations_are_committed():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _po_entries(path):
    """(msgid, msgstr, fuzzy) of every non-obsolete entry of a .po file (tiny parser, no deps)."""
    entries, cur, key, fuzzy = [], {}, None, False

    def flush():
        if "msgid" in cur and cur["msgid"]:
            entries.append((cur["msgid"], cur.get("msgstr", cur.get("msgstr[0]", "")), fuzzy))

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            cur, key, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            cur[key] += eval(line)  # noqa: S307 - a quoted .po string literal
        else:
            key, _, value = line.partition(" ")
            cur[key] = eval(value)  # noqa: S307
    return entries


def test_chinese_translation_is_complete():
    entries = _po_entries(PO)
    assert len(entries) > 100
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert not missing, f"untranslated or fuzzy zh-hans strings: {missing[:20]}"


def test_compiled_catalogue_is_not_older_than_the_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime - 1


@pytest.mark.skipif(
    not any(os.access(os.path.join(p, "xgettext"), os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep)),
    reason="xgettext (gettext) is not installed; .ci/run installs it",
)
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    # makemessages in a scratch copy of the source tree: no msgid may be new.
    before = {m for m, _, _ in _po_entries(PO)}
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "staticfiles", "media", "tests", "__pycache__", "*.mo"),
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test"}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    after = {m for m, _, _ in _po_entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    new = sorted(after - before)
    assert not new, f"strings missing from locale/zh_Hans (run `make messages` and translate): {new[:20]}"


def test_translation_functions_keep_names_makemessages_knows():
    """makemessages finds strings by function name (``_``, ``gettext``, ``gettext_lazy``…): a
    string wrapped in an alias such as ``_lazy`` is never extracted, and the page stays English
    (seen: the ROI page's outcome labels and export headers)."""
    import ast

    aliased = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "tests", "node_modules", "staticfiles", "media"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                aliased += [f"{rel}: {a.name} as {a.asname}" for a in node.names if a.asname not in (None, "_")]
    assert not aliased, f"use the function's own name or _ so that makemessages extracts the strings: {aliased}"


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.production",
        "SECRET_KEY": "x7#kq!v2$m9@pl4&zr8^wt6*yb1(nc5)hd3-fj0+gs_ue-deploy-check-key",
        "ALLOWED_HOSTS": "crm.example.com",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process only
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_preflight_names_the_missing_service_and_the_docker_command():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.local",
        "DATABASE_ADMIN_URL": "postgres://postgres@127.0.0.1:1/postgres",
        "DATABASE_OWNER_URL": "postgres://crm_owner:crm_owner@127.0.0.1:1/pharmacrm",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "preflight"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("PostgreSQL is not reachable") and lines[1].startswith("Redis is not reachable")
    assert all("docker compose up -d db redis" in line for line in lines)
