"""Milestone plans, verification, funding schedules and project lights, through the API with a
frozen clock (signing on 2026-03-02)."""

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from crm.db import transaction
from crm.projects import lights
from tests.conftest import PASSWORD
from tests.signing import LEADER, OTHER_SPECIALIST, SPECIALIST, move, prepare, signed_project

SIGNED = date(2026, 3, 2)
KINDS = [
    "filed",
    "land_supplied",
    "planning_permit",
    "construction_permit",
    "construction_started",
    "completed",
    "production_started",
    "registered",
]
EARLY = KINDS[:4]  # planned before the construction start


def at(clock, day: date) -> None:
    """Noon in Beijing on ``day``."""
    clock.moment = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


@pytest.fixture
def signed_in(app):
    """``signed_in(username)``: a client of a user that exists already."""
    clients = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(app)
        token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def setup(staff, make_user, clock) -> dict:
    return prepare(staff, make_user)


@pytest.fixture
def project(staff, setup) -> dict:
    return signed_project(staff, task_force_id=setup["task_force_id"])


def plan_of(client, project_id: int) -> dict:
    response = client.get(f"/api/projects/{project_id}/milestones")
    assert response.status_code == 200, response.text
    return response.json()


def milestone(client, project_id: int, kind: str) -> dict:
    return next(m for m in plan_of(client, project_id)["milestones"] if m["kind"] == kind)


def patch(client, project_id: int, kind: str, **body):
    """PATCH a milestone; the version is the one read now unless the test gives one."""
    body.setdefault("version", milestone(client, project_id, kind)["version"])
    return client.patch(f"/api/projects/{project_id}/milestones/{kind}", json=body)


def verify(client, project_id: int, kind: str, **body):
    return client.post(f"/api/projects/{project_id}/milestones/{kind}/verification", json=body)


def listed(client, **query) -> set[int]:
    response = client.get("/api/projects", params={"limit": 200, **query})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_signing_plans_every_milestone_from_the_signing_date(staff, project):
    plan = plan_of(staff, project["id"])
    assert [m["kind"] for m in plan["milestones"]] == KINDS
    planned = {m["kind"]: m["planned_on"] for m in plan["milestones"]}
    # Default schedule: months after signing on 2026-03-02.
    assert planned == {
        "filed": "2026-04-02",
        "land_supplied": "2026-05-02",
        "planning_permit": "2026-06-02",
        "construction_permit": "2026-08-02",
        "construction_started": "2026-09-02",
        "completed": "2027-09-02",
        "production_started": "2027-11-02",
        "registered": "2028-05-02",
    }
    assert plan["light"] == "green"
    assert all(m["actual_on"] is None and m["verification"] is None for m in plan["milestones"])


def test_the_planned_month_passing_turns_a_milestone_amber_and_three_months_red(
    staff, project, clock
):
    pid = project["id"]
    for kind in EARLY:  # reached (pending counts as progress), so only the start is late
        assert patch(staff, pid, kind, actual_on="2026-03-02").status_code == 200
    expected = [
        (date(2026, 9, 30), "green"),
        (date(2026, 10, 1), "amber"),
        (date(2026, 12, 31), "amber"),
        (date(2027, 1, 1), "red"),
    ]
    for day, light in expected:
        at(clock, day)
        plan = plan_of(staff, pid)
        start = next(m for m in plan["milestones"] if m["kind"] == "construction_started")
        assert (day, start["light"], plan["light"]) == (day, light, light)
        assert listed(staff, light=light) == {pid}
        assert {item["light"] for item in staff.get("/api/projects").json()["items"]} == {light}
        assert staff.get(f"/api/projects/{pid}").json()["light"] == light
    assert start["days_late"] == (date(2027, 1, 1) - date(2026, 9, 30)).days


