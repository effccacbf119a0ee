"""The project pages through HTTP: ``/projects`` (filters, sorting, paging, a fixed number of
queries) and ``/projects/{id}`` (facts, specialist, policy package, funding, milestones, green
card, tickets), its forms through the API's services, and who is offered which buttons."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import PASSWORD
from tests.signing import LEADER, OTHER_SPECIALIST, SPECIALIST, prepare, signed_project

ORIGIN = "http://testserver"
POST = {"Origin": ORIGIN}


def web_client(app, username: str) -> TestClient:
    """An existing user signed in through the log-in form (a session cookie)."""
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def setup(staff, make_user):
    return prepare(staff, make_user)


@pytest.fixture
def project(staff, setup) -> dict:
    """A signed project of SPECIALIST, 8 亿元 signed in 高新区, with one incentive."""
    signed = signed_project(staff, "京东方科技", task_force_id=setup["task_force_id"])
    body = {
        "version": signed["version"],
        "incentives": [{"type": "land", "amount": 1200, "conditions": "按期开工"}],
    }
    response = staff.put(f"/api/projects/{signed['id']}/policy", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def specialist(app, project) -> TestClient:
    return web_client(app, SPECIALIST)


def api_project(staff, project_id: int) -> dict:
    return staff.get(f"/api/projects/{project_id}").json()


def form_fields(html: str, action: str) -> str:
    """The HTML of the form posting to ``action``."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', html)
    assert match, f"no form posting to {action}"
    return html[match.start() : html.index("</form>", match.start())]


# --- the project page --------------------------------------------------------------------------


