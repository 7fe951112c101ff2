"""Signing in, in Chinese (the default) and in English, in a real browser."""

from playwright.sync_api import expect


def test_login_in_chinese_shows_the_reps_day(page, rep, login):
    page.goto("/")
    # Not signed in: the login page, in Chinese by default.
    expect(page.locator("h1")).to_have_text("登录")
    login(page, rep)
    expect(page.locator("[data-testid=home-title]")).to_have_text("我的一天")
    expect(page.locator("footer")).to_contain_text(rep.name)


def test_wrong_password_is_refused_with_a_clear_message(page, rep):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", rep.username)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=login-error]")).to_contain_text("用户名")
    assert "/accounts/login/" in page.url


def test_switch_to_english_and_sign_in(page, make_user, tenant, login):
    manager = make_user(tenant, "manager")
    page.goto("/accounts/login/")
    page.locator("[data-testid=language-switch] button[value=en]").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    login(page, manager)
    expect(page.locator("[data-testid=home-title]")).to_have_text("My team")
    # The language sticks for the session: the territory page is in English too.
    page.goto("/territories/")
    expect(page.locator("h1")).to_have_text("Territories")


def test_sign_out(phone_page, rep, login):
    login(phone_page, rep)
    phone_page.locator("[data-testid=menu] summary").click()
    phone_page.locator("[data-testid=logout]").click()
    expect(phone_page.locator("h1")).to_have_text("登录")
