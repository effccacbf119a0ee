"""Requests for the access matrix (tests/test_access_matrix.py) on the 亩均 evaluation routes:
a year of its own per case, its scheme (run, published) built through the services."""

import itertools
from datetime import UTC, datetime

from crm.companies import service as company_service
from crm.companies.schemas import CompanyCreate
from crm.db import transaction
from crm.evaluation import grading
from crm.evaluation import scheme as schemes
from crm.evaluation.models import CompanyYear
from tests.records import Records

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
_years = itertools.count(1990)  # one year per case: the matrix makes ~25 of them


def _year(r: Records, *, scheme: bool = False, run: bool = False, published: bool = False) -> int:
    year = next(_years)
    if scheme:
        with transaction(r.db) as session:
            schemes.create_default(session, year)
            firm = company_service.create(
                session, CompanyCreate(name=r.name("亩均"), is_local=True)
            )
            session.add(CompanyYear(company_id=firm.id, year=year, land_own_mu=10, tax=100))
            if run or published:
                grading.run(session, year, by="t", now=NOW)
            if published:
                grading.publish(session, year, by="t", now=NOW)
    return year


def put_scheme(r: Records, _side: str):
    body = schemes.template().model_dump(mode="json")
    return f"/api/evaluation/{_year(r)}/scheme", {"json": body}


def create_default(r: Records, _side: str):
    return f"/api/evaluation/{_year(r)}/scheme/default", {}


def run(r: Records, _side: str):
    return f"/api/evaluation/{_year(r, scheme=True)}/run", {}


def publish(r: Records, _side: str):
    return f"/api/evaluation/{_year(r, run=True, scheme=True)}/publish", {}


def unpublish(r: Records, _side: str):
    return f"/api/evaluation/{_year(r, scheme=True, published=True)}/unpublish", {}