def test_a_rejected_milestone_is_not_reached(staff, project, clock):
    pid = project["id"]
    at(clock, date(2026, 5, 1))  # filing planned in April
    assert patch(staff, pid, "filed", actual_on="2026-04-20").status_code == 200
    assert milestone(staff, pid, "filed")["light"] == "green"
    rejected = verify(staff, pid, "filed", decision="rejected", opinion="备案证编号不符")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["light"] == "amber"
    assert rejected.json()["opinion"] == "备案证编号不符"


def test_a_funding_instalment_31_days_late_is_amber(staff, project, clock):
    pid = project["id"]
    added = staff.post(
        f"/api/projects/{pid}/funding-schedule", json={"due_on": "2026-03-02", "amount": 1000}
    )
    assert added.status_code == 201, added.text
    at(clock, date(2026, 4, 1))  # 30 days late
    schedule = staff.get(f"/api/projects/{pid}/funding-schedule").json()
    assert (schedule["light"], schedule["instalments"][0]["days_late"]) == ("green", 30)
    assert listed(staff, light="green") == {pid}
    at(clock, date(2026, 4, 2))  # 31 days late
    schedule = staff.get(f"/api/projects/{pid}/funding-schedule").json()
    assert (schedule["light"], schedule["instalments"][0]["days_late"]) == ("amber", 31)
    assert plan_of(staff, pid)["light"] == "amber"
    assert listed(staff, light="amber") == {pid}
    paid = staff.post(f"/api/projects/{pid}/funding", json={"date": "2026-04-02", "amount": 1000})
    assert paid.status_code == 201
    schedule = staff.get(f"/api/projects/{pid}/funding-schedule").json()
    assert schedule["instalments"][0]["met"] is True
    assert (schedule["light"], schedule["received"], schedule["scheduled"]) == (
        "green",
        1000,
        1000,
    )
    assert listed(staff, light="amber") == set()


def test_instalments_are_covered_in_due_order(staff, project, clock):
    pid = project["id"]
    for due, amount in (("2026-03-10", 600), ("2026-03-20", 400)):
        staff.post(f"/api/projects/{pid}/funding-schedule", json={"due_on": due, "amount": amount})
    staff.post(f"/api/projects/{pid}/funding", json={"date": "2026-03-02", "amount": 700})
    at(clock, date(2026, 4, 30))  # 41 and 51 days after the due dates
    rows = staff.get(f"/api/projects/{pid}/funding-schedule").json()["instalments"]
    assert [(r["due_to_date"], r["met"], r["light"]) for r in rows] == [
        (600, True, "green"),
        (1000, False, "amber"),
    ]


