"""Park figures: per-mu figures, shares of the city's totals and year-on-year change equal
the sums computed here from the rows this test created."""

from tests.factories import company
from tests.parks_world import CHAIN_PARK, OTHER_PARK, PARK, parks

# (park, firm, year, own mu, rented mu, revenue, added value, tax)
ROWS = [
    (PARK, "甲", 2024, 30, 0, 12000, 3000, 900),
    (PARK, "乙", 2024, 10, 5, 6000, 1500, 300),
    (PARK, "甲", 2023, 30, 0, 10000, 2500, 600),
    (CHAIN_PARK, "丙", 2024, None, 8, 4000, 1000, 160),
    (None, "丁", 2024, 100, 0, 99999, 9999, 9999),  # a local firm outside the parks
]
CITY = {"year": 2024, "land_mu": 2_000_000, "gdp": 4_000_000, "industrial_output": 9_000_000}


def build(staff):
    parks(staff)
    ids = {}
    for park, name, year, own, rented, revenue, added, tax in ROWS:
        if name not in ids:
            body = company(name, is_local=True, park=park)
            ids[name] = staff.post("/api/companies", json=body).json()["id"]
        figures = {"year": year, "land_own_mu": own, "land_rented_mu": rented}
        figures |= {"revenue": revenue, "added_value": added, "tax": tax}
        response = staff.post(f"/api/companies/{ids[name]}/figures", json=figures)
        assert response.status_code == 201, response.text


def expected(park: str | None, year: int) -> dict:
    chosen = [r for r in ROWS if r[2] == year and (r[0] == park if park else r[0])]
    land = sum((r[3] or 0) + (r[4] or 0) for r in chosen)
    return {
        "firms": len(chosen),
        "land_mu": land,
        "revenue": sum(r[5] for r in chosen),
        "added_value": sum(r[6] for r in chosen),
        "tax": sum(r[7] for r in chosen),
    }


def test_park_figures_equal_the_sums(staff):
    build(staff)
    city = staff.post("/api/city-figures", json={**CITY, "tax_revenue": 50_000})
    assert city.status_code == 201, city.text
    body = staff.get("/api/park-figures", params={"year": 2024}).json()
    by_park = {item["park"]: item for item in body["items"]}
    assert set(by_park) == {PARK, CHAIN_PARK, OTHER_PARK}
    for name, item in [*by_park.items(), (None, body["total"])]:
        want = expected(name, 2024)
        assert {key: item[key] for key in want} == want
        if want["land_mu"]:
            assert item["tax_per_mu"] == round(want["tax"] / want["land_mu"], 2)
            assert item["revenue_per_mu"] == round(want["revenue"] / want["land_mu"], 2)
        else:
            assert item["tax_per_mu"] is None
        assert item["land_share"] == round(want["land_mu"] / CITY["land_mu"], 4)
        assert item["gdp_share"] == round(want["added_value"] / CITY["gdp"], 4)
        assert item["output_share"] == round(want["revenue"] / CITY["industrial_output"], 4)
        assert item["tax_share"] == round(want["tax"] / 50_000, 4)

    high_tech = by_park[PARK]
    before = expected(PARK, 2023)
    assert high_tech["previous"]["tax"] == before["tax"]
    assert high_tech["yoy"]["tax"] == round((1200 - before["tax"]) / before["tax"], 4)
    assert high_tech["yoy"]["tax_per_mu"] == round((round(1200 / 45, 2) - 20) / 20, 4)
    assert by_park[CHAIN_PARK]["yoy"]["tax"] is None  # nothing the year before


def test_city_figures_edit_and_refusals(staff, login):
    created = staff.post("/api/city-figures", json=CITY).json()
    assert staff.post("/api/city-figures", json=CITY).status_code == 409
    assert (
        staff.post("/api/city-figures", json={**CITY, "year": 2023, "gdp": -5}).status_code == 422
    )
    path = f"/api/city-figures/{created['id']}"
    assert staff.patch(path, json={"version": 1, "tax_revenue": 800_000}).status_code == 200
    assert staff.patch(path, json={"version": 1, "tax_revenue": 1}).status_code == 409
    assert login("leader").patch(path, json={"version": 2, "gdp": 1}).status_code == 403
    (only,) = staff.get("/api/city-figures").json()
    assert (only["tax_revenue"], only["gdp"], only["version"]) == (800_000, 4_000_000, 2)
    no_city = staff.get("/api/park-figures", params={"year": 2030}).json()
    assert no_city["city"] is None and no_city["total"]["land_share"] is None
    assert staff.get("/api/park-figures", params={"year": 1200}).status_code == 422
