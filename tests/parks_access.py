"""Requests for the access matrix (tests/test_access_matrix.py) on the parks routes: a fresh
plot, factory, threshold or reservation per case, built through the services."""

from datetime import date

from crm.db import transaction
from crm.leads import service as lead_service
from crm.parks import factories, plots, reservations, thresholds
from crm.parks.schemas import FactoryCreate, PlotCreate, ThresholdPut
from tests.records import Records

TODAY = date(2026, 3, 2)


def _park_name(r: Records) -> str:
    r.park()  # a park of its own, named by the next serial
    return f"园区-{next(r.serial) - 1}"


def _plot(r: Records) -> dict:
    park = _park_name(r)
    with transaction(r.db) as session:
        plot = plots.create(
            session, PlotCreate(park=park, plot_no=r.name("P"), area_mu=30), today=TODAY, by="t"
        )
        return {"id": plot.id, "version": plot.version, "park": park}


def create_plot(r: Records, _side: str):
    return "/api/land", {"json": {"park": _park_name(r), "plot_no": r.name("P"), "area_mu": 10}}


def patch_plot(r: Records, _side: str):
    plot = _plot(r)
    return f"/api/land/{plot['id']}", {"json": {"version": plot["version"], "price": 500}}


def move_plot(r: Records, _side: str):
    return f"/api/land/{_plot(r)['id']}/status", {"json": {"status": "reserve"}}


def delay_plot(r: Records, _side: str):
    return f"/api/land/{_plot(r)['id']}/government-delay", {"json": {"government_delay": True}}


def sweep(_r: Records, _side: str):
    return "/api/land/sweep", {}


def put_threshold(r: Records, _side: str):
    return "/api/land/thresholds", {"json": {"park": _park_name(r), "investment_per_mu": 300}}


def delete_threshold(r: Records, _side: str):
    park = _park_name(r)
    with transaction(r.db) as session:
        row = thresholds.put(session, ThresholdPut(park=park, tax_per_mu=20))
        return f"/api/land/thresholds/{row.id}", {}


def create_factory(r: Records, _side: str):
    body = {"park": _park_name(r), "building": r.name("楼"), "floor": "1", "area_m2": 900}
    return "/api/factories", {"json": body}


def patch_factory(r: Records, _side: str):
    park = _park_name(r)
    with transaction(r.db) as session:
        data = FactoryCreate(park=park, building=r.name("楼"), floor="1", area_m2=900)
        factory = factories.create(session, data)
        body = {"version": factory.version, "rent": 20}
        return f"/api/factories/{factory.id}", {"json": body}


def put_lead_needs(r: Records, side: str):
    return f"/api/leads/{r.lead(side)['id']}/needs", {"json": {"land_mu": 30}}


def reserve_site(r: Records, side: str):
    return f"/api/leads/{r.lead(side)['id']}/sites", {
        "json": {"kind": "plot", "id": _plot(r)["id"]}
    }


def release_site(r: Records, side: str):
    lead_id, plot_id = r.lead(side)["id"], _plot(r)["id"]
    with transaction(r.db) as session:
        lead = lead_service.get(session, lead_id)
        reservations.reserve(session, lead, "plot", plot_id, project=None, today=TODAY, by="t")
    return f"/api/leads/{lead_id}/sites/plot/{plot_id}", {}


def put_project_needs(r: Records, side: str):
    return f"/api/projects/{r.project(side)['id']}/needs", {"json": {"factory_m2": 2000}}
