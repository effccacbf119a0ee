"""The stage board in Chromium, as the leader of 新型显示产业招商专班 (chenjing) uses it: moving a
card with its keyboard menu and by dragging, a backward move that asks for a reason, refused
moves that leave the card in place, signing that lands on the new project; zh and en.

Every lead moved here is a fresh one made for the test (its company named for it), so other
tests' counts and records are untouched."""

import re
from itertools import count

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.auth.models import User
from crm.companies import service as company_service
from crm.companies.schemas import CompanyCreate
from crm.db import transaction
from crm.leads import service as lead_service
from crm.leads.schemas import LeadCreate, StageMove
from crm.pipeline import service as pipeline
from crm.taskforces.models import TaskForce
from tests.browser.harness import assert_accessible, screenshot

OUR_UNIT = "新型显示产业招商专班"  # led by chenjing
OTHER_UNIT = "驻北京投资促进中心"  # chenjing neither leads nor belongs to it
PHONE = {"width": 390, "height": 844}
serial = count(1)


@pytest.fixture
def fresh_lead(live_server):
    """``fresh_lead(stage, unit=OUR_UNIT)`` → (lead id, company name): a new lead made through
    the services, in ``stage``, of a company nobody else touches."""
    factory = live_server.app.state.sessionmaker

    def make(stage: str = "identified", unit: str = OUR_UNIT) -> tuple[int, str]:
        name = f"看板测试{next(serial)}号{id(make) % 9973}科技有限公司"
        with transaction(factory) as session:
            company = company_service.create(session, CompanyCreate(name=name, is_local=False))
            task_force = session.scalar(select(TaskForce).where(TaskForce.name == unit))
            data = LeadCreate(
                company_id=company.id,
                segment="new-display:panel",
                task_force_id=task_force.id,
                priority="A",
                expected_investment=60000,
                specialist="sunli",  # an A lead negotiates only with its specialist named
            )
            lead, _ = lead_service.create(session, data)
            if stage != "identified":
                staff = session.scalar(select(User).where(User.username == "zhangwei"))
                pipeline.move_stage(session, lead, StageMove(stage=stage), staff)
            return lead.id, name

    return make


def lead_state(live_server, lead_id: int):
    with transaction(live_server.app.state.sessionmaker) as session:
        lead = lead_service.get(session, lead_id, with_history=True)
        last = lead.history[-1] if lead.history else None
        return lead.stage.value, (last.reason if last else None)


def unit_id(live_server, name: str = OUR_UNIT) -> int:
    with transaction(live_server.app.state.sessionmaker) as session:
        return session.scalar(select(TaskForce.id).where(TaskForce.name == name))


def open_board(page, live_server):
    page.goto(f"/leads/board?task_force={unit_id(live_server)}")
    expect(page.locator("h1")).to_contain_text(OUR_UNIT)


def card_in(page, stage: str, lead_id: int):
    return page.locator(f"section[data-stage={stage}] .card[data-lead-id='{lead_id}']")


def test_a_leader_moves_a_card_forward_with_the_keyboard_menu(
    page, log_in, live_server, fresh_lead
):
    lead_id, name = fresh_lead()
    log_in("leader")
    open_board(page, live_server)
    card = card_in(page, "identified", lead_id)
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("面板")
    expect(card).to_contain_text("60,000 万元")
    menu = card.get_by_label(re.compile("移动到"))
    expect(menu).to_have_value("contacted")  # the menu offers the next stage first
    menu.focus()
    menu.select_option("contacted")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(card_in(page, "contacted", lead_id)).to_be_visible()
    expect(card_in(page, "identified", lead_id)).to_have_count(0)
    expect(page.locator("#board-message")).to_have_text(f"已移动：{name} → 已接洽")
    expect(card_in(page, "contacted", lead_id).locator(".card-company")).to_be_focused()
    assert lead_state(live_server, lead_id)[0] == "contacted"
    page.reload()
    expect(card_in(page, "contacted", lead_id)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "board-zh-desktop")


def test_a_dragged_card_moves_to_the_column_it_is_dropped_on(page, log_in, live_server, fresh_lead):
    lead_id, _ = fresh_lead("contacted")
    log_in("leader")
    open_board(page, live_server)
    # dropped on the column's heading, in view (the column itself runs below the fold)
    card_in(page, "contacted", lead_id).drag_to(page.locator("section[data-stage=visited] h2"))
    expect(card_in(page, "visited", lead_id)).to_be_visible()
    assert lead_state(live_server, lead_id)[0] == "visited"


