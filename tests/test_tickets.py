"""Service tickets under green cards: SLA, workflow, overdue escalation (SPEC §2), via the API."""

from datetime import UTC, datetime, timedelta

import pytest

from crm.tickets import service as ticket_service
from tests.signing import LEADER, SPECIALIST, move, prepare, signed_project
from tests.working_days import due, iso

NOW = "2026-03-02T04:00:00Z"


@pytest.fixture
def setup(staff, make_user, clock) -> dict:
    return prepare(staff, make_user)


@pytest.fixture
def project(staff, setup) -> dict:
    return signed_project(staff, task_force_id=setup["task_force_id"])


def raise_ticket(client, project_id: int, **body):
    ticket = {"category": "land", "title": "用地指标协调", "priority": "normal", **body}
    return client.post(f"/api/projects/{project_id}/tickets", json=ticket)


def patch(client, ticket: dict, **body):
    return client.patch(f"/api/tickets/{ticket['id']}", json={"version": ticket["version"], **body})


RAISED = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "working_days"), [("urgent", 1), ("high", 3), ("normal", 7), ("low", 14)]
)
def test_due_time_follows_the_sla_of_the_priority(staff, project, priority, working_days):
    due_at = iso(due(RAISED, working_days))
    response = raise_ticket(staff, project["id"], priority=priority, description="需尽快落实")
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["raised_at"] == NOW
    assert ticket["due_at"] == due_at
    assert ticket["status"] == "open"
    assert ticket["assignee"] == SPECIALIST  # the project's specialist unless named
    assert ticket["raised_by"] == "staff1"
    assert ticket["card_no"] == project["green_card"]["card_no"]
    assert ticket["overdue"] is False
    assert ticket["escalated_to"] is None


def test_priority_defaults_to_normal_and_the_sla_is_configurable(app, staff, project):
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"sla_working_days": {"urgent": 2}})
    urgent = raise_ticket(staff, project["id"], priority="urgent").json()
    assert urgent["due_at"] == iso(due(RAISED, 2))
    normal = raise_ticket(staff, project["id"], priority=None)
    assert normal.status_code == 422
    default = staff.post(
        f"/api/projects/{project['id']}/tickets", json={"category": "talent", "title": "人才公寓"}
    ).json()
    assert default["priority"] == "normal"
    assert default["due_at"] == iso(due(RAISED, 7))  # priorities left out keep the default
    # A new priority moves the due time from when the ticket was raised.
    raised = patch(staff, default, priority="high")
    assert raised.json()["due_at"] == iso(due(RAISED, 3))


@pytest.mark.parametrize(
    "body",
    [
        {"category": "bribery", "title": "x"},
        {"category": "land", "title": ""},
        {"category": "land", "title": "x", "priority": "whenever"},
        {"category": "land", "title": "x", "assignee": "ghost"},
        {"category": "land", "title": "x", "status": "resolved"},
    ],
)
def test_bad_tickets_are_422_and_write_nothing(staff, project, table_counts, body):
    before = table_counts()
    response = staff.post(f"/api/projects/{project['id']}/tickets", json=body)
    assert response.status_code == 422, response.text
    assert table_counts() == before


def test_unknown_project_is_404(staff, setup):
    assert raise_ticket(staff, 99999).status_code == 404
    assert staff.get("/api/projects/99999/tickets").status_code == 404
    assert staff.get("/api/tickets/99999").status_code == 404


def test_resolving_needs_a_resolution(staff, project, clock, table_counts):
    ticket = raise_ticket(staff, project["id"]).json()
    before = table_counts()
    for status in ("resolved", "closed"):
        for resolution in ({}, {"resolution": ""}, {"resolution": "   "}):
            response = patch(staff, ticket, status=status, **resolution)
            assert response.status_code == 422, (status, resolution)
            assert response.json()["detail"][0]["loc"] == ["body", "resolution"]
    assert table_counts() == before
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["version"] == ticket["version"]

    working = patch(staff, ticket, status="in_progress").json()
    assert working["status"] == "in_progress"
    clock.advance(hours=30)
    resolved = patch(staff, working, status="resolved", resolution="国土部门已出具用地预审意见")
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_at"] == "2026-03-03T10:00:00Z"
    assert resolved.json()["closed_at"] is None
    # Taking the resolution away from a resolved ticket is refused as well.
    assert patch(staff, resolved.json(), resolution=None).status_code == 422


@pytest.mark.parametrize("satisfaction", [0, 6, -1, 2.5, "good"])
def test_satisfaction_out_of_range_is_422(staff, project, satisfaction):
    ticket = raise_ticket(staff, project["id"]).json()
    resolved = patch(staff, ticket, status="resolved", resolution="已办结").json()
    response = patch(staff, resolved, satisfaction=satisfaction)
    assert response.status_code == 422


