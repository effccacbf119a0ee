"""Requests for the access matrix (tests/test_access_matrix.py) on the 亩均 figures routes: a
fresh local company, yearly figures or city year per case, built through the services."""

from sqlalchemy import func, select

from crm.companies import service as company_service
from crm.companies.schemas import CompanyCreate
from crm.db import transaction
from crm.evaluation import figures, park_figures
from crm.evaluation.city_models import CityYear
from crm.evaluation.figure_schemas import CityCreate, FigureCreate
from tests.records import Records


def _local_company(r: Records) -> int:
    with transaction(r.db) as session:
        data = CompanyCreate(name=r.name("本地企业"), is_local=True)
        return company_service.create(session, data).id


def _figures(r: Records) -> dict:
    company_id = _local_company(r)
    with transaction(r.db) as session:
        row = figures.create(session, company_id, FigureCreate(year=2024, tax=10))
        return {"id": row.id, "version": row.version}


def _next_year(r: Records) -> int:
    """A year no city total has yet (the cases of the matrix share one database)."""
    with transaction(r.db) as session:
        return (session.scalar(select(func.max(CityYear.year))) or 1989) + 1


def _city_year(r: Records) -> dict:
    year = _next_year(r)
    with transaction(r.db) as session:
        city = park_figures.create_city_year(session, CityCreate(year=year, gdp=100))
        return {"id": city.id, "version": city.version}


def create_figures(r: Records, _side: str):
    return f"/api/companies/{_local_company(r)}/figures", {"json": {"year": 2024, "tax": 5}}


def patch_figures(r: Records, _side: str):
    row = _figures(r)
    return f"/api/figures/{row['id']}", {"json": {"version": row["version"], "tax": 7}}


def delete_figures(r: Records, _side: str):
    return f"/api/figures/{_figures(r)['id']}", {}


def create_city_year(r: Records, _side: str):
    return "/api/city-figures", {"json": {"year": _next_year(r), "gdp": 1}}


def patch_city_year(r: Records, _side: str):
    city = _city_year(r)
    return f"/api/city-figures/{city['id']}", {"json": {"version": city["version"], "gdp": 2}}


def import_figures(r: Records, _side: str):
    name = r.name("导入企业")
    with transaction(r.db) as session:
        company_service.create(session, CompanyCreate(name=name, is_local=True))
    content = f"年度,企业名称,实缴税金(万元)\n2024,{name},3\n".encode()
    return "/api/import/figures", {"files": {"file": ("figures.csv", content, "text/csv")}}
