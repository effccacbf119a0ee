"""The stage board through HTTP: columns and cards, who sees move controls, moves through the
same pipeline as the API (reasons, refusals in the page's language, signing), and a fixed
number of queries however many cards."""

import re

import pytest
from sqlalchemy import event

from crm.pages.board import views as board_views
from tests.factories import chain_file, company
from tests.signing import OTHER_SPECIALIST, PARK, SPECIALIST

ORIGIN = {"Origin": "http://testserver"}
LEADER = "leader-web"


@pytest.fixture
def unit(staff, make_user, browser_login):
    """A chain, a park, two specialists, and two task forces: ours (led by the signed-in
    leader) and another; returns the leader's page client and the ids."""
    leader = browser_login("leader", LEADER)
    make_user(SPECIALIST, "specialist", "张专员")
    make_user(OTHER_SPECIALIST, "specialist", "王专员")
    make_user("other-leader", "leader")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    assert staff.post("/api/parks", json={"name": PARK, "level": "national"}).status_code == 201
    ours = staff.post(
        "/api/taskforces", json={"name": "新型显示专班", "kind": "task_force", "leader": LEADER}
    )
    other = staff.post(
        "/api/taskforces", json={"name": "外资专班", "kind": "task_force", "leader": "other-leader"}
    )
    assert ours.status_code == 201 and other.status_code == 201
    return {"client": leader, "ours": ours.json()["id"], "other": other.json()["id"]}


def new_lead(staff, name: str, task_force_id: int, stage: str | None = None, **fields) -> int:
    """A lead of 5亿, in ``stage``; a negotiating one has its specialist unless told otherwise
    (the rule of crm.leads.presigning)."""
    if stage == "negotiating":
        fields.setdefault("specialist", SPECIALIST)
    created = staff.post("/api/companies", json=company(name))
    assert created.status_code == 201, created.text
    body = {
        "company_id": created.json()["id"],
        "segment": "new-display:panel",
        "task_force_id": task_force_id,
        "expected_investment": 50000,
        **fields,
    }
    lead = staff.post("/api/leads", json=body)
    assert lead.status_code == 201, lead.text
    if stage:
        assert (
            staff.post(f"/api/leads/{lead.json()['id']}/stage", json={"stage": stage}).status_code
            == 200
        )
    return lead.json()["id"]


def card(html: str, lead_id: int) -> str:
    found = re.search(rf'<li class="card[^"]*" data-lead-id="{lead_id}".*?</li>', html, re.S)
    assert found, f"no card for lead {lead_id}"
    return found.group(0)


def column_of(html: str, lead_id: int) -> str:
    """The stage of the column the lead's card is in."""
    position = html.index(f'data-lead-id="{lead_id}"')
    return re.findall(r'<section class="board-column[^"]*" data-stage="(\w+)"', html[:position])[-1]


def stage_of(staff, lead_id: int) -> str:
    return staff.get(f"/api/leads/{lead_id}").json()["stage"]


def test_the_board_shows_a_column_per_stage_with_cards(staff, unit):
    lead = new_lead(staff, "深圳玻璃科技", unit["ours"], "contacted", priority="A")
    page = unit["client"].get(f"/leads/board?task_force={unit['ours']}")
    assert page.status_code == 200
    stages = re.findall(r'<section class="board-column[^"]*" data-stage="(\w+)"', page.text)
    assert stages == [
        "identified",
        "contacted",
        "visited",
        "negotiating",
        "signed",
        "started",
        "producing",
        "paused",
        "lost",
    ]
    assert '<details class="board-halted">' in page.text  # paused and lost fold away
    shown = card(page.text, lead)
    assert column_of(page.text, lead) == "contacted"
    assert f'href="/leads/{lead}"' in shown and "深圳玻璃科技" in shown
    assert "面板" in shown and "A 级" in shown and "50,000 万元" in shown and "本阶段 0 天" in shown
    assert "新型显示专班" in page.text