def test_satisfaction_rates_a_resolved_ticket(staff, project):
    ticket = raise_ticket(staff, project["id"]).json()
    assert patch(staff, ticket, satisfaction=5).status_code == 422  # not resolved yet
    resolved = patch(staff, ticket, status="resolved", resolution="已办结").json()
    rated = patch(staff, resolved, satisfaction=4)
    assert rated.status_code == 200
    closed = patch(staff, rated.json(), status="closed")
    assert closed.status_code == 200, closed.text
    assert closed.json()["satisfaction"] == 4
    assert closed.json()["closed_at"] == NOW
    # A closed ticket takes only a new rating.
    assert patch(staff, closed.json(), satisfaction=5).json()["satisfaction"] == 5
    current = staff.get(f"/api/tickets/{ticket['id']}").json()
    assert patch(staff, current, status="open").status_code == 422


def test_reopening_clears_the_resolution_stamp_and_rating(staff, project):
    ticket = raise_ticket(staff, project["id"]).json()
    resolved = patch(staff, ticket, status="resolved", resolution="已办结", satisfaction=2).json()
    assert resolved["satisfaction"] == 2
    reopened = patch(staff, resolved, status="open").json()
    assert reopened["resolved_at"] is None
    assert reopened["satisfaction"] is None


def test_stale_version_is_409(staff, project):
    ticket = raise_ticket(staff, project["id"]).json()
    assert patch(staff, ticket, status="in_progress").status_code == 200
    stale = patch(staff, ticket, assignee=LEADER)
    assert stale.status_code == 409
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["assignee"] == SPECIALIST


def test_overdue_tickets_escalate_to_the_task_force_leader(app, staff, project, clock, login, db):
    urgent = raise_ticket(staff, project["id"], priority="urgent", title="停电抢修").json()
    normal = raise_ticket(staff, project["id"], priority="normal", title="办证").json()
    done = raise_ticket(staff, project["id"], priority="urgent", title="已解决").json()
    patch(staff, done, status="resolved", resolution="已处理")
    assert staff.get("/api/tickets", params={"overdue": True}).json()["total"] == 0

    clock.advance(days=2)  # past the urgent SLA (1 day), within the normal one (7 days)
    overdue = staff.get("/api/tickets", params={"overdue": True}).json()
    assert [t["id"] for t in overdue["items"]] == [urgent["id"]]
    assert overdue["items"][0]["overdue"] is True
    assert overdue["items"][0]["escalated_to"] == LEADER
    on_time = staff.get("/api/tickets", params={"overdue": False}).json()
    assert {t["id"] for t in on_time["items"]} == {normal["id"], done["id"]}
    assert all(t["overdue"] is False and t["escalated_to"] is None for t in on_time["items"])

    escalated = staff.get("/api/tickets", params={"escalated_to": LEADER}).json()
    assert [t["id"] for t in escalated["items"]] == [urgent["id"]]
    assert staff.get("/api/tickets", params={"escalated_to": "staff1"}).json()["total"] == 0
    leader = login("leader", "leader-x")
    assert leader.get("/api/tickets/escalations").json()["total"] == 0

    with db() as session:
        now = clock()
        assert ticket_service.overdue_ticket_count(session, now=now) == 1
        assert ticket_service.overdue_ticket_count(session, now=now, escalated_to=LEADER) == 1
        assert ticket_service.overdue_ticket_count(session, now=now, chain="new-display") == 1
        assert ticket_service.overdue_ticket_count(session, now=now, chain="other") == 0
        later = datetime(2026, 3, 20, tzinfo=UTC)
        assert ticket_service.overdue_ticket_count(session, now=later) == 2

    # Working on it does not stop the clock; resolving does.
    in_progress = patch(staff, urgent, status="in_progress").json()
    assert in_progress["overdue"] is True
    resolved = patch(staff, in_progress, status="resolved", resolution="已恢复供电").json()
    assert resolved["overdue"] is False
    assert staff.get("/api/tickets", params={"overdue": True}).json()["total"] == 0


def test_escalations_for_the_signed_in_leader(staff, make_user, clock, login):
    leader = login("leader", "zhou-zz")
    prepare(staff, make_user)
    task_force = staff.post(
        "/api/taskforces", json={"name": "智慧家庭专班", "kind": "task_force", "leader": "zhou-zz"}
    ).json()
    project = signed_project(staff, task_force_id=task_force["id"])
    ticket = raise_ticket(staff, project["id"], priority="high").json()
    assert leader.get("/api/tickets/escalations").json()["total"] == 0
    clock.moment = datetime.fromisoformat(ticket["due_at"]) + timedelta(seconds=1)
    mine = leader.get("/api/tickets/escalations").json()
    assert [t["id"] for t in mine["items"]] == [ticket["id"]]
    assert mine["items"][0]["escalated_to"] == "zhou-zz"


