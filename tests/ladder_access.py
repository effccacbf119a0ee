"""Requests for the access matrix (tests/test_access_matrix.py) on the ladder's routes: a fresh
local company, tier entry or plan per case, built through the services."""

from datetime import date

from crm.companies import service as company_service
from crm.companies.schemas import CompanyCreate
from crm.db import transaction
from crm.ladder import service as ladder_service
from crm.ladder.schemas import PlanPut, TierCreate
from tests.records import Records


def _local_company(r: Records) -> int:
    with transaction(r.db) as session:
        data = CompanyCreate(name=r.name("本地企业"), is_local=True, employees=100, revenue=1)
        return company_service.create(session, data).id


def _tier(r: Records) -> dict:
    company_id = _local_company(r)
    with transaction(r.db) as session:
        company = ladder_service.get_company(session, company_id)
        data = TierCreate(tier="upgrade", entered_on=date(2025, 1, 1))
        entry = ladder_service.add_tier(session, company, data)
        return {"id": entry.id, "version": entry.version}


def _plan(r: Records) -> dict:
    company_id = _local_company(r)
    with transaction(r.db) as session:
        company = ladder_service.get_company(session, company_id)
        plan = ladder_service.put_plan(session, company, 2026, PlanPut())
        return {"company_id": company_id, "version": plan.version}


def add_tier(r: Records, _side: str):
    body = {"tier": "srdi", "entered_on": "2025-06-01"}
    return f"/api/companies/{_local_company(r)}/tiers", {"json": body}


def patch_tier(r: Records, _side: str):
    entry = _tier(r)
    return f"/api/tiers/{entry['id']}", {"json": {"version": entry["version"], "note": "复核"}}


def end_tier(r: Records, _side: str):
    entry = _tier(r)
    body = {"version": entry["version"], "left_on": "2026-01-01"}
    return f"/api/tiers/{entry['id']}/end", {"json": body}


def delete_tier(r: Records, _side: str):
    return f"/api/tiers/{_tier(r)['id']}", {}


def set_liaison(r: Records, _side: str):
    """This world has no city leader: an allowed request meets the rule's 422."""
    body = {"leader": "viewer1", "since": "2026-01-01"}
    return f"/api/companies/{_local_company(r)}/liaison", {"json": body}


def put_plan(r: Records, _side: str):
    body = {"status": "active", "measures": [{"text": "协调用地"}]}
    return f"/api/companies/{_local_company(r)}/plans/2026", {"json": body}


def delete_plan(r: Records, _side: str):
    plan = _plan(r)
    return f"/api/companies/{plan['company_id']}/plans/2026", {
        "params": {"version": plan["version"]}
    }


def put_targets(_r: Records, _side: str):
    return "/api/ladder/targets/2026", {"json": {"targets": {"upgrade": 30}}}


def raise_ticket(r: Records, _side: str):
    body = {"category": "land", "title": "用地", "priority": "normal"}
    return f"/api/companies/{_local_company(r)}/tickets", {"json": body}
