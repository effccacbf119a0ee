"""The ladder pages through HTTP: the pyramid with its numbers in a table, targets, the firms
list and its export, the per-leader list, a company's ladder section and its forms."""

import pytest

from tests.ladder_world import add_tier, city_leader, local_company


@pytest.fixture
def world(staff, clock, db, make_user) -> dict:
    firm = local_company(staff, "云江梯队精工", revenue=0.8)
    add_tier(staff, firm["id"], "upgrade", "2024-03-01", left_on="2026-01-15")
    add_tier(staff, firm["id"], "srdi", "2026-01-15", source_document="川经信企业〔2026〕8号")
    leader = city_leader(db, make_user, "mayor-wang")
    staff.put(
        f"/api/companies/{firm['id']}/liaison", json={"leader": leader, "since": "2025-01-01"}
    )
    staff.put(
        f"/api/companies/{firm['id']}/plans/2026",
        json={"status": "active", "measures": [{"text": "申报省级技改资金"}]},
    )
    staff.put("/api/ladder/targets/2026", json={"targets": {"srdi": 4}})
    return {"firm": firm, "leader": leader}


def test_the_ladder_page_shows_the_pyramid_targets_and_firms(browser_login, world):
    web = browser_login("staff")
    page = web.get("/ladder", params={"year": 2026})
    assert page.status_code == 200
    html = page.text
    assert 'data-chart="ladder"' in html and 'id="ladder-data"' in html
    assert '<tr data-tier="srdi">' in html
    row = html.split('<tr data-tier="srdi">')[1].split("</tr>")[0]
    # current 1, entered 1, left 0, moved up 1, target 4
    assert [c.split(">")[-1] for c in row.split("</td>")[:-1]] == ["1", "1", "0", "1", "4"]
    assert "云江梯队精工" in html and "川经信企业〔2026〕8号" in html
    assert 'name="srdi"' in html  # staff may set the targets
    exported = web.get("/ladder/export", params={"tier": "srdi"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert web.get("/ladder", params={"tier": "gold"}).status_code == 422


def test_targets_form_saves(browser_login, world, staff):
    web = browser_login("staff")
    saved = web.post("/ladder/targets/2026", data={"srdi": "6", "upgrade": "20"})
    assert saved.status_code == 303
    items = {i["tier"]: i["target"] for i in staff.get("/api/ladder/targets/2026").json()["items"]}
    assert items["srdi"] == 6 and items["upgrade"] == 20


def test_the_leaders_page_lists_the_leaders_firms_own_first(app, world, staff, clock):
    from fastapi.testclient import TestClient

    from tests.conftest import PASSWORD

    staff.post(
        f"/api/companies/{world['firm']['id']}/tickets",
        json={"category": "land", "title": "用地", "priority": "urgent"},
    )
    clock.advance(days=5)
    web = TestClient(app, follow_redirects=False)
    web.post("/login", data={"username": "mayor-wang", "password": PASSWORD})
    page = web.get("/ladder/leaders")
    assert page.status_code == 200
    assert 'data-leader="mayor-wang"' in page.text
    block = page.text.split('data-leader="mayor-wang"')[1]
    assert "本人" in block and "云江梯队精工" in block and "超期 1 件" in block


def test_the_company_page_has_the_ladder_section_and_forms(browser_login, world, login):
    web = browser_login("staff")
    firm = world["firm"]
    page = web.get(f"/companies/{firm['id']}")
    assert page.status_code == 200
    assert 'id="ladder"' in page.text and "申报省级技改资金" in page.text
    assert "mayor-wang市长" in page.text
    added = web.post(
        f"/companies/{firm['id']}/ladder/tiers",
        data={"tier": "champion", "entered_on": "2026-02-01"},
    )
    assert added.status_code == 303
    refused = web.post(
        f"/companies/{firm['id']}/ladder/tiers",
        data={"tier": "champion", "entered_on": "2026-02-02"},
    )
    assert refused.status_code == 409 or refused.status_code == 422
    assert "champion" in refused.text or "单项冠军" in refused.text
    raised = web.post(
        f"/companies/{firm['id']}/ladder/tickets",
        data={"category": "financing", "title": "续贷", "priority": "high"},
    )
    assert raised.status_code == 303
    assert "续贷" in web.get(f"/companies/{firm['id']}").text
    viewer = browser_login("viewer")
    read_only = viewer.get(f"/companies/{firm['id']}")
    assert 'id="ladder"' in read_only.text
    assert "/ladder/tiers" not in read_only.text
    assert (
        viewer.post(
            f"/companies/{firm['id']}/ladder/tiers",
            data={"tier": "srdi", "entered_on": "2026-02-01"},
        ).status_code
        == 403
    )


def _plan(staff, firm_id: int, year: int = 2026) -> dict:
    response = staff.get(f"/api/companies/{firm_id}/plans/{year}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_plan_forms_create_a_plan_and_add_move_on_and_remove_measures(
    browser_login, world, staff
):
    web = browser_login("staff")
    firm = world["firm"]["id"]
    base = f"/companies/{firm}/ladder/plans"
    page = web.get(f"/companies/{firm}").text
    assert f'action="{base}/2026/measures"' in page and f'action="{base}"' in page

    created = web.post(
        base, data={"_form": "plan-new", "year": "2027", "status": "draft", "summary": "储备"}
    )
    assert created.status_code == 303 and created.headers["location"].endswith("#plan-2027")
    assert _plan(staff, firm, 2027)["summary"] == "储备"

    plan = _plan(staff, firm)
    measure = {"_form": "plan-2026-measure", "version": plan["version"], "text": "对接银行续贷"}
    measure |= {"responsible_unit": "市金融办", "due_on": "2026-06-30"}
    assert web.post(f"{base}/2026/measures", data=measure).status_code == 303
    plan = _plan(staff, firm)
    assert [m["text"] for m in plan["measures"]] == ["申报省级技改资金", "对接银行续贷"]
    assert plan["measures"][1]["responsible_unit"] == "市金融办"

    moved = web.post(f"{base}/2026/measures/1", data={"version": plan["version"], "status": "done"})
    assert moved.status_code == 303
    plan = _plan(staff, firm)
    assert [m["status"] for m in plan["measures"]] == ["planned", "done"]

    head = {"version": plan["version"], "status": "done", "summary": "全年完成"}
    assert web.post(f"{base}/2026", data=head).status_code == 303
    plan = _plan(staff, firm)
    assert (plan["status"], plan["summary"]) == ("done", "全年完成")

    removed = web.post(f"{base}/2026/measures/0/delete", data={"version": plan["version"]})
    assert removed.status_code == 303
    assert [m["text"] for m in _plan(staff, firm)["measures"]] == ["对接银行续贷"]
    shown = web.get(f"/companies/{firm}").text
    assert "对接银行续贷" in shown and "全年完成" in shown


def test_a_refused_plan_form_shows_the_message_beside_it_and_changes_nothing(
    browser_login, world, staff
):
    web = browser_login("staff")
    firm = world["firm"]["id"]
    base = f"/companies/{firm}/ladder/plans"
    before = _plan(staff, firm)
    version = before["version"]

    no_text = {"_form": "plan-2026-measure", "version": version, "due_on": "2026-13-40"}
    refused = web.post(f"{base}/2026/measures", data=no_text)
    assert refused.status_code == 422
    assert 'id="plan-2026-text-error"' in refused.text  # beside the measure's text field
    assert 'id="plan-2026-due_on-error"' in refused.text
    assert 'value="2026-13-40"' in refused.text  # what was typed, in that form

    again = web.post(base, data={"_form": "plan-new", "year": "2026", "status": "draft"})
    assert again.status_code == 409 and "2026年的一企一策已存在" in again.text
    bad_year = web.post(base, data={"_form": "plan-new", "year": "1999"})
    assert bad_year.status_code == 422 and 'id="plan-new-year-error"' in bad_year.text
    bad_status = web.post(f"{base}/2026", data={"version": version, "status": "finished"})
    assert bad_status.status_code == 422

    assert web.post(f"{base}/2026", data={"version": version, "status": "active"}).is_redirect
    stale = web.post(f"{base}/2026/measures/0", data={"version": version, "status": "done"})
    assert stale.status_code == 409 and "修改了这条记录" in stale.text
    missing = web.post(f"{base}/2026/measures/5", data={"version": version + 1, "status": "done"})
    assert missing.status_code == 404
    assert web.post(f"{base}/2030/measures", data={"version": 1, "text": "x"}).status_code == 404

    after = _plan(staff, firm)
    assert after["measures"] == before["measures"] and after["version"] == version + 1
    assert staff.get(f"/api/companies/{firm}/plans/1999").status_code == 422


def test_a_viewer_sees_the_plan_but_no_plan_forms_and_may_not_post_them(browser_login, world):
    firm = world["firm"]["id"]
    viewer = browser_login("viewer")
    page = viewer.get(f"/companies/{firm}").text
    assert "申报省级技改资金" in page and "/ladder/plans" not in page
    base = f"/companies/{firm}/ladder/plans"
    for url, data in [
        (base, {"year": "2027"}),
        (f"{base}/2026", {"version": "1", "status": "done"}),
        (f"{base}/2026/measures", {"version": "1", "text": "越权措施"}),
        (f"{base}/2026/measures/0", {"version": "1", "status": "done"}),
        (f"{base}/2026/measures/0/delete", {"version": "1"}),
    ]:
        assert viewer.post(url, data=data).status_code == 403, url
