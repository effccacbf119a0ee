"""The 督办 pages over HTTP: the settings page (closures, 链长), the city leader flag on the user
page, 督办 notes on a ticket page (sent and answered only by the right people)."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.signing import LEADER, SPECIALIST, prepare, signed_project


def web_client(app, username: str) -> TestClient:
    """Signed in through the log-in form as an existing user."""
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def world(staff, make_user, clock) -> dict:
    setup = prepare(staff, make_user)
    project = signed_project(staff, task_force_id=setup["task_force_id"])
    body = {"category": "land", "title": "用地指标", "priority": "high"}
    ticket = staff.post(f"/api/projects/{project['id']}/tickets", json=body).json()
    return {"project": project, "ticket": ticket}


def test_the_admin_adds_and_removes_a_closure_and_names_a_chain_leader(
    browser_login, staff, world, make_user, table_counts
):
    admin = browser_login("admin")
    page = admin.get("/workdays")
    assert page.status_code == 200 and "工作日与督办设置" in page.text
    added = admin.post("/workdays/closures", data={"day": "2026-03-04", "reason": "台风停工"})
    assert added.status_code == 303
    ticket = staff.get(f"/api/tickets/{world['ticket']['id']}").json()
    assert ticket["due_at"] > world["ticket"]["due_at"]  # pushed by a working day
    assert 'data-closure="2026-03-04"' in admin.get("/workdays").text

    before = table_counts()
    again = admin.post("/workdays/closures", data={"day": "2026-03-04", "reason": "重复"})
    assert again.status_code == 409 and "工作日与督办设置" in again.text
    assert admin.post("/workdays/closures", data={"reason": "x"}).status_code == 422
    assert table_counts() == before

    closure_id = staff.get("/api/workdays/closures").json()[0]["id"]
    assert admin.post(f"/workdays/closures/{closure_id}/delete").status_code == 303
    ticket = staff.get(f"/api/tickets/{world['ticket']['id']}").json()
    assert ticket["due_at"] == world["ticket"]["due_at"]

    make_user("mayor", "viewer")
    named = admin.post("/workdays/chain-leaders/new-display", data={"username": "mayor"})
    assert named.status_code == 303
    leaders = {c["chain"]: c["leader"] for c in staff.get("/api/chain-leaders").json()}
    assert leaders["new-display"] == "mayor"
    assert browser_login("staff", "staff-web").get("/workdays").status_code == 403


def test_the_admin_flags_a_city_leader_on_the_user_page(browser_login, login):
    admin = browser_login("admin")
    api_admin = login("admin", "admin-api")
    login("viewer", "mayor")
    user = api_admin.get("/api/users/mayor").json()
    assert user["city_leader"] is False
    page = admin.get("/users/mayor")
    assert "设为市领导" in page.text
    flagged = admin.post("/users/mayor", data={"version": user["version"], "city_leader": "true"})
    assert flagged.status_code == 303
    assert api_admin.get("/api/users/mayor").json()["city_leader"] is True
    assert "取消市领导" in admin.get("/users/mayor").text


def test_a_note_on_a_ticket_page_is_answered_by_the_assignee_only(app, browser_login, world):
    ticket_id = world["ticket"]["id"]
    # The ticket page loads the panel; the leader of the project's task force may send.
    assert (
        f'hx-get="/supervision/ticket/{ticket_id}"'
        in browser_login("staff").get(f"/tickets/{ticket_id}").text
    )
    leader = web_client(app, LEADER)
    panel = leader.get(f"/supervision/ticket/{ticket_id}")
    assert panel.status_code == 200 and "发出督办单" in panel.text
    viewer = browser_login("viewer")
    assert "发出督办单" not in viewer.get(f"/supervision/ticket/{ticket_id}").text
    assert viewer.post(f"/supervision/ticket/{ticket_id}", data={"body": "x"}).status_code == 403

    sent = leader.post(f"/supervision/ticket/{ticket_id}", data={"body": "请本周内办结"})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/tickets/{ticket_id}#supervision"
    assert leader.post(f"/supervision/ticket/{ticket_id}", data={"body": ""}).status_code == 422
    panel = leader.get(f"/supervision/ticket/{ticket_id}").text
    note_id = int(re.search(r'data-note="(\d+)"', panel).group(1))
    assert "未答复" in panel and "提交答复" not in panel  # the leader does not answer

    assert (
        leader.post(f"/supervision/notes/{note_id}/answer", data={"answer": "x"}).status_code == 403
    )
    specialist = web_client(app, SPECIALIST)
    assert "提交答复" in specialist.get(f"/supervision/ticket/{ticket_id}").text
    waiting = specialist.get("/tickets/escalations").text
    assert f'data-note="{note_id}"' in waiting and "请本周内办结" in waiting
    answered = specialist.post(f"/supervision/notes/{note_id}/answer", data={"answer": "已办结"})
    assert answered.status_code == 303
    panel = specialist.get(f"/supervision/ticket/{ticket_id}").text
    assert "已办结" in panel and "提交答复" not in panel