def test_an_accepted_production_milestone_sets_what_the_reports_count(staff, project, clock):
    pid = project["id"]
    at(clock, date(2026, 6, 15))
    recorded = patch(
        staff, pid, "production_started", actual_on="2026-06-10", evidence_url="https://x.cn/p"
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["verification"] == "pending"
    assert recorded.json()["counts_in_reports"] is False
    pending = staff.get(f"/api/projects/{pid}").json()
    assert pending["production_started_on"] is None
    assert pending["construction_started_on"] is None
    accepted = verify(staff, pid, "production_started", decision="accepted")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["counts_in_reports"] is True
    assert accepted.json()["verified_by"] == "staff1"
    counted = staff.get(f"/api/projects/{pid}").json()
    assert counted["production_started_on"] == "2026-06-10"
    # Producing implies started: the start is taken to be the production day.
    assert counted["construction_started_on"] == "2026-06-10"
    assert counted["construction_start_inferred"] is True


def test_without_acceptance_a_recorded_milestone_counts_at_once(app, staff, project, clock):
    app.state.settings = app.state.settings.model_copy(update={"milestones_need_acceptance": False})
    pid = project["id"]
    at(clock, date(2026, 6, 15))
    recorded = patch(staff, pid, "construction_started", actual_on="2026-06-01")
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["counts_in_reports"] is True
    assert staff.get(f"/api/projects/{pid}").json()["construction_started_on"] == "2026-06-01"


def test_a_stage_move_records_its_milestone_as_accepted(staff, project, clock):
    pid = project["id"]
    at(clock, date(2026, 5, 20))
    assert move(staff, project["lead_id"], "started").status_code == 200
    start = milestone(staff, pid, "construction_started")
    assert (start["actual_on"], start["verification"]) == ("2026-05-20", "accepted")
    back = move(staff, project["lead_id"], "signed", reason="开工信息有误")
    assert back.status_code == 200, back.text
    start = milestone(staff, pid, "construction_started")
    assert (start["actual_on"], start["verification"]) == (None, None)


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("construction_started", {"actual_on": "2026-03-01"}, "actual_on"),  # before signing
        ("land_supplied", {"actual_on": "2025-02-01"}, "actual_on"),  # over a year before
        ("filed", {"actual_on": "2026-03-03"}, "actual_on"),  # in the future
        ("filed", {"planned_on": "2026-02-01"}, "planned_on"),  # plan before signing
        ("filed", {"planned_on": None}, "planned_on"),
        ("filed", {"evidence_url": "javascript:alert(1)"}, "evidence_url"),
    ],
    ids=["work-before-signing", "old-land", "future", "plan-before", "no-plan", "bad-link"],
)
def test_bad_milestone_input_is_refused_and_changes_nothing(
    staff, project, table_counts, kind, body, field
):
    before = (table_counts(), plan_of(staff, project["id"]))
    response = patch(staff, project["id"], kind, **body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field
    assert (table_counts(), plan_of(staff, project["id"])) == before


def test_land_supplied_before_signing_is_accepted(staff, project):
    response = patch(staff, project["id"], "land_supplied", actual_on="2025-09-15")
    assert response.status_code == 200, response.text


def test_works_keep_their_order(staff, project, clock):
    pid = project["id"]
    at(clock, date(2026, 8, 1))
    assert patch(staff, pid, "construction_started", actual_on="2026-06-01").status_code == 200
    refused = patch(staff, pid, "completed", actual_on="2026-05-01")
    assert refused.status_code == 422
    assert "construction_started" in refused.json()["detail"][0]["msg"]


def test_verification_rules(staff, signed_in, project, table_counts):
    pid = project["id"]
    assert verify(staff, pid, "filed", decision="accepted").status_code == 409  # nothing yet
    assert patch(staff, pid, "filed", actual_on="2026-03-02").status_code == 200
    before = table_counts(), milestone(staff, pid, "filed")
    for opinion in (None, "   "):
        body = {"decision": "rejected"} | ({"opinion": opinion} if opinion else {})
        refused = verify(staff, pid, "filed", **body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "opinion"]
    assert verify(staff, pid, "filed", decision="pending").status_code == 422
    specialist = signed_in(SPECIALIST)  # the project's own specialist
    assert verify(specialist, pid, "filed", decision="accepted").status_code == 403
    assert (table_counts(), milestone(staff, pid, "filed")) == before
    leader = signed_in(LEADER)  # leads the project's task force
    assert verify(leader, pid, "filed", decision="accepted").status_code == 200
    assert verify(staff, pid, "filed", decision="accepted").status_code == 409  # decided


def test_only_who_writes_the_project_records_its_milestones(signed_in, login, staff, project):
    other = signed_in(OTHER_SPECIALIST)
    assert patch(other, project["id"], "filed", actual_on="2026-03-02").status_code == 403
    own = signed_in(SPECIALIST)
    assert patch(own, project["id"], "filed", actual_on="2026-03-02").status_code == 200
    viewer = login("viewer")
    assert patch(viewer, project["id"], "filed", actual_on="2026-03-02").status_code == 403
    assert viewer.get(f"/api/projects/{project['id']}/milestones").status_code == 200


def test_evidence_file_is_kept_and_asks_for_verification_again(staff, project):
    pid = project["id"]
    patch(staff, pid, "filed", actual_on="2026-03-02")
    assert verify(staff, pid, "filed", decision="accepted").status_code == 200
    content = b"%PDF-1.4 filing certificate"
    url = f"/api/projects/{pid}/milestones/filed/evidence"
    uploaded = staff.post(url, files={"file": ("备案证.pdf", content, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["size"] == len(content)
    filed = milestone(staff, pid, "filed")
    assert filed["verification"] == "pending"
    assert filed["evidence_file"]["filename"] == "备案证.pdf"
    downloaded = staff.get(filed["evidence_file"]["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [("page.html", b"<script>"), ("empty.pdf", b"")],
    ids=["html", "empty"],
)
def test_bad_evidence_files_are_refused(staff, project, table_counts, name, content):
    before = table_counts()
    url = f"/api/projects/{project['id']}/milestones/filed/evidence"
    response = staff.post(url, files={"file": (name, content, "text/html")})
    assert response.status_code == 422, response.text
    assert table_counts() == before
    assert staff.get(url).status_code == 404


def test_a_funding_instalment_before_signing_is_refused(staff, project, table_counts):
    before = table_counts()
    url = f"/api/projects/{project['id']}/funding-schedule"
    for body in ({"due_on": "2026-03-01", "amount": 10}, {"due_on": "2026-05-01", "amount": 0}):
        assert staff.post(url, json=body).status_code == 422
    assert table_counts() == before


@pytest.fixture
def watched(staff, setup, clock) -> dict[str, int]:
    """Six projects signed on 2026-03-02, seen on 2026-07-01."""
    tf = setup["task_force_id"]
    made = {
        name: signed_project(staff, company, task_force_id=tf)
        for name, company in [
            ("overdue", "甲公司"),
            ("waiting", "乙公司"),
            ("stalled", "丙公司"),
            ("building_late", "丁公司"),
            ("producing", "戊公司"),
            ("lost", "己公司"),
        ]
    }
    ids = {name: p["id"] for name, p in made.items()}
    assert patch(staff, ids["overdue"], "construction_started", planned_on="2026-05-20").is_success
    for name in ("stalled", "building_late", "producing"):
        assert move(staff, made[name]["lead_id"], "started").status_code == 200
    assert move(staff, made["producing"]["lead_id"], "producing").status_code == 200
    assert patch(staff, ids["building_late"], "completed", planned_on="2026-05-15").is_success
    lost = move(staff, made["lost"]["lead_id"], "lost", reason="企业战略调整")
    assert lost.status_code == 200, lost.text
    at(clock, date(2026, 7, 1))  # 121 days after the start of the started ones
    paid = {"date": "2026-06-20", "amount": 500}
    assert staff.post(f"/api/projects/{ids['building_late']}/funding", json=paid).is_success
    return ids


def test_watch_lists_hold_exactly_the_right_projects(staff, watched):
    expected = {
        "overdue_start": {watched["overdue"]},
        "not_started": {watched["overdue"], watched["waiting"]},
        "started_stalled": {watched["stalled"]},
        "not_completed": {watched["building_late"]},
    }
    for watch, ids in expected.items():
        assert (watch, listed(staff, watch=watch)) == (watch, ids)
    counts = staff.get("/api/projects/watchlists").json()
    assert {k: counts[k] for k in expected} == {k: len(v) for k, v in expected.items()}
    assert staff.get("/api/projects", params={"watch": "nonsense"}).status_code == 422


def test_red_projects_for_escalation(staff, watched, db, clock):
    # On 2027-01-01 the unreached filing (April 2026) is more than three months late for all
    # but the lost project, which is never escalated.
    with transaction(db) as session:
        red = lights.red_projects(session, today=date(2027, 1, 1))
        assert {p.id for p in red} == set(watched.values()) - {watched["lost"]}
        assert all(p.specialist.username == SPECIALIST for p in red)
        assert lights.red_projects(session, today=date(2026, 7, 31)) == []
