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