def test_a_backward_move_asks_for_a_reason_in_a_dialog(page, log_in, live_server, fresh_lead):
    lead_id, _ = fresh_lead("negotiating")
    log_in("leader")
    open_board(page, live_server)
    card = card_in(page, "negotiating", lead_id)
    card.locator("select[name=stage]").select_option("contacted")
    card.get_by_role("button", name="移动").click()
    dialog = page.locator("dialog#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("从“洽谈中”退回“已接洽”须填写原因。")
    assert lead_state(live_server, lead_id)[0] == "negotiating"
    dialog.get_by_label("原因").fill("企业投资计划推迟到明年")
    dialog.get_by_role("button", name="确认移动").click()
    expect(dialog).to_be_hidden()
    expect(card_in(page, "contacted", lead_id)).to_be_visible()
    assert lead_state(live_server, lead_id) == ("contacted", "企业投资计划推迟到明年")


def test_refused_moves_show_the_message_and_the_card_stays(
    page, log_in, live_server, fresh_lead, browser_watch
):
    lead_id, _ = fresh_lead()
    theirs, their_name = fresh_lead(unit=OTHER_UNIT)
    log_in("leader")
    open_board(page, live_server)
    card = card_in(page, "identified", lead_id)
    card.locator("select[name=stage]").select_option("started")
    card.get_by_role("button", name="移动").click()
    expect(page.locator("#board-message")).to_contain_text("线索须先签约，才能进入“已开工”阶段。")
    expect(card_in(page, "identified", lead_id)).to_be_visible()
    assert lead_state(live_server, lead_id)[0] == "identified"
    # another unit's lead: no menu on its card, and a forged post is refused
    page.goto(f"/leads/board?task_force={unit_id(live_server, OTHER_UNIT)}")
    other_card = page.locator(f".card[data-lead-id='{theirs}']")
    expect(other_card).to_contain_text(their_name)
    expect(other_card.locator("form")).to_have_count(0)
    forged = page.request.post(
        f"/leads/board/move/{theirs}",
        form={"stage": "visited"},
        headers={"Origin": live_server.url},
    )
    assert forged.status == 403 and "无权执行此操作" in forged.text()
    assert lead_state(live_server, theirs)[0] == "identified"


def test_signing_a_lead_names_a_specialist_and_lands_on_the_project(
    page, log_in, live_server, fresh_lead
):
    lead_id, name = fresh_lead("negotiating")
    log_in("leader")
    open_board(page, live_server)
    card = card_in(page, "negotiating", lead_id)
    card.locator("select[name=stage]").select_option("signed")
    card.get_by_role("button", name="移动").click()
    dialog = page.locator("dialog#move-dialog")
    expect(dialog.locator("h2")).to_have_text(f"签约：{name}")
    dialog.get_by_label("项目专员").select_option(label="孙丽")
    dialog.get_by_label("落地园区").select_option(label="云江高新技术产业开发区")
    dialog.get_by_label("签约投资额（万元）").fill("80000")
    screenshot(page, "board-sign-zh-desktop")
    dialog.get_by_role("button", name="确认签约").click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    with transaction(live_server.app.state.sessionmaker) as session:
        from crm.projects import service as project_service

        project = project_service.find_by_lead(session, lead_id)
        assert project is not None and project.specialist.username == "sunli"
        assert project.signed_investment == 80000 and project.park.name == "云江高新技术产业开发区"
        assert page.url.endswith(f"/projects/{project.id}")
        card_no = project.green_card.card_no
    green_card = page.locator("#green-card")
    expect(green_card.locator("h2")).to_have_text("服务绿卡")
    expect(green_card.locator(".card-no")).to_have_text(card_no)
    expect(page.locator("h1")).to_contain_text(name)


def test_the_board_in_english_and_on_a_phone(page, log_in, live_server, fresh_lead):
    fresh_lead()
    log_in("viewer")
    page.goto("/leads/board")
    expect(page.locator("h1")).to_have_text("线索阶段看板")
    expect(page.locator(".card-move")).to_have_count(0)  # a viewer moves nothing
    page.set_viewport_size(PHONE)
    screenshot(page, "board-zh-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Lead stage board")
    page.goto(f"/leads/board?task_force={unit_id(live_server)}")
    expect(page.locator("section[data-stage=negotiating] h2")).to_contain_text("Negotiating")
    page.locator(".board-halted summary").click()
    expect(page.locator("section[data-stage=paused]")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "board-en-desktop")
