"""Service tickets in Chromium over the demo data: a specialist raises a ticket and resolves
it, the queue follows; the office closes it with a rating; a leader opens the escalations; a
viewer gets no buttons and a forged post is refused. Screenshots for docs/screenshots."""

import re
import uuid

from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, screenshot

PHONE = {"width": 390, "height": 844}


def _log_out(page) -> None:
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(re.compile(r"/login"))


def test_a_ticket_from_raising_to_closing(page, log_in, browser_watch):
    title = f"厂房消防验收协调 {uuid.uuid4().hex[:6]}"
    log_in("specialist")
    page.goto("/tickets/new")
    expect(page.locator("h1")).to_have_text("提交服务诉求")
    assert_accessible(page)
    form = page.locator("main form[action='/tickets/new']")
    form.get_by_label("项目").select_option(index=1)
    form.get_by_label("类别").select_option(label="审批")
    form.get_by_label("紧急程度").select_option(label="高")
    form.get_by_label("标题").fill(title)
    form.get_by_label("诉求内容").fill("二期厂房消防验收需要住建部门现场指导。")
    form.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    ticket_path = re.search(r"/tickets/\d+$", page.url).group()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main")).to_contain_text("孙丽")  # raised by, by name
    expect(page.locator(".ticket-history")).to_contain_text("提出诉求")

    # The queue shows it, open and on time; from there the specialist resolves it.
    page.goto("/tickets")
    page.get_by_label("标题关键词").fill(title)
    row = page.locator("#results tr[data-ticket]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待处理")
    expect(row).to_contain_text("未到期")
    row.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(re.escape(ticket_path) + r"\?back="))
    resolve = page.locator("form[action$='/resolve']")
    browser_watch.allow_console_error(r"422")  # the refused form below comes back as 422
    resolve.get_by_role("button", name="标记为已解决").click()  # nothing typed: refused
    expect(page.locator("#resolution-error")).to_have_text("必填。")
    assert_accessible(page)
    page.locator("form[action$='/resolve'] textarea[name=resolution]").fill(
        "已协调住建局于周三现场指导，验收通过。"
    )
    page.locator("form[action$='/resolve']").get_by_role("button", name="标记为已解决").click()
    page.wait_for_url(re.compile(r"/tickets\?q="))
    expect(page.locator("#results tr[data-ticket]")).to_contain_text("已解决")
    page.get_by_label("状态").select_option(label="已解决")  # htmx swaps the results
    expect(page).to_have_url(re.compile(r"status=resolved"))
    expect(page.locator("#results tr[data-ticket]")).to_have_count(1)
    expect(page.locator("#results tr[data-ticket]")).to_contain_text("已办结")
    _log_out(page)

    # The office closes it with a satisfaction score.
    log_in("staff")
    page.goto(ticket_path)
    close = page.locator("form[action$='/close']")
    close.get_by_label("4 满意").check()
    close.get_by_role("button", name="关闭工单").click()
    page.wait_for_url(re.compile(re.escape(ticket_path) + "$"))
    expect(page.locator(".ticket-badges")).to_contain_text("已关闭")
    expect(page.locator(".ticket-satisfaction")).to_have_text("4 满意")
    expect(page.locator(".ticket-history")).to_contain_text("已解决 → 已关闭")
    expect(page.locator("main form[method=post]")).to_have_count(0)


def test_the_queue_for_the_office_in_chinese_english_and_on_a_phone(page, log_in):
    log_in("staff")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="服务工单").click()
    expect(page.locator("h1")).to_have_text("工单队列")
    rows = page.locator("#results tr[data-ticket]")
    expect(rows.first).to_contain_text("已逾期")  # overdue first
    expect(page.locator(".pager")).to_contain_text("共")
    assert_accessible(page)
    screenshot(page, "tickets-zh-desktop")
    first = rows.first.get_by_role("link").first
    first.click()
    expect(page.locator(".ticket-badges .sla")).to_have_text("已逾期")
    expect(page.locator("dl.facts")).to_contain_text("升级至")
    assert_accessible(page)
    screenshot(page, "ticket-zh-desktop")

    page.set_viewport_size(PHONE)
    page.goto("/tickets?status=in_progress&priority=urgent")
    expect(page.locator("#results tr[data-ticket]").first).to_contain_text("处理中")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "tickets-zh-phone")

    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Ticket queue")
    expect(page.locator("#results tr[data-ticket]").first).to_contain_text("Overdue")
    assert_accessible(page)
    screenshot(page, "tickets-en-desktop")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("工单队列")


def test_a_leader_opens_the_escalations(page, log_in):
    log_in("leader")
    page.goto("/tickets")
    page.get_by_role("link", name="督办").first.click()
    expect(page.locator("h1")).to_have_text("督办")
    expect(page.locator("#esc-heading")).to_contain_text("升级到我的督办")
    rows = page.locator("#results tr[data-escalation]")
    expect(rows.first).to_contain_text("一级 · 专班组长")
    expect(rows.first).to_contain_text("陈静")  # escalated to the signed-in leader
    assert_accessible(page)


def test_a_viewer_sees_no_actions_and_a_forged_post_is_refused(page, log_in, live_server):
    log_in("viewer")
    page.goto("/tickets?status=open")
    expect(page.locator("main a", has_text="提交诉求")).to_have_count(0)
    page.locator("#results tr[data-ticket]").first.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("您可以查看此工单，但无权办理。")
    expect(page.locator("main form[method=post]")).to_have_count(0)
    ticket_path = re.search(r"/tickets/\d+", page.url).group()
    status_before = page.locator(".ticket-badges .ticket-status").inner_text()
    forged = page.request.post(
        live_server.url + ticket_path + "/resolve",
        form={"version": "1", "resolution": "伪造的办结"},
        headers={"Origin": live_server.url, "Accept": "text/html"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "无权执行此操作" in forged.text()
    page.reload()
    expect(page.locator(".ticket-badges .ticket-status")).to_have_text(status_before)
    expect(page.locator("main")).not_to_contain_text("伪造的办结")
