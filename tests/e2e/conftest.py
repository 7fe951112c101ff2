"""Real-browser tests: Playwright for Python driving Debian's chromium (never a downloaded one).

``page`` is a fresh browser context per test (desktop size); ``phone_page`` is a phone-sized
one (390×844, touch) for the rep pages. ``login(page, user)`` signs in through the real form.
Screenshots of failing tests land in tests/e2e/artifacts/.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous, which is what this flag allows.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    return context


def _watch_csp(pg) -> list[str]:
    """Collect the Content-Security-Policy violations the page reports (every e2e test fails on one)."""
    violations = []
    pg.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def _assert_no_csp_violation(request, violations):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.passed:
        assert not violations, f"the page broke the Content-Security-Policy: {violations}"


@pytest.fixture
def page(browser, live_server, request):
    context = _context(browser, live_server, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    violations = _watch_csp(pg)
    yield pg
    _keep_screenshot_on_failure(request, pg)
    context.close()
    _assert_no_csp_violation(request, violations)


@pytest.fixture
def phone_page(browser, live_server, request):
    context = _context(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    pg = context.new_page()
    violations = _watch_csp(pg)
    yield pg
    _keep_screenshot_on_failure(request, pg)
    context.close()
    _assert_no_csp_violation(request, violations)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _keep_screenshot_on_failure(request, pg):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a screenshot is a courtesy, never the failure
            pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


@pytest.fixture
def login():
    """login(page, user, password=TEST_PASSWORD): sign in through the login form."""
    from tests.factories import TEST_PASSWORD

    def do_login(pg, user, password=TEST_PASSWORD):
        pg.goto("/accounts/login/")
        pg.fill("input[name=username]", user.username)
        pg.fill("input[name=password]", password)
        pg.click("button[type=submit]")
        pg.wait_for_selector("[data-testid=home-title]")

    return do_login
