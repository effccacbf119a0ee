"""Tickets for local companies (no project): raised by the office, the same SLA, in the queue,
the liaison's to work on and escalated to them when overdue; a project's ticket still works;
the migration keeps existing tickets."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from crm import migrate
from tests.conftest import PASSWORD
from tests.ladder_world import city_leader, local_company
from tests.signing import SPECIALIST, prepare, signed_project
from tests.test_migration_figures import BEFORE, ROWS, STAMP, scratch_database
from tests.working_days import due, iso

RAISED = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # the frozen clock


def raise_for(client, company_id: int, **body):
    ticket = {"category": "land", "title": "厂房扩建用地", "priority": "high", **body}
    return client.post(f"/api/companies/{company_id}/tickets", json=ticket)


@pytest.fixture
def firm(staff, clock, db, make_user) -> dict:
    firm = local_company(staff, "云江本地精工")
    leader = city_leader(db, make_user, "mayor-li", role="leader")
    response = staff.put(
        f"/api/companies/{firm['id']}/liaison", json={"leader": leader, "since": "2025-01-01"}
    )
    assert response.status_code == 200, response.text
    return firm


def test_a_local_firm_ticket_gets_its_due_date_and_shows_in_the_queue(staff, firm, browser_login):
    response = raise_for(staff, firm["id"])
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["project_id"] is None and ticket["card_no"] is None
    assert ticket["company_id"] == firm["id"] and ticket["company"] == "云江本地精工"
    assert ticket["due_at"] == iso(due(RAISED, 3))  # high: three working days
    assert ticket["assignee"] == "staff1"  # whoever raised it, unless named
    queue = staff.get("/api/tickets").json()
    assert [t["id"] for t in queue["items"]] == [ticket["id"]]
    own = staff.get(f"/api/companies/{firm['id']}/tickets").json()
    assert own["total"] == 1
    web = browser_login("staff")
    page = web.get("/tickets")
    assert page.status_code == 200
    assert "云江本地精工" in page.text and f"/companies/{firm['id']}" in page.text
    detail = web.get(f"/tickets/{ticket['id']}")
    assert detail.status_code == 200 and "云江本地精工" in detail.text


def test_a_non_local_company_gets_no_ticket(staff, clock, table_counts):
    outsider = staff.post("/api/companies", json={"name": "外地目标企业"}).json()
    before = table_counts()
    refused = raise_for(staff, outsider["id"])
    assert refused.status_code == 422
    assert "本地企业" in refused.json()["detail"][0]["msg"]
    assert table_counts() == before
    assert raise_for(staff, 999999).status_code == 404


def test_the_liaison_works_the_ticket_and_is_told_when_overdue(app, staff, firm, clock):
    ticket = raise_for(staff, firm["id"]).json()
    liaison = app_client(app, "mayor-li")
    mine = liaison.get("/api/tickets", params={"mine": "true"}).json()
    assert [t["id"] for t in mine["items"]] == [ticket["id"]]
    clock.advance(days=10)  # past the three working days
    late = staff.get(f"/api/tickets/{ticket['id']}").json()
    assert late["overdue"] is True and late["escalated_to"] == "mayor-li"
    escalated = staff.get("/api/tickets", params={"escalated_to": "mayor-li"}).json()
    assert escalated["total"] == 1
    swept = staff.post("/api/escalations/sweep")
    assert swept.status_code == 200, swept.text
    told = liaison.get("/api/escalations", params={"to": "me"})
    assert told.status_code == 200
    assert ticket["id"] in [e["subject_id"] for e in told.json()["items"]]
    worked = liaison.patch(
        f"/api/tickets/{ticket['id']}",
        json={"version": late["version"], "status": "resolved", "resolution": "已协调用地"},
    )
    assert worked.status_code == 200, worked.text
    leaders = staff.get("/api/ladder/leaders").json()
    row = next(r for r in leaders if r["leader"] == "mayor-li")
    assert row["firms"][0]["open_tickets"] == 0


def test_others_may_not_raise_or_work_a_local_firm_ticket(login, staff, firm, table_counts):
    ticket = raise_for(staff, firm["id"]).json()
    specialist = login("specialist")
    before = table_counts()
    assert raise_for(specialist, firm["id"]).status_code == 403
    patched = specialist.patch(
        f"/api/tickets/{ticket['id']}", json={"version": ticket["version"], "title": "改"}
    )
    assert patched.status_code == 403
    assert table_counts() == before


def test_leaders_list_marks_overdue_tickets(staff, firm, clock):
    raise_for(staff, firm["id"], priority="urgent")
    raise_for(staff, firm["id"], priority="low")
    staff.post(
        "/api/companies/{}/tiers".format(firm["id"]),
        json={"tier": "upgrade", "entered_on": "2025-03-01"},
    )
    clock.advance(days=3)
    leaders = staff.get("/api/ladder/leaders").json()
    row = next(r for r in leaders if r["leader"] == "mayor-li")
    assert row["firms"] == [
        {
            "company_id": firm["id"],
            "company": "云江本地精工",
            "tiers": ["upgrade"],
            "plan_status": None,
            "open_tickets": 2,
            "overdue_tickets": 1,
        }
    ]


def test_a_project_ticket_still_works(staff, make_user, clock):
    setup = prepare(staff, make_user)
    project = signed_project(staff, task_force_id=setup["task_force_id"])
    body = {"category": "permits", "title": "施工许可", "priority": "normal"}
    response = staff.post(f"/api/projects/{project['id']}/tickets", json=body)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["project_id"] == project["id"] and ticket["company_id"] is None
    assert ticket["assignee"] == SPECIALIST
    assert ticket["card_no"] == project["green_card"]["card_no"]


def app_client(app, username: str):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


PARENT = "d5a7c3e19f42"  # the revision before the ladder


def test_the_migration_keeps_tickets_and_allows_exactly_one_subject(tmp_path):
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    with scratch_database(tmp_path) as url:
        migrate.upgrade(url, BEFORE)
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for statement in ROWS:
                    connection.execute(text(statement), {"now": now})
            migrate.upgrade(url, PARENT)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO green_card (id, project_id, card_no, issued_at, status, "
                        f"version, created_at, updated_at) VALUES (1, 1, 'GC-1', :now, 'active', {STAMP})"
                    ),
                    {"now": now},
                )
                connection.execute(
                    text(
                        "INSERT INTO service_ticket (id, project_id, green_card_id, category, title, "
                        "priority, status, raised_at, due_at, city_due_at, version, created_at, "
                        f"updated_at) VALUES (1, 1, 1, 'land', '用地', 'high', 'open', :now, :now, "
                        f":now, {STAMP})"
                    ),
                    {"now": now},
                )
            migrate.upgrade(url)
            with engine.connect() as connection:
                kept = connection.execute(
                    text("SELECT id, project_id, green_card_id, company_id FROM service_ticket")
                ).all()
            insert = (
                "INSERT INTO service_ticket (id, project_id, green_card_id, company_id, category, "
                "title, priority, status, raised_at, due_at, city_due_at, version, created_at, "
                "updated_at) VALUES (:id, :project, :card, :company, 'land', '用地', 'high', "
                f"'open', :now, :now, :now, {STAMP})"
            )
            with engine.begin() as connection:
                connection.execute(
                    text(insert), {"id": 2, "project": None, "card": None, "company": 2, "now": now}
                )
            for project, card, company in ((1, 1, 2), (None, None, None)):
                with pytest.raises(IntegrityError), engine.begin() as connection:
                    connection.execute(
                        text(insert),
                        {"id": 3, "project": project, "card": card, "company": company, "now": now},
                    )
        finally:
            engine.dispose()
    assert kept == [(1, 1, 1, None)]
