"""The leads table and the lead page through HTTP, signed in with a session cookie."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.factories import chain_file, company

ORIGIN = "http://testserver"
POST = {"headers": {"Origin": ORIGIN, "Accept": "text/html"}}


@pytest.fixture
def setup(staff, make_user):
    """Two task forces (chen leads 新型显示专班); three leads, two of them chen's."""
    make_user("chen", "leader", "陈静")
    make_user("sun", "specialist", "孙丽")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    ours = staff.post(
        "/api/taskforces", json={"name": "新型显示专班", "kind": "task_force", "leader": "chen"}
    ).json()
    theirs = staff.post("/api/taskforces", json={"name": "商务招商组", "kind": "group"}).json()
    leads = []
    for name, task_force, stage_fields in [
        ("深圳甲公司", ours, {"owner": "chen", "priority": "A", "expected_investment": 120000}),
        ("上海乙公司", ours, {"priority": "B", "next_follow_up": "2020-01-01"}),
        ("北京丙公司", theirs, {"priority": "C"}),
    ]:
        firm = staff.post("/api/companies", json=company(name)).json()
        body = {
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": task_force["id"],
            **stage_fields,
        }
        response = staff.post("/api/leads", json=body)
        assert response.status_code == 201, response.text
        leads.append(response.json())
    assert staff.post(f"/api/leads/{leads[2]['id']}/stage", json={"stage": "contacted"})
    return {"ours": ours, "theirs": theirs, "leads": leads}


@pytest.fixture
def chen(app, setup):
    """The leader of 新型显示专班, signed in through the log-in form."""
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "chen", "password": PASSWORD})
    assert response.status_code == 303
    yield client
    client.close()


def rows_of(html: str) -> list[str]:
    return [name for name in ("深圳甲公司", "上海乙公司", "北京丙公司") if name in html]


