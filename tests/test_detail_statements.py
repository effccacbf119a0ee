"""A detail page reads in a fixed number of statements: no query per history row, funding
entry, incentive or ticket (the statements are counted on the app's engine)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.signing import move, negotiating_lead, prepare, signed_project

LEAD_STATEMENTS = 4  # the user; the lead with what it shows joined; its history; its project
PROJECT_STATEMENTS = 8  # the user; the project joined; funding; incentives; green-card members;
# specialist changes; the light (milestones and schedule)


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, client, url: str) -> int:
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, response.text
    return len(statements)


@pytest.fixture
def setup(staff, make_user, clock) -> dict:
    return prepare(staff, make_user)


def test_lead_detail_statements_do_not_grow_with_its_history(app, staff, setup):
    lead_id = negotiating_lead(staff, "语句计数科技")
    url = f"/api/leads/{lead_id}"
    few = statements_for(app, staff, url)
    for stage in ("paused", "negotiating", "lost", "negotiating", "paused", "negotiating"):
        body = {"reason": "等待审批"}
        response = move(staff, lead_id, stage, **body)
        assert response.status_code == 200, response.text
    detail = staff.get(url).json()
    assert len(detail["history"]) == 7
    assert statements_for(app, staff, url) == few <= LEAD_STATEMENTS


def test_project_detail_statements_do_not_grow_with_its_rows(app, staff, setup):
    project = signed_project(staff, "语句计数项目", task_force_id=setup["task_force_id"])
    url = f"/api/projects/{project['id']}"
    few = statements_for(app, staff, url)
    for day in range(1, 6):
        entry = {"date": f"2026-03-0{day}", "amount": 100 * day}
        response = staff.post(f"{url}/funding", json=entry)
        if response.status_code == 422:  # a date after today: stop there
            break
        assert response.status_code == 201, response.text
    for title in ("用地指标协调", "能耗指标", "人才公寓"):
        ticket = {"category": "land", "title": title, "priority": "normal"}
        assert staff.post(f"{url}/tickets", json=ticket).status_code == 201
    detail = staff.get(url).json()
    assert len(detail["funding"]) >= 2
    assert statements_for(app, staff, url) == few <= PROJECT_STATEMENTS
