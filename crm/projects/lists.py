"""The project list: filters (those of the reports too), sorts and a page."""

from datetime import date

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from crm import places
from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.companies.models import Company, Park
from crm.errors import Invalid
from crm.leads.models import Lead, Stage
from crm.listing import Page, contains, fetch_page
from crm.places import InvestorOrigin
from crm.projects.models import AgreementType, CardStatus, GreenCard, Project
from crm.projects.service import LOAD


def list_projects(
    session: Session,
    *,
    page: Page,
    q: str | None = None,
    stage: Stage | None = None,
    chain: str | None = None,
    park: str | None = None,
    specialist: str | None = None,
    task_force_id: int | None = None,
    signed_from: date | None = None,
    signed_to: date | None = None,
    card_status: CardStatus | None = None,
    company_id: int | None = None,
    agreement_type: AgreementType | None = None,
    investor_origin: InvestorOrigin | None = None,
    county: str | None = None,
    only: ColumnElement[bool] | None = None,
    sort: str = "-signed_on",
) -> tuple[list[Project], int]:
    """``only``: a further condition, such as the policy's projects a user may write;
    ``sort``: a key of :data:`SORTS`, ``-`` in front for descending."""
    query = select(Project).join(Project.lead)
    if company_id is not None:
        query = query.where(Lead.company_id == company_id)
    if only is not None:
        query = query.where(only)
    if q:
        query = query.where(Lead.company.has(contains(Company.name, q)))
    if stage:
        query = query.where(Lead.stage == stage)
    if chain:
        query = query.where(Lead.segment.has(Segment.chain.has(Chain.code == chain)))
    if task_force_id is not None:
        query = query.where(Lead.task_force_id == task_force_id)
    if park:
        query = query.where(Project.park.has(Park.name == park))
    if specialist:
        query = query.where(Project.specialist.has(User.username == specialist))
    if signed_from:
        query = query.where(Project.signed_on >= signed_from)
    if signed_to:
        query = query.where(Project.signed_on <= signed_to)
    if card_status:
        query = query.where(Project.green_card.has(GreenCard.status == card_status))
    query = _report_filters(query, agreement_type, investor_origin, county)
    query = query.options(*LOAD).order_by(*_ordering(sort))
    return fetch_page(session, query, page)


def _report_filters(
    query: Select,
    agreement_type: AgreementType | None,
    investor_origin: InvestorOrigin | None,
    county: str | None,
) -> Select:
    if agreement_type:
        query = query.where(Project.agreement_type == agreement_type)
    if investor_origin:
        query = query.where(Project.investor_origin == investor_origin)
    if county:
        known = places.home_county(county)
        query = query.where(
            Project.county_code == known.code if known else Project.county == county
        )
    return query


# The columns a project list may be sorted by.
SORTS = {"signed_on": Project.signed_on, "signed_investment": Project.signed_investment}


def _ordering(sort: str) -> tuple:
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"))
    if column is None:
        raise Invalid("sort", f"sort by one of {', '.join(SORTS)}, with - for descending")
    if descending:
        return column.desc().nulls_last(), Project.id.desc()
    return column.asc().nulls_last(), Project.id.asc()
