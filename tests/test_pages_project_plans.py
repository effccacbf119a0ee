"""The milestone plan, funding schedule and lights on the project pages, through HTTP: forms
run the API's services after the same policy; refusals show beside the row."""

from datetime import UTC, datetime

import pytest

from tests.signing import LEADER, SPECIALIST, prepare, signed_project
from tests.test_pages_projects import POST, web_client


@pytest.fixture
def project(staff, make_user, clock) -> dict:
    setup = prepare(staff, make_user)
    return signed_project(staff, "京东方科技", task_force_id=setup["task_force_id"])


def milestone_version(client, project_id: int, kind: str) -> int:
    plan = client.get(f"/api/projects/{project_id}/milestones").json()
    return next(m["version"] for m in plan["milestones"] if m["kind"] == kind)


def test_a_milestone_saved_from_a_stale_page_is_refused_and_changes_nothing(app, staff, project):
    pid = project["id"]
    specialist = web_client(app, SPECIALIST)
    version = milestone_version(staff, pid, "filed")
    first = {"version": version, "planned_on": "2026-04-02", "note": "已报送备案材料"}
    assert specialist.post(f"/projects/{pid}/plan/filed", data=first, headers=POST).is_redirect
    stale = {"version": version, "planned_on": "2026-04-20", "note": "改期"}
    refused = specialist.post(f"/projects/{pid}/plan/filed", data=stale, headers=POST)
    assert refused.status_code == 409
    filed = staff.get(f"/api/projects/{pid}/milestones").json()["milestones"][0]
    assert (filed["planned_on"], filed["note"]) == ("2026-04-02", "已报送备案材料")
    assert filed["version"] == version + 1
    api_stale = staff.patch(
        f"/api/projects/{pid}/milestones/filed", json={"version": version, "note": "改期"}
    )
    assert api_stale.status_code == 409
    missing = staff.patch(f"/api/projects/{pid}/milestones/filed", json={"note": "改期"})
    assert missing.status_code == 422


def test_the_specialist_records_a_milestone_and_the_leader_accepts_it(app, staff, project):
    pid = project["id"]
    specialist = web_client(app, SPECIALIST)
    page = specialist.get(f"/projects/{pid}")
    assert page.status_code == 200
    assert "里程碑计划" in page.text and "资金到位计划" in page.text
    assert f'action="/projects/{pid}/plan/filed/verification"' not in page.text
    version = milestone_version(staff, pid, "filed")
    assert f'name="version" value="{version}"' in page.text
    form = {"version": version, "planned_on": "2026-04-02", "actual_on": "2026-03-02"}
    form["evidence_url"] = "https://x.cn/a"
    saved = specialist.post(f"/projects/{pid}/plan/filed", data=form, headers=POST)
    assert saved.status_code == 303, saved.text
    filed = staff.get(f"/api/projects/{pid}/milestones").json()["milestones"][0]
    assert (filed["actual_on"], filed["verification"]) == ("2026-03-02", "pending")
    refused = specialist.post(
        f"/projects/{pid}/plan/filed/verification", data={"decision": "accepted"}, headers=POST
    )
    assert refused.status_code == 403
    leader = web_client(app, LEADER)
    assert (
        f'action="/projects/{pid}/plan/filed/verification"' in leader.get(f"/projects/{pid}").text
    )
    no_opinion = leader.post(
        f"/projects/{pid}/plan/filed/verification", data={"decision": "rejected"}, headers=POST
    )
    assert no_opinion.status_code == 422
    assert "field-error" in no_opinion.text
    accepted = leader.post(
        f"/projects/{pid}/plan/filed/verification", data={"decision": "accepted"}, headers=POST
    )
    assert accepted.status_code == 303
    assert "已认定" in leader.get(f"/projects/{pid}").text


def test_a_refused_milestone_date_shows_beside_the_row(app, staff, project):
    specialist = web_client(app, SPECIALIST)
    pid = project["id"]
    version = milestone_version(staff, pid, "construction_started")
    # The start is before the signing.
    bad = {"version": version, "planned_on": "2026-09-02", "actual_on": "2026-03-01"}
    refused = specialist.post(f"/projects/{pid}/plan/construction_started", data=bad, headers=POST)
    assert refused.status_code == 422
    assert 'id="plan-construction_started-actual_on-error"' in refused.text


def test_evidence_upload_and_funding_schedule_forms(app, staff, project):
    specialist = web_client(app, SPECIALIST)
    pid = project["id"]
    files = {"file": ("施工许可证.pdf", b"%PDF-1.4 permit", "application/pdf")}
    uploaded = specialist.post(
        f"/projects/{pid}/plan/construction_permit/evidence", files=files, headers=POST
    )
    assert uploaded.status_code == 303, uploaded.text
    download = specialist.get(f"/projects/{pid}/plan/construction_permit/evidence")
    assert download.content == b"%PDF-1.4 permit"
    added = specialist.post(
        f"/projects/{pid}/funding-schedule",
        data={"due_on": "2026-06-30", "amount": "20000", "note": "一期"},
        headers=POST,
    )
    assert added.status_code == 303
    schedule = staff.get(f"/api/projects/{pid}/funding-schedule").json()
    assert [(i["due_on"], i["amount"]) for i in schedule["instalments"]] == [("2026-06-30", 20000)]
    bad = specialist.post(
        f"/projects/{pid}/funding-schedule",
        data={"due_on": "2026-01-01", "amount": "5"},
        headers=POST,
    )
    assert bad.status_code == 422
    iid = schedule["instalments"][0]["id"]
    removed = specialist.post(f"/projects/{pid}/funding-schedule/{iid}/delete", headers=POST)
    assert removed.status_code == 303
    assert staff.get(f"/api/projects/{pid}/funding-schedule").json()["instalments"] == []


def test_the_list_filters_on_lights_and_the_watch_lists_page_counts(app, project, clock):
    clock.moment = datetime(2026, 10, 1, 4, tzinfo=UTC)  # the planned start month has passed
    office = web_client(app, "staff1")
    red = office.get("/projects", params={"light": "red"})
    assert red.status_code == 200
    assert "京东方科技" in red.text and "light-red" in red.text
    assert "京东方科技" not in office.get("/projects", params={"light": "green"}).text
    overdue = office.get("/projects", params={"watch": "overdue_start"})
    assert "京东方科技" in overdue.text
    lights = office.get("/projects/lights")
    assert lights.status_code == 200
    assert "逾期未开工" in lights.text and "开工未建设" in lights.text
    count = lights.text.split('data-watch="overdue_start"')[1].split('class="count">')[1]
    assert count.startswith("1<")
