"""Companies: ``/companies`` (search and filters) and ``/companies/{id}``."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from crm.api.deps import DbSession, RequestTime
from crm.chains.models import Chain
from crm.companies import service as company_service
from crm.companies.models import Park, Tag
from crm.evaluation import grading
from crm.leads import lists as lead_lists
from crm.leads.schemas import LeadFilters
from crm.listing import Page
from crm.pages import ladder as ladder_pages
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.projects import lists as project_lists

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


class CompanyQuery(BaseModel):
    q: str | None = Field(None, max_length=200)
    local: bool | None = None
    chain: str | None = Field(None, max_length=64)
    segment: str | None = Field(None, max_length=130)
    tag: Tag | None = None
    city: str | None = Field(None, max_length=50)
    park: str | None = Field(None, max_length=100)
    offset: int = Field(0, ge=0, le=10_000_000)

    def link(self) -> str:
        """The query string of these filters (without the offset), for paging links."""
        values = self.model_dump(exclude={"offset"}, exclude_none=True)
        return urlencode(
            {k: str(v).lower() if isinstance(v, bool) else v for k, v in values.items()}
        )


def _blank_as_none(request: Request) -> dict:
    """Empty form fields (``?chain=``) mean "any", as a browser submits them."""
    return {key: value for key, value in request.query_params.items() if value != ""}


def company_query(request: Request) -> CompanyQuery:
    try:
        return CompanyQuery.model_validate(_blank_as_none(request))
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


@router.get("/companies")
def company_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    query: Annotated[CompanyQuery, Depends(company_query)],
):
    companies, total = company_service.list_companies(
        session,
        page=Page(limit=PAGE_SIZE, offset=query.offset),
        q=query.q,
        is_local=query.local,
        chain=query.chain,
        segment=query.segment,
        tag=query.tag,
        city=query.city,
        park=query.park,
    )
    context = {
        "query": query,
        "companies": [company_service.public(c) for c in companies],
        "total": total,
        "limit": PAGE_SIZE,
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "parks": list(session.scalars(select(Park.name).order_by(Park.name))),
        "tags": list(Tag),
    }
    return render(request, "companies/list.html", context, block="results")


@router.get("/companies/{company_id}")
def company_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    company_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
):
    company = company_service.get(session, company_id)
    leads, _ = lead_lists.list_leads(
        session, page=Page(limit=200), filters=LeadFilters(company_id=company.id)
    )
    projects, _ = project_lists.list_projects(session, page=Page(limit=200), company_id=company.id)
    segment_names = {f"{s.chain.code}:{s.code}": (s.chain.name, s.name) for s in company.segments}
    context = {
        "company": company_service.public(company),
        "segment_names": segment_names,
        "leads": leads,
        "projects": projects,
        **grading.company_section(session, company.id, user),
    }
    if company.is_local:  # the cultivation ladder serves local firms
        context |= ladder_pages.company_section(session, company.id, now)
    return render(request, "companies/detail.html", context)