def test_ticket_lists_and_filters(staff, project, setup):
    other = signed_project(staff, "另一家企业")
    a = raise_ticket(staff, project["id"], category="financing", title="流动资金贷款").json()
    b = raise_ticket(staff, project["id"], category="permits", assignee=LEADER).json()
    c = raise_ticket(staff, other["id"], category="utilities", priority="urgent").json()
    patch(staff, b, status="in_progress")

    def ids(url: str = "/api/tickets", **params) -> list[int]:
        body = staff.get(url, params=params).json()
        assert body["total"] == len(body["items"])
        return [t["id"] for t in body["items"]]

    assert ids() == [c["id"], a["id"], b["id"]]  # soonest due first
    assert ids(f"/api/projects/{project['id']}/tickets") == [a["id"], b["id"]]
    assert ids(project_id=other["id"]) == [c["id"]]
    assert ids(status="in_progress") == [b["id"]]
    assert ids(category="financing") == [a["id"]]
    assert ids(priority="urgent") == [c["id"]]
    assert ids(assignee=LEADER) == [b["id"]]
    assert ids(q="贷款") == [a["id"]]
    assert ids(task_force_id=setup["task_force_id"]) == [a["id"], b["id"]]
    page = staff.get("/api/tickets", params={"limit": 1, "offset": 2}).json()
    assert (page["total"], [t["id"] for t in page["items"]]) == (3, [b["id"]])
    assert staff.get("/api/tickets", params={"status": "nope"}).status_code == 422


def test_tickets_are_refused_for_a_project_whose_card_is_closed(staff, project, table_counts):
    card = project["green_card"]
    closed = staff.patch(
        f"/api/projects/{project['id']}/green-card",
        json={"version": card["version"], "status": "closed"},
    )
    assert closed.status_code == 200
    before = table_counts()
    response = raise_ticket(staff, project["id"])
    assert response.status_code == 409
    assert card["card_no"] in response.json()["detail"]
    assert "active green card" in response.json()["detail"]
    assert table_counts() == before


def test_production_closes_the_card_to_new_tickets(staff, project):
    open_ticket = raise_ticket(staff, project["id"]).json()
    assert move(staff, project["lead_id"], "producing").status_code == 200
    assert raise_ticket(staff, project["id"]).status_code == 409
    # Tickets raised before can still be finished.
    finished = patch(staff, open_ticket, status="resolved", resolution="投产前已办结")
    assert finished.status_code == 200


def test_viewer_may_not_change_tickets(staff, project, login, table_counts):
    ticket = raise_ticket(staff, project["id"]).json()
    viewer = login("viewer")
    assert viewer.get(f"/api/tickets/{ticket['id']}").status_code == 200
    before = table_counts()
    assert patch(viewer, ticket, status="in_progress").status_code == 403
    assert raise_ticket(viewer, project["id"]).status_code == 403
    assert table_counts() == before


def test_specialist_raises_and_works_tickets_of_their_projects(staff, setup, project, login):
    specialist = login("specialist", "sun")
    own = signed_project(staff, "华星光电", specialist="sun")
    assert raise_ticket(specialist, project["id"]).status_code == 403  # zhang-zy's project
    ticket = raise_ticket(specialist, own["id"])
    assert ticket.status_code == 201
    assert ticket.json()["raised_by"] == "sun"
    assert patch(specialist, ticket.json(), status="in_progress").status_code == 200


def test_ticket_changes_are_audited(staff, project, clock):
    ticket = raise_ticket(staff, project["id"], priority="high").json()
    patch(staff, ticket, status="resolved", resolution="已协调解决", assignee=LEADER)
    response = staff.get(
        "/api/audit", params={"entity": "service_ticket", "record_id": str(ticket["id"])}
    )
    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["update", "insert"]
    assert {e["actor"] for e in entries} == {"staff1"}
    update, insert = entries
    assert insert["changes"]["title"] == [None, "用地指标协调"]
    assert insert["changes"]["priority"] == [None, "high"]
    assert update["changes"]["status"] == ["open", "resolved"]
    assert update["changes"]["resolution"] == [None, "已协调解决"]
    assert update["changes"]["resolved_at"] == [None, "2026-03-02T04:00:00+00:00"]
    card_entries = staff.get("/api/audit", params={"entity": "green_card"}).json()["items"]
    assert [e["action"] for e in card_entries] == ["insert"]
    assert card_entries[0]["changes"]["card_no"] == [None, project["green_card"]["card_no"]]
