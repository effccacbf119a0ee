"""亩均 pages over HTTP: a firm's years on its company page (add, edit, refusal), the park
figures page with its table and chart numbers, the city totals form and the XLSX export."""

import io

import pytest
from openpyxl import load_workbook

from tests.factories import company
from tests.parks_world import PARK, parks

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def office(browser_login):
    return browser_login("staff", "office")


@pytest.fixture
def firm(staff) -> int:
    parks(staff)
    response = staff.post("/api/companies", json=company("云江精工", is_local=True, park=PARK))
    return response.json()["id"]


def test_company_page_adds_and_edits_a_year(office, staff, firm):
    assert f'hx-get="/companies/{firm}/figures"' in office.get(f"/companies/{firm}").text
    form = {
        "year": "2024",
        "land_own_mu": "20",
        "tax": "600",
        "revenue": "9000",
        "above_size": "on",
    }
    added = office.post(f"/companies/{firm}/figures", data=form, headers=ORIGIN)
    assert added.status_code == 303, added.text
    panel = office.get(f"/companies/{firm}/figures").text
    assert "亩均税收" in panel and '<td class="num">30.0</td>' in panel  # 600 / 20

    (row,) = staff.get(f"/api/companies/{firm}/figures").json()
    edit = office.get(f"/companies/{firm}/figures", params={"edit": row["id"]}).text
    assert 'name="version" value="1"' in edit and "修改 2024 年数据" in edit
    changed = {**form, "tax": "800", "figure_id": str(row["id"]), "version": "1"}
    assert (
        office.post(f"/companies/{firm}/figures", data=changed, headers=ORIGIN).status_code == 303
    )
    assert staff.get(f"/api/figures/{row['id']}").json()["tax"] == 800

    stale = office.post(f"/companies/{firm}/figures", data=changed, headers=ORIGIN)
    assert stale.status_code == 409
    bad = office.post(
        f"/companies/{firm}/figures", data={**form, "year": "2023", "tax": "-1"}, headers=ORIGIN
    )
    assert bad.status_code == 422 and "aria-invalid" in bad.text
    htmx = office.post(
        f"/companies/{firm}/figures",
        data={**form, "year": "2023", "tax": "-1"},
        headers={**ORIGIN, "HX-Request": "true"},
    )
    assert htmx.status_code == 200 and 'id="figures"' in htmx.text and "aria-invalid" in htmx.text
    assert len(staff.get(f"/api/companies/{firm}/figures").json()) == 1


def test_a_reader_sees_no_form_and_may_not_post(browser_login, staff, firm):
    reader = browser_login("leader", "reader")
    panel = reader.get(f"/companies/{firm}/figures")
    assert panel.status_code == 200 and "<form" not in panel.text
    refused = reader.post(f"/companies/{firm}/figures", data={"year": "2024"}, headers=ORIGIN)
    assert refused.status_code == 403
    assert staff.get(f"/api/companies/{firm}/figures").json() == []


def test_park_figures_page_city_form_and_export(office, staff, firm):
    body = {"year": 2024, "land_own_mu": 40, "revenue": 20000, "added_value": 5000, "tax": 1000}
    assert staff.post(f"/api/companies/{firm}/figures", json=body).status_code == 201
    city = {
        "year": "2024",
        "land_mu": "4000",
        "gdp": "50000",
        "industrial_output": "80000",
        "tax_revenue": "2000",
    }
    assert office.post("/parks/figures/city", data=city, headers=ORIGIN).status_code == 303

    page = office.get("/parks/figures", params={"year": 2024})
    assert page.status_code == 200
    assert "园区亩均效益" in page.text and 'data-chart="bars"' in page.text
    assert "50.0%" in page.text  # tax share: 1000 of 2000; also 1% of land
    assert "1.00%" in page.text  # land: 40 of 4000 亩
    assert "/parks/figures" in office.get("/parks").text

    again = office.post(
        "/parks/figures/city", data={**city, "tax_revenue": "4000", "version": "1"}, headers=ORIGIN
    )
    assert again.status_code == 303
    assert staff.get("/api/city-figures").json()[0]["tax_revenue"] == 4000

    export = office.get("/parks/figures.xlsx", params={"year": 2024})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("园区", "上报企业数", "用地(亩)")
    by_park = {row[0]: row for row in rows[1:]}
    assert by_park[PARK][1:3] == (1, 40) and by_park[PARK][7] == 25  # tax per mu
    assert by_park["全部园区"][11] == 0.25  # 1000 of 4000
