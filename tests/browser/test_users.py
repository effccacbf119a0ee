"""The users pages in Chromium: an administrator adds a user, who logs in (a browser of their
own) and changes their own password at /account; a viewer reaches neither page."""

import uuid

from playwright.sync_api import expect

from tests.browser.harness import (
    AXE_URL_PATH,
    assert_accessible,
    axe_file,
    log_in_through_form,
    screenshot,
)

PHONE = {"width": 390, "height": 844}
FIRST = "harbor violet compass 58"
SECOND = "quiet ember lattice 91"


def test_an_admin_adds_a_user_who_logs_in_and_changes_their_password(
    page, log_in, browser, live_server, browser_watch
):
    log_in("admin")
    page.goto("/users")
    expect(page.locator("h1")).to_have_text("用户管理")
    username = f"bt{uuid.uuid4().hex[:8]}"
    form = page.locator("form[action='/users']")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("姓名").fill("测试新人")
    form.get_by_label("角色").select_option("viewer")
    form.get_by_label("初始密码").fill("1234567890")
    form.get_by_label("再次输入密码").fill("1234567890")
    browser_watch.allow_console_error(r"422")  # the refusal below, on purpose
    form.get_by_role("button", name="新增用户").click()
    expect(page.locator("#password-error")).to_be_visible()  # too easy to guess, beside the field
    form.get_by_label("初始密码").fill(FIRST)
    form.get_by_label("再次输入密码").fill(FIRST)
    form.get_by_role("button", name="新增用户").click()
    expect(page.get_by_role("status")).to_contain_text(username)
    expect(page.locator("table.users-table")).to_contain_text("测试新人")
    assert_accessible(page)
    screenshot(page, "users-zh-desktop")

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    context.on("console", browser_watch.on_console)
    context.route("**/*", browser_watch.route)
    context.route(  # axe from the test itself, as the page fixture serves it
        live_server.url + AXE_URL_PATH,
        lambda route: route.fulfill(path=axe_file(), content_type="text/javascript; charset=utf-8"),
    )
    try:
        theirs = context.new_page()
        log_in_through_form(theirs, username, FIRST)
        theirs.locator("header a.who").click()
        expect(theirs.locator("h1")).to_have_text("我的账户")
        theirs.get_by_label("当前密码").fill(FIRST)
        theirs.locator("#f-new_password").fill(SECOND)
        theirs.get_by_label("再次输入新密码").fill(SECOND)
        theirs.get_by_role("button", name="修改密码").click()
        expect(theirs.get_by_role("status")).to_contain_text("密码已修改")
        assert_accessible(theirs)
        screenshot(theirs, "account-zh-desktop")
        theirs.goto("/chains")  # still signed in here
        expect(theirs.locator("header a.who")).to_contain_text("测试新人")
    finally:
        context.close()

    page.goto(f"/users/{username}")
    page.get_by_role("button", name="停用该用户").click()
    expect(page.get_by_role("status")).to_contain_text("已保存")
    expect(page.get_by_role("button", name="重新启用该用户")).to_be_visible()
    expect(page.locator("main")).to_contain_text("状态：已停用")
    assert_accessible(page)
    screenshot(page, "user-edit-zh-desktop")


def test_the_users_page_on_a_phone(page, log_in):
    log_in("admin")
    page.set_viewport_size(PHONE)
    page.goto("/users")
    expect(page.locator("table.users-table")).to_contain_text("zhangwei")
    screenshot(page, "users-zh-phone")


def test_a_viewer_has_no_users_page_and_a_forged_post_is_refused(page, log_in, browser_watch):
    log_in("viewer")
    expect(page.locator("nav.mainnav a[href='/users']")).to_have_count(0)
    browser_watch.allow_console_error(r"403")
    response = page.goto("/users")
    assert response is not None and response.status == 403
    name = f"forged{uuid.uuid4().hex[:6]}"
    data = {"username": name, "role": "admin", "password": FIRST, "password_again": FIRST}
    forged = page.request.post("/users", form=data)
    assert forged.status == 403
    cross_site = page.request.post("/users", form=data, headers={"Origin": "http://evil.example"})
    assert cross_site.status == 403
    page.goto("/account")
    expect(page.locator("h1")).to_have_text("我的账户")  # everyone has their own account