def test_a_full_column_links_to_the_leads_list_of_its_stage(staff, unit, monkeypatch):
    monkeypatch.setattr(board_views, "CARDS_PER_STAGE", 2)
    for n in range(3):
        new_lead(staff, f"企业{n}", unit["ours"])
    page = unit["client"].get(f"/leads/board?task_force={unit['ours']}").text
    assert page.count('data-lead-id="') == 2
    link = f'href="/leads?stage=identified&amp;task_force_id={unit["ours"]}"'
    assert link in page and "另有 1 条" in page


def test_the_board_loads_in_the_same_number_of_queries_however_many_cards(app, staff, unit):
    client = unit["client"]
    statements: list[str] = []
    engine = app.state.engine
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    new_lead(staff, "企业甲", unit["ours"])
    event.listen(engine, "before_cursor_execute", listen)
    client.get("/leads/board")
    few = len(statements)
    event.remove(engine, "before_cursor_execute", listen)
    for n, stage in enumerate(["contacted", "visited", "negotiating", "paused", None] * 2):
        new_lead(staff, f"企业{n}", unit["other"], stage if stage != "paused" else None)
    statements.clear()
    event.listen(engine, "before_cursor_execute", listen)
    page = client.get("/leads/board")
    event.remove(engine, "before_cursor_execute", listen)
    assert page.text.count('data-lead-id="') == 11
    assert len(statements) == few


def test_only_users_who_may_move_a_lead_see_its_move_menu(staff, unit, browser_login):
    ours = new_lead(staff, "我们的企业", unit["ours"])
    theirs = new_lead(staff, "别人的企业", unit["other"])
    page = unit["client"].get("/leads/board").text
    assert 'class="card-move"' in card(page, ours)
    assert 'class="card-move"' not in card(page, theirs)
    assert 'draggable="true"' in card(page, ours) and "draggable" not in card(page, theirs)
    viewer = browser_login("viewer").get("/leads/board").text
    assert "card-move" not in viewer and "draggable" not in viewer
    assert f'data-lead-id="{ours}"' in viewer


