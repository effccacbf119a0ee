"""Yearly figures of local firms through the API: create, read, list, update, delete; the
refusals (not local, duplicate year, bad numbers, stale version, roles) change nothing."""

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.evaluation.models import CompanyYear
from tests.factories import company
from tests.parks_world import PARK, parks

FIGURES = {
    "year": 2024,
    "land_own_mu": 40,
    "land_rented_mu": 10,
    "revenue": 25000,
    "tax": 1500,
    "employees": 320,
    "above_size": True,
}


@pytest.fixture
def firm(staff) -> int:
    parks(staff)
    response = staff.post("/api/companies", json=company("川西精工", is_local=True, park=PARK))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def rows(db) -> list[CompanyYear]:
    with db() as session:
        return list(session.scalars(select(CompanyYear)))


def test_create_read_list_update_delete(staff, firm, db):
    created = staff.post(f"/api/companies/{firm}/figures", json=FIGURES)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["land_mu"], body["tax_per_mu"], body["revenue_per_mu"]) == (50, 30, 500)
    assert body["company"] == "川西精工"
    figure_id = body["id"]

    assert staff.get(f"/api/figures/{figure_id}").json()["tax"] == 1500
    assert [r["year"] for r in staff.get(f"/api/companies/{firm}/figures").json()] == [2024]
    listed = staff.get("/api/figures", params={"year": 2024, "q": "精工", "above_size": True})
    assert listed.json()["total"] == 1
    assert staff.get("/api/figures", params={"year": 2023}).json()["total"] == 0

    changed = staff.patch(f"/api/figures/{figure_id}", json={"version": 1, "tax": 2000})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["tax_per_mu"], changed.json()["version"]) == (40, 2)

    stale = staff.patch(f"/api/figures/{figure_id}", json={"version": 1, "tax": 1})
    assert stale.status_code == 409
    assert rows(db)[0].tax == 2000

    with db() as session:
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "company_year")
        ).all()
    assert sorted(audited) == ["insert", "update"]

    assert staff.delete(f"/api/figures/{figure_id}").status_code == 204
    assert rows(db) == []
    assert staff.get(f"/api/figures/{figure_id}").status_code == 404


def test_refusals_change_nothing(staff, firm, db):
    outsider = staff.post("/api/companies", json=company("外地集团")).json()["id"]
    refused = staff.post(f"/api/companies/{outsider}/figures", json=FIGURES)
    assert refused.status_code == 422
    assert "not a local company" in refused.text

    assert staff.post(f"/api/companies/{firm}/figures", json=FIGURES).status_code == 201
    duplicate = staff.post(f"/api/companies/{firm}/figures", json=FIGURES)
    assert duplicate.status_code == 409

    for field, value in (("tax", -1), ("employees", 12.5), ("year", 1800), ("land_own_mu", "x")):
        bad = staff.post(f"/api/companies/{firm}/figures", json={**FIGURES, field: value})
        assert bad.status_code == 422
        assert field in {part for error in bad.json()["detail"] for part in error["loc"]}
    assert staff.post("/api/companies/999999/figures", json=FIGURES).status_code == 404
    assert len(rows(db)) == 1


def test_only_office_writes(staff, login, firm, db):
    figure_id = staff.post(f"/api/companies/{firm}/figures", json=FIGURES).json()["id"]
    leader = login("leader")
    assert leader.get(f"/api/figures/{figure_id}").status_code == 200
    assert (
        leader.post(f"/api/companies/{firm}/figures", json={**FIGURES, "year": 2023}).status_code
        == 403
    )
    assert (
        leader.patch(f"/api/figures/{figure_id}", json={"version": 1, "tax": 0}).status_code == 403
    )
    assert leader.delete(f"/api/figures/{figure_id}").status_code == 403
    assert [(r.year, r.tax) for r in rows(db)] == [(2024, 1500)]
