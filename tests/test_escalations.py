"""Working-day SLA and two-level 督办 through the API, with a frozen clock."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.signing import LEADER, OTHER_SPECIALIST, SPECIALIST, prepare, signed_project
from tests.working_days import end_of, iso, nth_working_day_after

CHAIN_BOSS = "chain-boss"  # 链长 of new-display
MAYORS = ("mayor-a", "mayor-b")  # 市领导


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def world(admin, staff, make_user, clock, login) -> dict:
    setup = prepare(staff, make_user)
    for username in (*MAYORS, CHAIN_BOSS):
        body = {"username": username, "role": "leader", "password": PASSWORD}
        body["city_leader"] = username in MAYORS
        assert admin.post("/api/users", json=body).status_code == 201
    make_user("bystander", "leader")
    project = signed_project(staff, task_force_id=setup["task_force_id"])
    return {"project": project, **setup}


def raise_ticket(client, project_id: int, priority: str = "high", title: str = "用地指标"):
    body = {"category": "land", "title": title, "priority": priority}
    response = client.post(f"/api/projects/{project_id}/tickets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def told(client, subject_type: str = "ticket", **params) -> list[tuple[int, str]]:
    """(level, username) of the escalations of tickets (or ``subject_type``) listed, sorted."""
    body = client.get("/api/escalations", params={"subject_type": subject_type, **params})
    assert body.status_code == 200, body.text
    return sorted((e["level"], e["to"]) for e in body.json()["items"])


def sign_in(app, username: str):
    client = TestClient(app)
    token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def after_national_day(n: int) -> date:
    """The n-th working day after the 2026 National Day holiday, from the calendar package."""
    day = date(2026, 10, 1)
    assert chinese_calendar.get_holiday_detail(day) == (True, "National Day")
    while chinese_calendar.is_holiday(day):
        day += timedelta(days=1)
    return chinese_calendar.get_workdays(day, day + timedelta(days=30))[n - 1]


def test_a_ticket_before_national_day_is_due_after_the_holiday(staff, world, clock):
    clock.moment = datetime(2026, 9, 30, 16, 0).astimezone()
    ticket = raise_ticket(staff, world["project"]["id"], "high")
    assert ticket["due_at"] == iso(end_of(after_national_day(3)))
    assert ticket["overdue"] is False
    clock.moment = datetime(2026, 10, 7, 23, 0).astimezone()  # the last day of the holiday
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["overdue"] is False


def test_escalation_at_due_to_the_task_force_leader_then_to_the_chain_leader(
    app, admin, staff, world, clock
):
    assert (
        admin.put("/api/chain-leaders/new-display", json={"username": CHAIN_BOSS}).status_code
        == 200
    )
    clock.moment = datetime(2026, 9, 30, 16, 0).astimezone()
    ticket = raise_ticket(staff, world["project"]["id"], "high")
    due = datetime.fromisoformat(ticket["due_at"])
    # Overdue by as long again: three more working days after the due day.
    second = end_of(nth_working_day_after(due.astimezone().date(), 3))

    clock.moment = due
    assert told(staff) == []
    clock.moment = due + timedelta(seconds=1)
    assert told(staff) == [(1, LEADER)]
    assert told(sign_in(app, LEADER), to="me") == [(1, LEADER)]
    assert told(sign_in(app, CHAIN_BOSS), to="me") == []

    clock.moment = second
    assert told(staff) == [(1, LEADER)]
    clock.moment = second + timedelta(seconds=1)
    assert told(staff) == [
        (1, LEADER),
        (2, CHAIN_BOSS),
    ]  # not the city leaders: the chain has a 链长
    for mayor in MAYORS:
        assert told(sign_in(app, mayor), to="me") == []
    mine = sign_in(app, CHAIN_BOSS).get("/api/escalations", params={"to": "me"}).json()
    [item] = mine["items"]
    assert item["subject_type"] == "ticket" and item["subject_id"] == ticket["id"]
    assert item["due_at"] == iso(second)
    assert [(s["level"], s["to"], s["notified_at"]) for s in item["chain"]] == [
        (1, LEADER, iso(due + timedelta(seconds=1))),
        (2, CHAIN_BOSS, iso(second + timedelta(seconds=1))),
    ]
    assert item["still_late"] is True

    # The sweep is idempotent, whoever runs it and however often.
    assert staff.post("/api/escalations/sweep").json() == {"recorded": 0}
    clock.moment += timedelta(days=30)
    staff.post("/api/escalations/sweep")  # the project may have turned red meanwhile
    assert staff.post("/api/escalations/sweep").json() == {"recorded": 0}
    assert told(staff) == [(1, LEADER), (2, CHAIN_BOSS)]
    everyone = told(staff) + told(staff, "project")
    audit = admin.get("/api/audit", params={"entity": "escalation"}).json()["items"]
    assert len(audit) == len(everyone) and {a["actor"] for a in audit} == {"escalation-sweep"}


def test_without_a_chain_leader_the_city_leaders_are_told(app, staff, world, clock):
    ticket = raise_ticket(staff, world["project"]["id"], "urgent")
    due = datetime.fromisoformat(ticket["due_at"])
    clock.moment = end_of(nth_working_day_after(due.astimezone().date(), 1)) + timedelta(minutes=1)
    assert told(staff) == [(1, LEADER), (2, MAYORS[0]), (2, MAYORS[1])]
    assert told(sign_in(app, "bystander"), to="me") == []
    # A ticket resolved in time escalates to nobody.
    clock.moment = datetime(2026, 3, 2, 4, 0).astimezone()
    done = raise_ticket(staff, world["project"]["id"], "urgent", title="已解决")
    body = {"version": done["version"], "status": "resolved", "resolution": "已处理"}
    assert staff.patch(f"/api/tickets/{done['id']}", json=body).status_code == 200
    clock.moment += timedelta(days=60)
    assert len(told(staff)) == 3


def test_an_admin_closure_pushes_the_due_date(admin, staff, world, clock, table_counts):
    raised = clock.moment
    ticket = raise_ticket(staff, world["project"]["id"], "high")
    assert ticket["due_at"] == iso(end_of(nth_working_day_after(raised.astimezone().date(), 3)))
    closed_day = nth_working_day_after(raised.astimezone().date(), 2)
    added = admin.post(
        "/api/workdays/closures", json={"day": closed_day.isoformat(), "reason": "台风停工"}
    )
    assert added.status_code == 201, added.text
    pushed = end_of(
        nth_working_day_after(raised.astimezone().date(), 3, closed=frozenset({closed_day}))
    )
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["due_at"] == iso(pushed)
    assert raise_ticket(staff, world["project"]["id"], "high")["due_at"] == iso(pushed)
    days = staff.get("/api/workdays", params={"from": closed_day, "to": closed_day}).json()["days"]
    assert days == [{"day": closed_day.isoformat(), "working": False, "closure": "台风停工"}]

    before = table_counts()
    same_day = {"day": closed_day.isoformat(), "reason": "重复"}
    assert admin.post("/api/workdays/closures", json=same_day).status_code == 409
    assert (
        admin.post("/api/workdays/closures", json={"day": "2026-03-20", "reason": ""}).status_code
        == 422
    )
    assert (
        admin.post("/api/workdays/closures", json={"day": "2626-03-20", "reason": "x"}).status_code
        == 422
    )
    assert (
        staff.post("/api/workdays/closures", json={"day": "2026-03-20", "reason": "x"}).status_code
        == 403
    )
    assert (
        admin.put("/api/chain-leaders/new-display", json={"username": "ghost"}).status_code == 422
    )
    assert (
        staff.put("/api/chain-leaders/new-display", json={"username": CHAIN_BOSS}).status_code
        == 403
    )
    assert table_counts() == before

    removed = admin.delete(f"/api/workdays/closures/{added.json()['id']}")
    assert removed.status_code == 204
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["due_at"] == ticket["due_at"]


def test_a_supervision_note_is_answered_by_the_right_person_only(app, staff, world, clock, login):
    project_id = world["project"]["id"]
    ticket = raise_ticket(staff, project_id)
    leader, mayor = sign_in(app, LEADER), sign_in(app, MAYORS[0])
    specialist, other = sign_in(app, SPECIALIST), sign_in(app, OTHER_SPECIALIST)

    on_project = leader.post(
        f"/api/projects/{project_id}/supervision-notes", json={"body": "开工为何推迟？"}
    )
    assert on_project.status_code == 201, on_project.text
    assert on_project.json()["respondent"] == SPECIALIST
    on_ticket = mayor.post(
        f"/api/tickets/{ticket['id']}/supervision-notes", json={"body": "本周内解决"}
    )
    assert on_ticket.status_code == 201 and on_ticket.json()["respondent"] == SPECIALIST
    refused = sign_in(app, "bystander").post(
        f"/api/projects/{project_id}/supervision-notes", json={"body": "x"}
    )
    assert refused.status_code == 403
    assert (
        other.post(f"/api/projects/{project_id}/supervision-notes", json={"body": "x"}).status_code
        == 403
    )
    assert (
        leader.post("/api/projects/999999/supervision-notes", json={"body": "x"}).status_code == 404
    )
    assert (
        leader.post(f"/api/projects/{project_id}/supervision-notes", json={"body": ""}).status_code
        == 422
    )

    done = raise_ticket(staff, project_id, title="已解决")
    body = {"version": done["version"], "status": "resolved", "resolution": "已处理"}
    assert staff.patch(f"/api/tickets/{done['id']}", json=body).status_code == 200
    settled = mayor.post(f"/api/tickets/{done['id']}/supervision-notes", json={"body": "x"})
    assert settled.status_code == 409  # a settled ticket takes no note

    note_id = on_project.json()["id"]
    answer = {"answer": "环评已批复，下月开工"}
    for stranger in (other, leader, mayor, staff):
        assert (
            stranger.post(f"/api/supervision-notes/{note_id}/answer", json=answer).status_code
            == 403
        )
    assert (
        specialist.post(f"/api/supervision-notes/{note_id}/answer", json={"answer": ""}).status_code
        == 422
    )
    clock.advance(hours=2)
    answered = specialist.post(f"/api/supervision-notes/{note_id}/answer", json=answer)
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["answer"], body["answered_by"], body["answered_at"]) == (
        answer["answer"],
        SPECIALIST,
        iso(clock.moment),
    )
    assert (
        specialist.post(f"/api/supervision-notes/{note_id}/answer", json=answer).status_code == 409
    )

    open_notes = specialist.get(
        "/api/supervision-notes", params={"to": "me", "unanswered": True}
    ).json()
    assert [n["id"] for n in open_notes["items"]] == [on_ticket.json()["id"]]
    every = staff.get("/api/supervision-notes").json()
    assert every["total"] == 2 and every["items"][0]["answered_at"] is None  # unanswered first


def test_only_the_office_reads_everyone_s_escalations(app, staff, world, login):
    viewer = login("viewer")
    assert viewer.get("/api/escalations").status_code == 403
    assert viewer.get("/api/escalations", params={"to": LEADER}).status_code == 403
    assert viewer.get("/api/escalations", params={"to": "me"}).status_code == 200
    assert viewer.post("/api/escalations/sweep").status_code == 403
    assert staff.get("/api/escalations", params={"to": "ghost"}).status_code == 422
    assert staff.get("/api/escalations", params={"level": 3}).status_code == 422


def test_a_red_project_escalates_when_it_turns_red_then_as_long_again(app, staff, world, clock):
    project_id = world["project"]["id"]
    plan = staff.get(f"/api/projects/{project_id}/milestones").json()
    first_planned = min(date.fromisoformat(m["planned_on"]) for m in plan["milestones"])
    # Red three months after the planned month has passed: the first day of the 4th month on.
    month = first_planned.replace(day=1)
    turns_red = date(month.year + (month.month + 3) // 12, (month.month + 3) % 12 + 1, 1)
    clock.moment = datetime.combine(turns_red - timedelta(days=1), datetime.min.time()).astimezone()
    clock.moment += timedelta(hours=12)
    assert staff.get(f"/api/projects/{project_id}").json()["light"] != "red"
    assert told(staff, "project") == []
    clock.moment += timedelta(days=1)
    assert staff.get(f"/api/projects/{project_id}").json()["light"] == "red"
    assert told(staff, "project") == [(1, LEADER)]
    # Red as long again (three more months): the city leaders (no 链长 on this chain).
    later = date(turns_red.year + (turns_red.month + 2) // 12, (turns_red.month + 2) % 12 + 1, 1)
    clock.moment = datetime.combine(later, datetime.min.time()).astimezone() - timedelta(hours=1)
    assert told(staff, "project") == [(1, LEADER)]
    clock.moment += timedelta(hours=2)
    assert told(staff, "project") == [(1, LEADER), (2, MAYORS[0]), (2, MAYORS[1])]
    assert told(staff, "project") == [(1, LEADER), (2, MAYORS[0]), (2, MAYORS[1])]
