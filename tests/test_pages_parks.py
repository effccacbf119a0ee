"""The parks pages through HTTP: the list with figures, a park's page with its clocks, the
cockpit's park table, and the lead page's sites panel with reserve (writers only)."""

import re
from datetime import date

import pytest

from tests.parks_world import (
    CHAIN_PARK,
    PARK,
    at,
    factory,
    new_company,
    parks,
    plot,
    supplied_plot,
)

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def world(staff, clock):
    """高新区: an idle plot 13 months past its start (price 2000 万元), one available 60 mu plot,
    a vacant and a let factory; a lead intending 高新区 that needs 50 mu."""
    clock.moment = at(date(2025, 1, 10))
    ids = parks(staff)
    holder = new_company(staff, "闲置用地企业")
    supplied_plot(staff, "GX-IDLE", holder, date(2025, 2, 1), price=2000, area_mu=40)
    offered = plot(staff, "GX-OPEN", area_mu=60)
    factory(staff, "1号厂房", area_m2=3000)
    factory(staff, "2号厂房", area_m2=1000, status="let", tenant_company_id=holder)
    lead = staff.post(
        "/api/leads",
        json={
            "company_id": new_company(staff, "意向企业"),
            "segment": "new-display:panel",
            "park": PARK,
            "expected_investment": 30000,
        },
    ).json()["id"]
    assert staff.put(f"/api/leads/{lead}/needs", json={"land_mu": 50}).status_code == 200
    clock.moment = at(date(2026, 3, 2))
    return {"parks": ids, "lead": lead, "offered": offered["id"]}


def cells(html: str, row_header: str) -> list[str]:
    row = re.search(
        rf"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?{re.escape(row_header)}.*?</tr>", html, re.S
    )
    assert row, row_header
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    ]


def test_parks_list_shows_each_parks_figures(browser_login, world):
    page = browser_login("viewer").get("/parks")
    assert page.status_code == 200
    # 高新区: land 100 mu, available 60, 1 idle plot of 40 mu, fee 400, 0 reclaim, 4000 m²,
    # vacancy 3000/4000, no projects.
    assert cells(page.text, PARK)[:10] == [
        "国家级",
        "100",
        "60",
        "1",
        "40",
        "400",
        "0",
        "4,000",
        "75.0%",
        "0",
    ]
    assert 'href="/parks/' in page.text and CHAIN_PARK in page.text


def test_park_page_shows_plots_clocks_fee_reclaim_and_occupancy(browser_login, world):
    park_id = world["parks"][PARK]
    page = browser_login("staff").get(f"/parks/{park_id}")
    assert page.status_code == 200
    html = page.text
    idle_section = html[html.index('id="idle"') : html.index('id="plots"')]
    assert "GX-IDLE" in idle_section and "闲置用地企业" in idle_section
    assert "疑似闲置" in idle_section
    days = (date(2026, 3, 2) - date(2025, 2, 1)).days
    assert f"已闲置 {days} 天" in idle_section
    assert "400" in idle_section  # 20% of 2000 万元
    assert "2027-02-01" in idle_section  # reclaim two years after the contracted start
    assert "满一年：2026-02-01" in html
    assert "可供应" in html and "GX-OPEN" in html
    occupancy = html[html.index('id="occupancy"') :]
    assert "3,000" in occupancy and "1,000" in occupancy
    filtered = browser_login("viewer", "v2").get(f"/parks/{park_id}?status=available")
    assert "GX-OPEN" in filtered.text.split('id="plots"')[1]
    assert "GX-IDLE" not in filtered.text.split('id="plots"')[1]
    assert browser_login("admin").get("/parks/99999").status_code == 404


def test_cockpit_has_the_park_table(browser_login, world):
    page = browser_login("viewer").get("/")
    assert page.status_code == 200
    table = page.text[page.text.index('id="park-carriers-heading"') :]
    # available 60 mu, idle 40 mu, 1 idle plot, fee 0.04 亿元, no reclaim, vacancy 75%.
    assert cells(table, PARK) == ["60", "40", "1", "0.04", "0", "75.0%"]


def test_sites_panel_and_reserve_from_the_lead_page(browser_login, staff, world):
    lead = world["lead"]
    viewer = browser_login("viewer").get(f"/leads/{lead}")
    panel = viewer.text[viewer.text.index('id="sites"') :]
    assert "GX-OPEN" in panel and "面积 60 亩，满足用地需求 50 亩" in panel
    assert "意向园区" in panel
    assert 'action="/parks/sites/' not in panel  # a viewer gets no reserve button
    refused = browser_login("viewer", "v3").post(
        f"/parks/sites/{lead}",
        data={"action": "reserve", "kind": "plot", "site_id": world["offered"]},
        headers=ORIGIN,
    )
    assert refused.status_code == 403
    office = browser_login("staff", "office-web")
    assert 'action="/parks/sites/' in office.get(f"/leads/{lead}").text
    form = {"action": "reserve", "kind": "plot", "site_id": world["offered"]}
    done = office.post(f"/parks/sites/{lead}", data=form, headers=ORIGIN)
    assert done.status_code == 303
    assert done.headers["location"] == f"/leads/{lead}#sites"
    assert staff.get(f"/api/land/{world['offered']}").json()["status"] == "reserved"
    again = office.get(f"/leads/{lead}").text
    assert "已为本线索预留" in again
    foreign = office.post(
        f"/parks/sites/{lead}",
        data={**form, "action": "release"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    released = office.post(
        f"/parks/sites/{lead}", data={**form, "action": "release"}, headers=ORIGIN
    )
    assert released.status_code == 303
    assert staff.get(f"/api/land/{world['offered']}").json()["status"] == "available"


def test_needs_are_stated_from_the_lead_page(browser_login, staff, world):
    lead = world["lead"]
    office = browser_login("staff", "needs-web")
    assert 'action="/parks/sites/' + str(lead) + '/needs"' in office.get(f"/leads/{lead}").text
    form = {"land_mu": "70", "factory_m2": "", "floor_load_kn": "", "special": ["dual_power"]}
    done = office.post(f"/parks/sites/{lead}/needs", data=form, headers=ORIGIN)
    assert done.status_code == 303, done.text
    stated = staff.get(f"/api/leads/{lead}/needs").json()
    assert (stated["land_mu"], stated["factory_m2"], stated["dual_power"]) == (70, None, True)
    # GX-OPEN (60 mu, no dual power) no longer fits: not offered.
    assert "GX-OPEN" not in office.get(f"/leads/{lead}").text.split('id="sites"')[1]
    bad = office.post(f"/parks/sites/{lead}/needs", data={"land_mu": "-5"}, headers=ORIGIN)
    assert bad.status_code == 422
    assert staff.get(f"/api/leads/{lead}/needs").json()["land_mu"] == 70
    viewer = browser_login("viewer", "needs-viewer")
    assert viewer.post(f"/parks/sites/{lead}/needs", data=form, headers=ORIGIN).status_code == 403