def test_the_project_page_shows_the_facts_with_names_and_links(specialist, project):
    page = specialist.get(f"/projects/{project['id']}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>京东方科技" in html
    assert f'href="/leads/{project["lead_id"]}"' in html
    assert "新型显示 · 面板" in html  # chain and segment by name
    assert "高新区" in html and "新型显示专班" in html
    assert f'href="/taskforces/{project["task_force"]["id"]}"' in html
    assert "80,000" in html and "8.00 亿元" in html  # 万元, and 亿元 where large
    assert project["green_card"]["card_no"] in html
    assert "有效" in html  # the card's status, in words
    assert "签约时指派" in html  # the specialist history
    assert "按期开工" in html and "土地" in html


def test_the_specialist_edits_an_incentive_row(specialist, staff, project):
    incentive = project["policy"]["incentives"][0]
    action = f"/projects/{project['id']}/incentives/{incentive['id']}"
    row = {
        "version": project["version"],
        "type": "subsidy",
        "amount": "1500",
        "conditions": "投产后兑现",
        "honoured_at": "2026-01-15",
        "honoured_amount": "700",
    }
    response = specialist.post(action, data=row, headers=POST)
    assert response.status_code == 303
    assert response.headers["location"] == f"/projects/{project['id']}#policy"
    saved = api_project(staff, project["id"])["policy"]["incentives"][0]
    assert saved["type"] == "subsidy" and saved["amount"] == 1500
    assert saved["honoured"] is True and saved["honoured_amount"] == 700
    page = specialist.get(f"/projects/{project['id']}").text
    assert 'value="投产后兑现"' in page and "已兑现 1 项" in page


def test_an_incentive_row_is_added_and_removed_through_the_policy_service(
    specialist, staff, project
):
    base = f"/projects/{project['id']}/incentives"
    added = specialist.post(
        base,
        data={"version": project["version"], "type": "tax", "amount": "300"},
        headers=POST,
    )
    assert added.status_code == 303
    now = api_project(staff, project["id"])
    assert [i["type"] for i in now["policy"]["incentives"]] == ["land", "tax"]
    new_id = now["policy"]["incentives"][1]["id"]
    removed = specialist.post(
        f"{base}/{new_id}/delete", data={"version": now["version"]}, headers=POST
    )
    assert removed.status_code == 303
    assert [i["type"] for i in api_project(staff, project["id"])["policy"]["incentives"]] == [
        "land"
    ]


def test_a_bad_incentive_shows_the_message_beside_the_field_and_changes_nothing(
    specialist, staff, project, table_counts
):
    before = table_counts()
    incentive = project["policy"]["incentives"][0]
    response = specialist.post(
        f"/projects/{project['id']}/incentives/{incentive['id']}",
        data={"version": project["version"], "type": "land", "amount": "-5"},
        headers=POST,
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "不能小于 0" in response.text
    assert 'value="-5"' in response.text  # what the user typed, shown again
    assert table_counts() == before
    assert api_project(staff, project["id"])["policy"]["incentives"][0]["amount"] == 1200


def test_business_rules_are_worded_beside_their_field(specialist, staff, project):
    incentive = project["policy"]["incentives"][0]
    no_date = specialist.post(
        f"/projects/{project['id']}/incentives/{incentive['id']}",
        data={"version": project["version"], "type": "land", "honoured_amount": "10"},
        headers=POST,
    )
    assert no_date.status_code == 422
    assert f'id="incentive-{incentive["id"]}-honoured_at-error"' in no_date.text
    assert "填写兑现金额时，请同时填写兑现日期。" in no_date.text
    not_started = specialist.post(
        f"/projects/{project['id']}/milestones",
        data={"version": project["version"], "construction_started_on": "2026-01-01"},
        headers=POST,
    )
    assert not_started.status_code == 422
    assert "开工日期在线索进入“已开工”阶段时记录" in not_started.text
    assert api_project(staff, project["id"])["construction_started_on"] is None


def test_a_stale_edit_says_who_changed_the_project_and_when(specialist, staff, project):
    opened = project["version"]
    changed = staff.patch(
        f"/api/projects/{project['id']}", json={"version": opened, "notes": "已约谈"}
    )
    assert changed.status_code == 200
    incentive = project["policy"]["incentives"][0]
    response = specialist.post(
        f"/projects/{project['id']}/incentives/{incentive['id']}",
        data={"version": opened, "type": "tax", "amount": "9"},
        headers=POST,
    )
    assert response.status_code == 409
    assert "staff1 于" in response.text and "修改了这条记录" in response.text
    assert api_project(staff, project["id"])["policy"]["incentives"][0]["type"] == "land"
    stale_milestone = specialist.post(
        f"/projects/{project['id']}/milestones",
        data={"version": opened, "land_on": "2026-02-01"},
        headers=POST,
    )
    assert stale_milestone.status_code == 409
    assert api_project(staff, project["id"])["land_on"] is None


def test_milestone_dates_are_saved_and_a_milestone_not_reached_is_not_offered(
    specialist, staff, project
):
    page = specialist.get(f"/projects/{project['id']}").text
    form = form_fields(page, f"/projects/{project['id']}/milestones")
    assert 'name="land_on"' in form
    assert 'name="construction_started_on"' not in form  # set by moving the lead
    response = specialist.post(
        f"/projects/{project['id']}/milestones",
        data={"version": project["version"], "land_on": "2026-02-01"},
        headers=POST,
    )
    assert response.status_code == 303
    assert api_project(staff, project["id"])["land_on"] == "2026-02-01"
    bad = specialist.post(
        f"/projects/{project['id']}/milestones",
        data={"version": project["version"] + 1, "land_on": "2026-13-01"},
        headers=POST,
    )
    assert bad.status_code == 422
    assert "请输入日期" in bad.text


def test_funding_is_added_and_removed_and_the_total_follows(specialist, staff, project):
    base = f"/projects/{project['id']}/funding"
    for amount in ("20000", "12000"):
        response = specialist.post(
            base, data={"date": "2026-01-10", "amount": amount, "note": "首期"}, headers=POST
        )
        assert response.status_code == 303
    page = specialist.get(f"/projects/{project['id']}").text
    assert "已到位 32,000 万元 / 签约 80,000 万元" in page
    assert "40.0%" in page
    entry = api_project(staff, project["id"])["funding"][0]["id"]
    assert specialist.post(f"{base}/{entry}/delete", headers=POST).status_code == 303
    assert api_project(staff, project["id"])["investment_in_place"] == 12000
    future = specialist.post(base, data={"date": "2999-01-01", "amount": "5"}, headers=POST)
    assert future.status_code == 422
    assert '<p class="field-error" id="date-error">到位日期不能晚于今天。</p>' in future.text
    assert api_project(staff, project["id"])["investment_in_place"] == 12000


def test_a_ticket_raised_on_the_page_is_listed_with_its_sla_state(
    clock, specialist, staff, project
):
    """On a Monday (the frozen clock): an urgent ticket is due at the end of Tuesday."""
    response = specialist.post(
        f"/projects/{project['id']}/tickets",
        data={"title": "需要协调用电指标", "category": "utilities", "priority": "urgent"},
        headers=POST,
    )
    assert response.status_code == 303
    tickets = staff.get(f"/api/projects/{project['id']}/tickets").json()
    assert tickets["total"] == 1
    ticket = tickets["items"][0]
    assert ticket["assignee"] == SPECIALIST and ticket["raised_by"] == SPECIALIST
    page = specialist.get(f"/projects/{project['id']}").text
    assert f'href="/tickets/{ticket["id"]}"' in page
    assert "需要协调用电指标" in page and "水电气" in page
    assert "即将到期" in page  # urgent: due within a day
    missing = specialist.post(
        f"/projects/{project['id']}/tickets", data={"category": "land"}, headers=POST
    )
    assert missing.status_code == 422
    assert staff.get(f"/api/projects/{project['id']}/tickets").json()["total"] == 1


def test_the_sla_state_follows_the_clock(specialist, project, clock):
    for title, priority in (("急事", "urgent"), ("小事", "low")):
        data = {"title": title, "category": "permits", "priority": priority}
        response = specialist.post(f"/projects/{project['id']}/tickets", data=data, headers=POST)
        assert response.status_code == 303

    def sla_of(title: str) -> str:
        page = specialist.get(f"/projects/{project['id']}").text
        row = re.search(rf"{title}</a>.*?</tr>", page, re.S).group(0)
        return re.search(r'<span class="status sla[^"]*">([^<]+)</span>', row).group(1)

    assert (sla_of("急事"), sla_of("小事")) == ("即将到期", "未到期")
    clock.advance(days=2)
    assert (sla_of("急事"), sla_of("小事")) == ("已逾期", "未到期")


def test_only_the_office_is_offered_to_reassign_the_specialist(app, staff, project):
    own = web_client(app, SPECIALIST)
    assert f"/projects/{project['id']}/specialist" not in own.get(f"/projects/{project['id']}").text
    refused = own.post(
        f"/projects/{project['id']}/specialist",
        data={"version": project["version"], "specialist": OTHER_SPECIALIST},
        headers=POST,
    )
    assert refused.status_code == 403
    assert api_project(staff, project["id"])["specialist"] == SPECIALIST


def test_the_office_reassigns_the_specialist_and_the_history_keeps_it(
    browser_login, staff, project
):
    office = browser_login("staff")
    page = office.get(f"/projects/{project['id']}").text
    assert f'action="/projects/{project["id"]}/specialist"' in page
    response = office.post(
        f"/projects/{project['id']}/specialist",
        data={
            "version": project["version"],
            "specialist": OTHER_SPECIALIST,
            "specialist_reason": "工作调整",
        },
        headers=POST,
    )
    assert response.status_code == 303
    detail = api_project(staff, project["id"])
    assert detail["specialist"] == OTHER_SPECIALIST
    assert [c["to"] for c in detail["specialist_history"]] == [SPECIALIST, OTHER_SPECIALIST]
    assert "工作调整" in office.get(f"/projects/{project['id']}").text
    not_a_specialist = office.post(
        f"/projects/{project['id']}/specialist",
        data={"version": detail["version"], "specialist": LEADER},
        headers=POST,
    )
    assert not_a_specialist.status_code == 422
    assert 'id="specialist-error"' in not_a_specialist.text


def test_the_leader_of_the_task_force_edits_but_does_not_reassign(app, staff, project):
    leader = web_client(app, LEADER)
    page = leader.get(f"/projects/{project['id']}").text
    for path in ("/milestones", "/incentives", "/funding", "/tickets"):
        assert f'action="/projects/{project["id"]}{path}"' in page, path
    assert f'action="/projects/{project["id"]}/specialist"' not in page
    response = leader.post(
        f"/projects/{project['id']}/funding",
        data={"date": "2026-01-02", "amount": "7"},
        headers=POST,
    )
    assert response.status_code == 303
    assert api_project(staff, project["id"])["investment_in_place"] == 7


def test_a_viewer_sees_no_write_button_and_a_forged_post_changes_nothing(
    browser_login, staff, project, table_counts
):
    viewer = browser_login("viewer")
    page = viewer.get(f"/projects/{project['id']}")
    assert page.status_code == 200
    assert "您可以查看此项目，但无权修改" in page.text
    assert 'method="post" action="/projects' not in page.text
    assert "<button" not in page.text.split("<main", 1)[1]
    before = table_counts()
    incentive = project["policy"]["incentives"][0]["id"]
    forged = {
        "/milestones": {"version": project["version"], "land_on": "2026-02-01"},
        "/incentives": {"version": project["version"], "type": "tax"},
        f"/incentives/{incentive}": {"version": project["version"], "type": "tax"},
        f"/incentives/{incentive}/delete": {"version": project["version"]},
        "/funding": {"date": "2026-01-01", "amount": "5"},
        "/tickets": {"title": "x", "category": "land"},
        "/specialist": {"version": project["version"], "specialist": OTHER_SPECIALIST},
    }
    for path, data in forged.items():
        response = viewer.post(f"/projects/{project['id']}{path}", data=data, headers=POST)
        assert response.status_code == 403, path
        assert "无权执行此操作" in response.text
    assert table_counts() == before
    assert api_project(staff, project["id"])["version"] == project["version"]


def test_another_specialist_reads_the_project_but_may_not_change_it(
    app, staff, project, table_counts
):
    other = web_client(app, OTHER_SPECIALIST)
    page = other.get(f"/projects/{project['id']}").text
    assert "无权修改" in page and 'action="/projects/{}/funding"'.format(project["id"]) not in page
    before = table_counts()
    response = other.post(
        f"/projects/{project['id']}/funding",
        data={"date": "2026-01-01", "amount": "5"},
        headers=POST,
    )
    assert response.status_code == 403
    assert table_counts() == before


def test_the_project_page_is_english_when_asked(specialist, project):
    specialist.cookies.set("crm_lang", "en")
    html = specialist.get(f"/projects/{project['id']}").text
    assert "Funding in place" in html and "Policy package" in html and "Land" in html
    assert "资金到位" not in html


def test_an_unknown_project_is_404(specialist):
    assert specialist.get("/projects/999999").status_code == 404


# --- the overview, the assessment and the planning links -------------------------------------


def test_the_overview_form_saves_park_money_jobs_date_and_notes(specialist, staff, project):
    page = specialist.get(f"/projects/{project['id']}").text
    form = form_fields(page, f"/projects/{project['id']}/overview")
    assert 'value="80000"' in form and '<option value="经开区"' in form
    response = specialist.post(
        f"/projects/{project['id']}/overview",
        data={
            "version": project["version"],
            "park": "经开区",
            "signed_investment": "90000",
            "jobs_planned": "400",
            "jobs_created": "12",
            "signed_on": "2026-01-08",
            "notes": "一期厂房已封顶",
        },
        headers=POST,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/projects/{project['id']}#overview"
    saved = api_project(staff, project["id"])
    assert (saved["park"], saved["signed_investment"]) == ("经开区", 90000)
    assert (saved["jobs_planned"], saved["jobs_created"]) == (400, 12)
    assert (saved["signed_on"], saved["notes"]) == ("2026-01-08", "一期厂房已封顶")
    assert "一期厂房已封顶" in specialist.get(f"/projects/{project['id']}").text


def test_a_bad_overview_shows_the_message_beside_the_field_and_changes_nothing(
    specialist, staff, project, table_counts
):
    before = table_counts()
    base = {"version": project["version"], "signed_on": project["signed_on"]}
    for data, field in (
        ({"signed_investment": "-1"}, "overview-investment"),
        ({"jobs_created": "1.5"}, "overview-jobs-created"),
        ({"park": "不存在的园区"}, "overview-park"),
        ({"signed_on": ""}, "overview-signed-on"),
    ):
        response = specialist.post(
            f"/projects/{project['id']}/overview", data={**base, **data}, headers=POST
        )
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in response.text, data
        assert '<details class="edit-panel" open>' in response.text  # the form is open
    assert table_counts() == before
    assert api_project(staff, project["id"])["version"] == project["version"]


def test_a_stale_overview_says_who_changed_it_and_shows_the_current_values(
    specialist, staff, project
):
    changed = staff.patch(
        f"/api/projects/{project['id']}",
        json={"version": project["version"], "notes": "办公室的备注"},
    )
    assert changed.status_code == 200
    response = specialist.post(
        f"/projects/{project['id']}/overview",
        data={"version": project["version"], "signed_on": project["signed_on"], "notes": "旧版本"},
        headers=POST,
    )
    assert response.status_code == 409
    form = form_fields(response.text, f"/projects/{project['id']}/overview")
    assert "staff1" in form and "修改了这条记录" in form
    assert "办公室的备注" in form and "旧版本" not in form
    assert f'name="version" value="{changed.json()["version"]}"' in form
    assert api_project(staff, project["id"])["notes"] == "办公室的备注"


def test_the_assessment_is_saved_refused_beside_its_field_and_removed(
    specialist, staff, project, table_counts
):
    action = f"/projects/{project['id']}/assessment"
    assessment = {
        "version": project["version"],
        "assessment_org": "市发展研究院",
        "assessment_date": "2026-01-15",
        "assessment_conclusion": "建议落地",
        "assessment_attachment": "https://example.org/report.pdf",
    }
    assert specialist.post(action, data=assessment, headers=POST).status_code == 303
    saved = api_project(staff, project["id"])["assessment"]
    assert saved == {
        "organisation": "市发展研究院",
        "date": "2026-01-15",
        "conclusion": "建议落地",
        "attachment": "https://example.org/report.pdf",
    }
    version = project["version"] + 1
    before = table_counts()
    bad = {**assessment, "version": version, "assessment_attachment": "javascript:alert(1)"}
    refused = specialist.post(action, data=bad, headers=POST)
    assert refused.status_code == 422
    assert 'id="assessment-attachment-error"' in refused.text
    no_org = {"version": version, "assessment_date": "2026-02-01"}
    refused = specialist.post(action, data=no_org, headers=POST)
    assert refused.status_code == 422 and 'id="assessment-org-error"' in refused.text
    assert table_counts() == before
    assert api_project(staff, project["id"])["assessment"] == saved
    emptied = specialist.post(action, data={"version": version}, headers=POST)
    assert emptied.status_code == 303
    assert api_project(staff, project["id"])["assessment"] is None


def test_planning_links_are_added_and_removed(specialist, staff, project, table_counts):
    base = f"/projects/{project['id']}/planning-links"
    version = project["version"]
    for title in ("总平面图", "VR 全景"):
        link = {"version": version, "title": title, "url": f"https://vr.example.org/{version}"}
        assert specialist.post(base, data=link, headers=POST).status_code == 303
        version += 1
    links = api_project(staff, project["id"])["planning_links"]
    assert [link["title"] for link in links] == ["总平面图", "VR 全景"]
    page = specialist.get(f"/projects/{project['id']}").text
    assert '<a href="https://vr.example.org/' in page and "VR 全景" in page
    before = table_counts()
    bad = specialist.post(
        base, data={"version": version, "title": "x", "url": "javascript:alert(1)"}, headers=POST
    )
    assert bad.status_code == 422 and 'id="link-url-error"' in bad.text
    untitled = specialist.post(base, data={"version": version, "url": "https://a.b/"}, headers=POST)
    assert untitled.status_code == 422 and 'id="link-title-error"' in untitled.text
    assert table_counts() == before
    removed = specialist.post(f"{base}/0/delete", data={"version": version}, headers=POST)
    assert removed.status_code == 303
    links = api_project(staff, project["id"])["planning_links"]
    assert [link["title"] for link in links] == ["VR 全景"]
    assert (
        specialist.post(f"{base}/5/delete", data={"version": version + 1}, headers=POST).status_code
        == 404
    )


# --- the green card ----------------------------------------------------------------------------


def card_of(staff, project_id: int) -> dict:
    return api_project(staff, project_id)["green_card"]


def test_the_specialist_sets_the_service_staff_but_not_the_task_force(
    specialist, staff, project, setup, table_counts
):
    card = project["green_card"]
    action = f"/projects/{project['id']}/green-card/team"
    page = specialist.get(f"/projects/{project['id']}").text
    form = form_fields(page, action)
    assert 'name="members"' in form and 'name="task_force_id"' not in form
    response = specialist.post(
        action, data={"version": card["version"], "members": [SPECIALIST, LEADER]}, headers=POST
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/projects/{project['id']}#green-card"
    now = card_of(staff, project["id"])
    assert now["members"] == sorted([SPECIALIST, LEADER])
    other = staff.post("/api/taskforces", json={"name": "另一个专班", "kind": "task_force"})
    before = table_counts()
    forged = specialist.post(
        action,
        data={
            "version": now["version"],
            "members": SPECIALIST,
            "task_force_id": other.json()["id"],
        },
        headers=POST,
    )
    assert forged.status_code == 403
    assert 'id="card-task-force-error"' not in forged.text  # no such field offered to them
    assert "无权执行此操作" in forged.text
    unknown = specialist.post(
        action, data={"version": now["version"], "members": "nobody"}, headers=POST
    )
    assert unknown.status_code == 422 and 'id="card-members-error"' in unknown.text
    assert table_counts() == before
    assert card_of(staff, project["id"]) == now
    emptied = specialist.post(action, data={"version": now["version"]}, headers=POST)
    assert emptied.status_code == 303
    assert card_of(staff, project["id"])["members"] == []


def test_the_office_chooses_the_card_task_force_from_a_list(browser_login, staff, project):
    office = browser_login("staff")
    other = staff.post("/api/taskforces", json={"name": "另一个专班", "kind": "task_force"}).json()
    page = office.get(f"/projects/{project['id']}").text
    form = form_fields(page, f"/projects/{project['id']}/green-card/team")
    assert f'<option value="{other["id"]}"' in form and "另一个专班" in form
    response = office.post(
        f"/projects/{project['id']}/green-card/team",
        data={"version": project["green_card"]["version"], "task_force_id": other["id"]},
        headers=POST,
    )
    assert response.status_code == 303
    assert card_of(staff, project["id"])["task_force"]["name"] == "另一个专班"


def test_a_leader_may_not_hand_the_card_to_a_task_force_not_theirs(
    app, staff, project, table_counts
):
    leader = web_client(app, LEADER)
    other = staff.post("/api/taskforces", json={"name": "另一个专班", "kind": "task_force"}).json()
    page = leader.get(f"/projects/{project['id']}").text
    assert f'<option value="{other["id"]}"' not in page
    before = table_counts()
    response = leader.post(
        f"/projects/{project['id']}/green-card/team",
        data={"version": project["green_card"]["version"], "task_force_id": other["id"]},
        headers=POST,
    )
    assert response.status_code == 403
    assert table_counts() == before
    assert (
        card_of(staff, project["id"])["task_force"]["id"]
        == project["green_card"]["task_force"]["id"]
    )


def test_a_stale_card_edit_says_who_changed_the_card(specialist, staff, project):
    card = project["green_card"]
    changed = staff.patch(
        f"/api/projects/{project['id']}/green-card",
        json={"version": card["version"], "members": [LEADER]},
    )
    assert changed.status_code == 200
    response = specialist.post(
        f"/projects/{project['id']}/green-card/team",
        data={"version": card["version"], "members": SPECIALIST},
        headers=POST,
    )
    assert response.status_code == 409
    form = form_fields(response.text, f"/projects/{project['id']}/green-card/team")
    assert "staff1" in form and "修改了这条记录" in form
    assert f'<option value="{LEADER}" selected' in form
    assert f'<option value="{SPECIALIST}" selected' not in form
    assert card_of(staff, project["id"])["members"] == [LEADER]


def test_the_card_is_closed_with_a_reason_and_reopened(specialist, staff, project):
    action = f"/projects/{project['id']}/green-card/status"
    card = project["green_card"]
    closed = specialist.post(
        action,
        data={"version": card["version"], "status": "closed", "closed_reason": "企业迁出"},
        headers=POST,
    )
    assert closed.status_code == 303
    now = card_of(staff, project["id"])
    assert (now["status"], now["closed_reason"]) == ("closed", "企业迁出")
    page = specialist.get(f"/projects/{project['id']}").text
    assert "企业迁出" in page and "重新启用服务绿卡" in page
    bad = specialist.post(action, data={"version": now["version"], "status": "lost"}, headers=POST)
    assert bad.status_code == 422
    reopened = specialist.post(
        action, data={"version": now["version"], "status": "active"}, headers=POST
    )
    assert reopened.status_code == 303
    assert card_of(staff, project["id"])["status"] == "active"


@pytest.mark.parametrize("who", ["viewer", "other specialist"])
def test_a_forged_post_to_the_new_forms_is_refused_and_changes_nothing(
    app, browser_login, staff, project, table_counts, who
):
    client = browser_login("viewer") if who == "viewer" else web_client(app, OTHER_SPECIALIST)
    page = client.get(f"/projects/{project['id']}").text
    card = project["green_card"]
    forged = {
        "/overview": {"version": project["version"], "notes": "x", "signed_on": "2026-01-01"},
        "/assessment": {"version": project["version"], "assessment_org": "x"},
        "/planning-links": {"version": project["version"], "title": "x", "url": "https://x.y/"},
        "/planning-links/0/delete": {"version": project["version"]},
        "/green-card/team": {"version": card["version"], "members": OTHER_SPECIALIST},
        "/green-card/status": {"version": card["version"], "status": "closed"},
    }
    before = table_counts()
    for path, data in forged.items():
        assert f'action="/projects/{project["id"]}{path}"' not in page, path
        response = client.post(f"/projects/{project['id']}{path}", data=data, headers=POST)
        assert response.status_code == 403, path
    assert table_counts() == before
    assert api_project(staff, project["id"])["version"] == project["version"]
    assert card_of(staff, project["id"])["version"] == card["version"]


# --- the project list --------------------------------------------------------------------------


@pytest.fixture
def three_projects(staff, setup) -> list[dict]:
    tf = setup["task_force_id"]
    return [
        signed_project(staff, "甲公司", task_force_id=tf, investment=1000),
        signed_project(
            staff, "乙公司", investment=5000, park="经开区", specialist=OTHER_SPECIALIST
        ),
        signed_project(staff, "丙公司", task_force_id=tf, investment=3000),
    ]


def names_in(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/projects/\d+">([^<]+)</a>', html)


def test_the_list_filters_by_names_and_pages_with_the_total(browser_login, three_projects, setup):
    client = browser_login("viewer")
    page = client.get("/projects")
    assert page.status_code == 200
    assert sorted(names_in(page.text)) == ["丙公司", "乙公司", "甲公司"]
    assert "共 3 条" in page.text
    assert "新型显示 · 面板" in page.text  # names, not codes
    by_park = client.get("/projects", params={"park": "经开区"}).text
    assert names_in(by_park) == ["乙公司"]
    by_specialist = client.get("/projects", params={"specialist": SPECIALIST, "chain": ""}).text
    assert sorted(names_in(by_specialist)) == ["丙公司", "甲公司"]
    by_tf = client.get("/projects", params={"task_force_id": setup["task_force_id"]}).text
    assert sorted(names_in(by_tf)) == ["丙公司", "甲公司"]
    assert names_in(client.get("/projects", params={"stage": "started"}).text) == []
    later = client.get("/projects", params={"signed_from": "2999-01-01"}).text
    assert "没有符合条件的项目" in later
    assert client.get("/projects", params={"signed_to": "nonsense"}).status_code == 422


def test_the_list_sorts_by_investment(browser_login, three_projects):
    client = browser_login("viewer")
    ascending = client.get("/projects", params={"sort": "signed_investment"}).text
    assert names_in(ascending) == ["甲公司", "丙公司", "乙公司"]
    descending = client.get("/projects", params={"sort": "-signed_investment"}).text
    assert names_in(descending) == ["乙公司", "丙公司", "甲公司"]
    assert 'aria-sort="descending"' in descending
    assert client.get("/projects", params={"sort": "drop table"}).status_code == 422


def test_htmx_gets_only_the_results(browser_login, three_projects):
    client = browser_login("viewer")
    part = client.get("/projects", headers={"HX-Request": "true"}).text
    assert part.lstrip().startswith('<section class="panel" id="results"')
    assert "<html" not in part


@contextmanager
def counted_queries(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_list_and_the_page_take_a_fixed_number_of_queries(
    app, browser_login, staff, setup, project
):
    client = browser_login("viewer")
    ticket = {"category": "land", "title": "用地"}
    assert staff.post(f"/api/projects/{project['id']}/tickets", json=ticket).status_code == 201
    with counted_queries(app) as few:
        assert client.get("/projects").status_code == 200
    with counted_queries(app) as one_page:
        assert client.get(f"/projects/{project['id']}").status_code == 200
    for index in range(4):
        signed = signed_project(staff, f"公司{index}", task_force_id=setup["task_force_id"])
        staff.post(f"/api/projects/{signed['id']}/tickets", json=ticket)
        staff.post(f"/api/projects/{project['id']}/tickets", json=ticket)
        staff.post(
            f"/api/projects/{project['id']}/funding", json={"date": "2026-01-01", "amount": 1}
        )
    with counted_queries(app) as many:
        assert client.get("/projects").status_code == 200
    with counted_queries(app) as busy_page:
        assert client.get(f"/projects/{project['id']}").status_code == 200
    assert len(many) == len(few)
    assert len(busy_page) == len(one_page)