def test_the_table_shows_names_and_filters_like_the_api(browser_login, setup):
    client = browser_login("viewer")
    page = client.get("/leads")
    assert page.status_code == 200
    assert rows_of(page.text) == ["深圳甲公司", "上海乙公司", "北京丙公司"]
    assert "新型显示专班" in page.text and "面板" in page.text and "陈静" in page.text
    assert "new-display:panel" not in page.text.split('id="results"')[1]
    assert "共 3 条" in page.text
    assert rows_of(client.get("/leads", params={"stage": "contacted"}).text) == ["北京丙公司"]
    assert rows_of(client.get("/leads", params={"q": "上海", "stage": ""}).text) == ["上海乙公司"]
    assert rows_of(client.get("/leads", params={"priority": "A"}).text) == ["深圳甲公司"]
    tf = client.get("/leads", params={"task_force_id": setup["theirs"]["id"]})
    assert rows_of(tf.text) == ["北京丙公司"]
    assert rows_of(client.get("/leads", params={"overdue": "true"}).text) == ["上海乙公司"]
    partial = client.get("/leads", params={"owner": "chen"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and rows_of(partial.text) == ["深圳甲公司"]
    assert client.get("/leads", params={"stage": "nowhere"}).status_code == 422
    assert client.get("/leads", params={"sort": "password"}).status_code == 422


def test_sorting_links_flip_the_order(browser_login, setup):
    client = browser_login("viewer")
    ascending = client.get("/leads", params={"sort": "priority"})
    assert rows_of(ascending.text) == ["深圳甲公司", "上海乙公司", "北京丙公司"]
    assert 'aria-sort="ascending"' in ascending.text
    assert "sort=-priority" in ascending.text  # the header link flips it
    descending = client.get("/leads", params={"sort": "-priority"})
    text = descending.text
    assert text.index("北京丙公司") < text.index("上海乙公司") < text.index("深圳甲公司")


def test_saved_views_mine_task_forces_overdue_not_visited(chen, setup, staff):
    assert rows_of(chen.get("/leads", params={"view": "mine"}).text) == ["深圳甲公司"]
    tf_view = chen.get("/leads", params={"view": "task_forces"}).text
    assert rows_of(tf_view) == ["深圳甲公司", "上海乙公司"]
    assert rows_of(chen.get("/leads", params={"view": "overdue"}).text) == ["上海乙公司"]
    visited = setup["leads"][0]["id"]
    today = staff.get("/api/leads/1").json()["updated_at"][:10]
    done = {"lead_id": visited, "date": today, "status": "done"}
    assert staff.post("/api/visits", json=done).status_code == 201
    not_visited = chen.get("/leads", params={"view": "not_visited"}).text
    assert rows_of(not_visited) == ["上海乙公司", "北京丙公司"]
    # a view combines with the filters
    both = chen.get("/leads", params={"view": "task_forces", "priority": "B"})
    assert rows_of(both.text) == ["上海乙公司"]


def test_export_has_exactly_the_filtered_rows(browser_login, setup):
    client = browser_login("viewer")
    response = client.get(
        "/leads/export", params={"task_force_id": setup["ours"]["id"], "file_format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["上海乙公司", "深圳甲公司"]
    xlsx = client.get("/leads/export", params={"view": "overdue"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxml")


def test_the_lead_page_shows_the_lead_with_links_and_history(browser_login, setup):
    client = browser_login("viewer")
    lead = setup["leads"][2]
    page = client.get(f"/leads/{lead['id']}")
    assert page.status_code == 200
    assert f'href="/companies/{lead["company"]["id"]}"' in page.text
    assert 'href="/chains/new-display?segment=panel#panel"' in page.text
    assert "商务招商组" in page.text and "已接洽" in page.text
    assert "已识别 → 已接洽" in page.text and "staff1" in page.text
    assert client.get("/leads/999999").status_code == 404


def test_a_viewer_sees_no_write_button_and_a_forged_post_changes_nothing(
    browser_login, setup, table_counts
):
    client = browser_login("viewer")
    lead = setup["leads"][0]
    page = client.get(f"/leads/{lead['id']}")
    assert '<form method="post" action="/leads/' not in page.text
    assert "保存" not in page.text and "确认变更" not in page.text
    before = table_counts()
    for path, data in [
        ("edit", {"version": lead["version"], "priority": "C"}),
        ("stage", {"version": lead["version"], "stage": "contacted"}),
        ("visits", {"date": "2026-03-01"}),
    ]:
        response = client.post(f"/leads/{lead['id']}/{path}", data=data, **POST)
        assert response.status_code == 403, path
    assert table_counts() == before


def test_a_leader_writes_only_the_leads_of_their_task_forces(chen, setup, staff):
    ours, theirs = setup["leads"][1], setup["leads"][2]
    assert "确认变更" in chen.get(f"/leads/{ours['id']}").text
    assert "确认变更" not in chen.get(f"/leads/{theirs['id']}").text
    refused = chen.post(
        f"/leads/{theirs['id']}/stage", data={"stage": "visited", "version": 1}, **POST
    )
    assert refused.status_code == 403
    assert staff.get(f"/api/leads/{theirs['id']}").json()["stage"] == "contacted"


def test_edit_saves_and_a_stale_version_shows_who_changed_it(browser_login, setup, staff):
    client = browser_login("staff", "wang")
    lead = setup["leads"][1]
    form = {
        "version": lead["version"],
        "priority": "A",
        "source": "referral",
        "owner": "chen",
        "expected_investment": "5000",
        "notes": "重点跟进",
    }
    response = client.post(f"/leads/{lead['id']}/edit", data=form, **POST)
    assert response.status_code == 303 and response.headers["location"] == f"/leads/{lead['id']}"
    saved = staff.get(f"/api/leads/{lead['id']}").json()
    assert (saved["priority"], saved["owner"], saved["expected_investment"]) == ("A", "chen", 5000)
    assert saved["next_follow_up"] is None  # an emptied field clears the value
    stale = client.post(f"/leads/{lead['id']}/edit", data={**form, "priority": "C"}, **POST)
    assert stale.status_code == 409
    assert "wang" in stale.text and "修改了这条记录" in stale.text
    assert 'class="current-values"' in stale.text
    assert f'name="version" value="{saved["version"]}"' in stale.text  # re-apply
    assert staff.get(f"/api/leads/{lead['id']}").json()["priority"] == "A"
    bad = client.post(
        f"/leads/{lead['id']}/edit",
        data={**form, "version": saved["version"], "expected_investment": "-1"},
        **POST,
    )
    assert bad.status_code == 422
    assert 'id="expected_investment-error"' in bad.text and "不能小于 0" in bad.text


def test_the_intended_park_is_shown_set_and_cleared_on_the_lead_page(browser_login, setup, staff):
    park = staff.post("/api/parks", json={"name": "云江高新区", "level": "national"})
    assert park.status_code == 201, park.text
    client = browser_login("staff", "wang")
    lead = setup["leads"][1]
    form = {"version": lead["version"], "priority": "B", "source": lead["source"]}
    unknown = client.post(f"/leads/{lead['id']}/edit", data={**form, "park": "无此园区"}, **POST)
    assert unknown.status_code == 422 and 'id="park-error"' in unknown.text
    assert staff.get(f"/api/leads/{lead['id']}").json()["park"] is None
    saved = client.post(f"/leads/{lead['id']}/edit", data={**form, "park": "云江高新区"}, **POST)
    assert saved.status_code == 303
    after = staff.get(f"/api/leads/{lead['id']}").json()
    assert after["park"] == "云江高新区"
    page = client.get(f"/leads/{lead['id']}").text
    assert "意向园区" in page and '<option value="云江高新区" selected>' in page
    cleared = client.post(
        f"/leads/{lead['id']}/edit", data={**form, "version": after["version"]}, **POST
    )
    assert cleared.status_code == 303
    assert staff.get(f"/api/leads/{lead['id']}").json()["park"] is None


def test_a_stage_move_needing_a_reason_says_so_beside_the_field(browser_login, setup, staff):
    client = browser_login("staff", "wang")
    lead = setup["leads"][2]
    page = client.get(f"/leads/{lead['id']}").text
    assert 'value="lost" data-needs-reason="true"' in page
    assert 'value="negotiating" data-needs-reason="false"' in page
    refused = client.post(
        f"/leads/{lead['id']}/stage", data={"stage": "lost", "version": 2}, **POST
    )
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text and "需要填写原因" in refused.text
    moved = client.post(
        f"/leads/{lead['id']}/stage",
        data={"stage": "lost", "version": 2, "reason": "已在外地落户"},
        **POST,
    )
    assert moved.status_code == 303
    after = staff.get(f"/api/leads/{lead['id']}").json()
    assert after["stage"] == "lost" and after["history"][-1]["reason"] == "已在外地落户"


def test_signing_from_the_lead_page_opens_the_new_project(browser_login, setup, staff):
    client = browser_login("staff", "wang")
    lead = setup["leads"][0]
    no_specialist = client.post(
        f"/leads/{lead['id']}/stage", data={"stage": "signed", "version": 1}, **POST
    )
    assert no_specialist.status_code == 422 and 'id="specialist-error"' in no_specialist.text
    a_leader = client.post(
        f"/leads/{lead['id']}/stage",
        data={"stage": "signed", "version": 1, "specialist": "chen"},
        **POST,
    )
    assert a_leader.status_code == 422
    assert "不是项目专员" in a_leader.text and "not a specialist" not in a_leader.text
    signed = client.post(
        f"/leads/{lead['id']}/stage",
        data={"stage": "signed", "version": 1, "specialist": "sun", "investment": "90000"},
        **POST,
    )
    assert signed.status_code == 303
    project_id = staff.get(f"/api/leads/{lead['id']}").json()["project_id"]
    assert project_id and signed.headers["location"] == f"/projects/{project_id}"


def test_plan_a_visit_record_it_done_and_take_the_suggested_move(chen, setup, staff):
    client = chen
    lead = setup["leads"][1]
    planned = client.post(
        f"/leads/{lead['id']}/visits",
        data={
            "date": "2026-03-10",
            "status": "planned",
            "participants": "陈静、张伟",
            "purpose": "考察",
        },
        **POST,
    )
    assert planned.status_code == 303
    visits = staff.get("/api/visits", params={"lead_id": lead["id"]}).json()["items"]
    assert [(v["status"], v["participants"]) for v in visits] == [("planned", ["陈静", "张伟"])]
    page = client.get(f"/leads/{lead['id']}").text
    assert "登记为已完成" in page and "建议将线索推进" not in page
    done = client.post(
        f"/leads/{lead['id']}/visits/{visits[0]['id']}/done",
        data={"version": visits[0]["version"], "outcome": "对方有意向"},
        **POST,
    )
    assert done.status_code == 303
    page = client.get(f"/leads/{lead['id']}").text
    assert "建议将线索推进到「已拜访」" in page
    moved = client.post(
        f"/leads/{lead['id']}/stage", data={"stage": "visited", "version": 1}, **POST
    )
    assert moved.status_code == 303
    assert staff.get(f"/api/leads/{lead['id']}").json()["stage"] == "visited"
    assert "建议将线索推进" not in client.get(f"/leads/{lead['id']}").text
    bad = client.post(f"/leads/{lead['id']}/visits", data={"date": "soon"}, **POST)
    assert bad.status_code == 422 and 'id="date-error"' in bad.text


def test_english_pages(browser_login, setup):
    client = browser_login("viewer")
    client.cookies.set("crm_lang", "en")
    page = client.get("/leads")
    assert "My task forces&#39; leads" in page.text or "My task forces' leads" in page.text
    lead = client.get(f"/leads/{setup['leads'][2]['id']}").text
    assert "Stage history" in lead and "Contacted" in lead


def test_the_office_moves_a_lead_to_another_segment_and_out_of_its_task_force(
    browser_login, setup, staff
):
    client = browser_login("staff", "wang")
    lead = setup["leads"][2]
    page = client.get(f"/leads/{lead['id']}").text
    assert '<option value="new-display:glass-substrate"' in page and "玻璃基板" in page
    form = {"version": 2, "priority": "C", "source": "other"}
    moved = {**form, "segment": "new-display:glass-substrate", "task_force_id": "none"}
    assert client.post(f"/leads/{lead['id']}/edit", data=moved, **POST).status_code == 303
    after = staff.get(f"/api/leads/{lead['id']}").json()
    assert after["segment"] == "new-display:glass-substrate" and after["task_force"] is None
    unknown = {**form, "version": 3, "segment": "new-display:nowhere"}
    refused = client.post(f"/leads/{lead['id']}/edit", data=unknown, **POST)
    assert refused.status_code == 422 and 'id="segment-error"' in refused.text


def test_a_specialist_reads_a_lead_but_is_offered_no_form(browser_login, setup, table_counts):
    client = browser_login("specialist", "zhou")
    lead = setup["leads"][0]
    page = client.get(f"/leads/{lead['id']}")
    assert page.status_code == 200 and "深圳甲公司" in page.text
    assert f'action="/leads/{lead["id"]}/' not in page.text
    before = table_counts()
    data = {"date": "2026-03-01", "status": "done"}
    assert client.post(f"/leads/{lead['id']}/visits", data=data, **POST).status_code == 403
    assert table_counts() == before


def test_a_leader_cannot_move_their_lead_to_another_task_force(chen, setup, staff):
    lead = setup["leads"][1]
    page = chen.get(f"/leads/{lead['id']}").text
    assert f'<option value="{setup["theirs"]["id"]}"' not in page.split('id="f-task_force_id"')[1]
    form = {"version": 1, "priority": "B", "source": "other"}
    refused = chen.post(
        f"/leads/{lead['id']}/edit",
        data={**form, "task_force_id": setup["theirs"]["id"]},
        **POST,
    )
    assert refused.status_code == 403 and 'id="task_force_id-error"' in refused.text
    assert staff.get(f"/api/leads/{lead['id']}").json()["task_force"]["id"] == setup["ours"]["id"]
