"""Yearly figures of local firms (the 亩均 input): list, read, create, update, delete.

Only a local company has figures, one row per company and year. Derived per-mu figures are
computed where shown, never stored.
"""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from crm.companies.models import Company
from crm.errors import Conflict, Invalid, NotFound
from crm.evaluation.figure_schemas import FigureCreate, FigureUpdate
from crm.evaluation.models import CompanyYear
from crm.listing import Page, contains, fetch_page
from crm.updates import check_version


def per_mu(amount: float | None, land_mu: float) -> float | None:
    """An amount per 亩 of land used, or None without land or amount."""
    if amount is None or not land_mu:
        return None
    return round(amount / land_mu, 2)


def public(row: CompanyYear) -> dict:
    fields = {column.key: getattr(row, column.key) for column in CompanyYear.__table__.columns}
    land = row.land_mu
    return {
        **fields,
        "version": row.version,
        "company": row.company.name,
        "park_id": row.company.park_id,
        "land_mu": land,
        "tax_per_mu": per_mu(row.tax, land),
        "revenue_per_mu": per_mu(row.revenue, land),
    }


def get(session: Session, figure_id: int) -> CompanyYear:
    row = session.get(CompanyYear, figure_id, options=[selectinload(CompanyYear.company)])
    if row is None:
        raise NotFound(f"yearly figures {figure_id} not found")
    return row


def local_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} not found")
    if not company.is_local:
        raise Invalid(
            "company_id", f"{company.name} is not a local company: only local firms have figures"
        )
    return company


def filtered_query(
    *,
    year: int | None = None,
    park_id: int | None = None,
    q: str | None = None,
    above_size: bool | None = None,
    company_id: int | None = None,
) -> Select:
    query = select(CompanyYear).join(CompanyYear.company).options(selectinload(CompanyYear.company))
    if year is not None:
        query = query.where(CompanyYear.year == year)
    if park_id is not None:
        query = query.where(Company.park_id == park_id)
    if q:
        query = query.where(contains(Company.name, q) | contains(Company.credit_code, q))
    if above_size is not None:
        query = query.where(CompanyYear.above_size == above_size)
    if company_id is not None:
        query = query.where(CompanyYear.company_id == company_id)
    return query.order_by(CompanyYear.year.desc(), Company.name, CompanyYear.id)


def list_page(session: Session, query: Select, page: Page) -> tuple[list[CompanyYear], int]:
    return fetch_page(session, query, page)


def of_company(session: Session, company_id: int) -> list[CompanyYear]:
    return list(session.scalars(filtered_query(company_id=company_id)))


def _refuse_taken_year(session: Session, company_id: int, year: int, own_id: int | None) -> None:
    taken = session.scalar(
        select(CompanyYear.id).where(CompanyYear.company_id == company_id, CompanyYear.year == year)
    )
    if taken is not None and taken != own_id:
        raise Conflict(f"figures for {year} already exist for this company (id {taken})")


def create(session: Session, company_id: int, data: FigureCreate) -> CompanyYear:
    company = local_company(session, company_id)
    _refuse_taken_year(session, company.id, data.year, None)
    fields = data.model_dump(exclude_none=True)
    row = CompanyYear(company=company, **{"above_size": False, **fields})
    session.add(row)
    session.flush()
    return row


def update(session: Session, row: CompanyYear, data: FigureUpdate) -> CompanyYear:
    check_version(row, data.version, f"figures {row.company.name} {row.year}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("year") is None:
        changes.pop("year", None)
    if changes.get("above_size", False) is None:
        raise Invalid("above_size", "above_size may not be null")
    if "year" in changes:
        _refuse_taken_year(session, row.company_id, changes["year"], row.id)
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return row


def delete(session: Session, row: CompanyYear) -> None:
    session.delete(row)
    session.flush()
