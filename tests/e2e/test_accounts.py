"""Accounts in a real browser: profile, passwords, sign-out everywhere, platform staff, API docs, the CSP.

Every page fixture also fails a test on any Content-Security-Policy violation (conftest.py);
the first test shows that guard sees one.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, WITH_PLATFORM_COMMITTED


def test_the_policy_blocks_an_inline_script_and_the_guard_sees_it(browser, live_server, rep, login):
    context = browser.new_context(base_url=live_server.url)
    pg = context.new_page()
    reports = []
    pg.on("console", lambda m: reports.append(m.text))
    login(pg, rep)
    pg.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
        " document.body.appendChild(s); }"
    )
    assert pg.evaluate("() => window.pwned") is None
    expect(pg.locator("[data-testid=home-title]")).to_be_visible()
    context.close()
    assert any("Content Security Policy" in text for text in reports), reports


def test_profile_language_and_sign_out_everywhere(phone_page, rep, login):
    page = phone_page
    login(page, rep)
    page.locator("[data-testid=menu] summary").click()
    page.get_by_role("link", name="个人资料").click()
    expect(page.locator("[data-testid=page-title]")).to_have_text("个人资料")
    page.fill("input[name=phone]", "13800138000")
    page.select_option("select[name=language]", "en")
    page.locator("[data-testid=save-profile]").click()
    expect(page.locator("[data-testid=page-title]")).to_have_text("My profile")
    expect(page.locator("input[name=phone]")).to_have_value("13800138000")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=sign-out-everywhere]").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".flash")).to_contain_text("signed out everywhere")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_a_forgotten_password_is_reset_by_e_mail(page, tenant, make_user):
    user = make_user(tenant, "rep", email="zhao.qiang@example.com")
    mail.outbox = []
    page.goto("/accounts/login/")
    page.locator("[data-testid=forgot-password]").click()
    page.fill("input[name=email]", "zhao.qiang@example.com")
    page.locator("[data-testid=send-reset]").click()
    expect(page.locator("[data-testid=page-title]")).to_have_text("请查收邮件")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    page.goto(link)
    page.fill("input[name=new_password1]", "Kp4!browser-reset")
    page.fill("input[name=new_password2]", "Kp4!browser-reset")
    page.locator("[data-testid=save-password]").click()
    expect(page.locator("[data-testid=page-title]")).to_have_text("密码已设置")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "Kp4!browser-reset")
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=home-title]")).to_be_visible()


@WITH_PLATFORM_COMMITTED
def test_platform_staff_create_a_tenant_and_its_first_admin(page, browser, live_server, platform_staff):
    page.goto("/admin/login/")
    page.fill("#id_username", platform_staff.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("[type=submit]")
    page.goto("/admin/accounts/tenant/add/")
    page.fill("#id_name", "安康药业")
    page.fill("#id_code", "ankang")
    page.click("[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto("/admin/accounts/user/add/")
    page.fill("#id_username", "ak_admin")
    page.fill("#id_password1", "Zx9!long-pass")
    page.fill("#id_password2", "Zx9!long-pass")
    page.select_option("#id_tenant", label="安康药业")
    page.select_option("#id_role", "tenant_admin")
    page.click("[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()

    context = browser.new_context(base_url=live_server.url)
    admin = context.new_page()
    admin.goto("/admin/login/")
    admin.fill("#id_username", "ak_admin")
    admin.fill("#id_password", "Zx9!long-pass")
    admin.click("[type=submit]")
    admin.goto("/admin/accounts/user/")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    expect(admin.locator("#result_list")).to_contain_text("ak_admin")
    expect(admin.locator("#result_list")).not_to_contain_text(platform_staff.username)
    assert admin.goto("/admin/accounts/tenant/").status == 403
    context.close()


def test_api_docs_render_without_inline_code(page, tenant, make_user, login):
    login(page, make_user(tenant, "product_manager"))
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PharmaCRM API")
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