def test_a_leader_moves_a_lead_forward_and_returns_to_the_board(staff, unit):
    lead = new_lead(staff, "深圳玻璃科技", unit["ours"])
    response = unit["client"].post(
        f"/leads/board/move/{lead}",
        data={"stage": "visited", "task_force": unit["ours"]},
        headers=ORIGIN,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/leads/board?task_force={unit['ours']}"
    assert stage_of(staff, lead) == "visited"
    board = unit["client"].get(response.headers["location"]).text
    assert column_of(board, lead) == "visited"


def test_a_backward_move_asks_for_a_reason_and_takes_one(staff, unit, table_counts):
    lead = new_lead(staff, "深圳玻璃科技", unit["ours"], "negotiating")
    client = unit["client"]
    asked = client.get(f"/leads/board/move/{lead}?stage=contacted", headers={"HX-Request": "true"})
    assert asked.status_code == 200 and 'data-needs="reason"' in asked.text
    assert "<html" not in asked.text  # the form alone, for the dialog
    before = table_counts()
    refused = client.post(f"/leads/board/move/{lead}", data={"stage": "contacted"}, headers=ORIGIN)
    assert refused.status_code == 422
    assert "从“洽谈中”退回“已接洽”须填写原因。" in refused.text
    assert 'name="reason"' in refused.text and 'aria-invalid="true"' in refused.text
    assert table_counts() == before and stage_of(staff, lead) == "negotiating"
    moved = client.post(
        f"/leads/board/move/{lead}",
        data={"stage": "contacted", "reason": "企业投资计划推迟"},
        headers=ORIGIN,
    )
    assert moved.status_code == 303
    history = staff.get(f"/api/leads/{lead}").json()["history"]
    assert history[-1]["to"] == "contacted" and history[-1]["reason"] == "企业投资计划推迟"


def test_a_refused_skip_shows_the_rule_in_the_page_language(staff, unit):
    lead = new_lead(staff, "深圳玻璃科技", unit["ours"])
    client = unit["client"]
    asked = client.get(f"/leads/board/move/{lead}?stage=started", headers={"HX-Request": "true"})
    assert 'data-refused="未能移动：线索须先签约，才能进入“已开工”阶段。"' in asked.text
    refused = client.post(f"/leads/board/move/{lead}", data={"stage": "started"}, headers=ORIGIN)
    assert refused.status_code == 422 and "线索须先签约，才能进入“已开工”阶段。" in refused.text
    client.get("/lang/en?next=/")
    english = client.post(f"/leads/board/move/{lead}", data={"stage": "started"}, headers=ORIGIN)
    assert "A lead must be signed before it is “Construction started”." in english.text
    assert stage_of(staff, lead) == "identified"


def test_a_stale_card_is_refused_with_the_current_version(staff, unit):
    lead = new_lead(staff, "深圳玻璃科技", unit["ours"])
    version = staff.get(f"/api/leads/{lead}").json()["version"]
    assert staff.post(f"/api/leads/{lead}/stage", json={"stage": "contacted"}).status_code == 200
    refused = unit["client"].post(
        f"/leads/board/move/{lead}", data={"stage": "visited", "version": version}, headers=ORIGIN
    )
    assert refused.status_code == 409 and "该线索已被他人修改" in refused.text
    assert stage_of(staff, lead) == "contacted"


def test_a_forged_move_of_another_units_lead_is_forbidden(staff, unit, browser_login):
    theirs = new_lead(staff, "别人的企业", unit["other"])
    response = unit["client"].post(
        f"/leads/board/move/{theirs}", data={"stage": "visited"}, headers=ORIGIN
    )
    assert response.status_code == 403 and "无权执行此操作" in response.text
    assert unit["client"].get(f"/leads/board/move/{theirs}?stage=visited").status_code == 403
    viewer = browser_login("viewer")
    assert (
        viewer.post(
            f"/leads/board/move/{theirs}", data={"stage": "visited"}, headers=ORIGIN
        ).status_code
        == 403
    )
    assert stage_of(staff, theirs) == "identified"


def test_signing_asks_for_the_terms_and_goes_to_the_new_project(staff, unit):
    # Below 1亿 a negotiating lead may have no specialist yet; signing then asks for one.
    lead = new_lead(
        staff,
        "深圳玻璃科技",
        unit["ours"],
        "negotiating",
        expected_investment=5000,
        specialist=None,
    )
    client = unit["client"]
    form = client.get(f"/leads/board/move/{lead}?stage=signed")
    assert form.status_code == 200 and 'data-needs="signing"' in form.text
    assert f'<option value="{SPECIALIST}"' in form.text and "张专员" in form.text
    assert f'<option value="{PARK}"' in form.text
    refused = client.post(f"/leads/board/move/{lead}", data={"stage": "signed"}, headers=ORIGIN)
    assert refused.status_code == 422 and "签约须指定一名项目专员。" in refused.text
    assert stage_of(staff, lead) == "negotiating"
    signed = client.post(
        f"/leads/board/move/{lead}",
        data={"stage": "signed", "specialist": SPECIALIST, "park": PARK, "investment": "80000"},
        headers={**ORIGIN, "HX-Request": "true"},
    )
    assert signed.status_code == 200
    project_id = staff.get(f"/api/leads/{lead}").json()["project_id"]
    assert signed.headers["HX-Redirect"] == f"/projects/{project_id}"
    project = staff.get(f"/api/projects/{project_id}").json()
    assert project["specialist"] == SPECIALIST and project["signed_investment"] == 80000


def test_a_bad_board_address_is_a_clear_error(unit):
    client = unit["client"]
    assert client.get("/leads/board?task_force=abc").status_code == 422
    assert client.get("/leads/board?task_force=999999").status_code == 404
    assert client.get("/leads/board?task_force=").status_code == 200
    assert client.get("/leads/board/move/1?stage=nowhere").status_code == 422
