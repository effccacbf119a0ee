from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import DbSession, PageParams
from crm.chains import service as chain_service
from crm.companies import list_rows as company_list_rows
from crm.companies import service as company_service
from crm.companies.models import Tag
from crm.companies.schemas import CompanyCreate, CompanyPublic, CompanyUpdate
from crm.leads import service as lead_service
from crm.listing import CursorResult, ListResult, json_list

router = APIRouter(tags=["companies"])


_BAD_CURSOR = {
    "description": "the cursor cannot be used: unreadable or given with an offset",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


@router.get("/companies", response_model=CursorResult[CompanyPublic], responses={400: _BAD_CURSOR})
def list_companies(
    session: DbSession,
    page: PageParams,
    q: Annotated[
        str | None,
        Query(description="text in the name, its pinyin or initials (qdzh), or a credit code"),
    ] = None,
    is_local: bool | None = None,
    chain: Annotated[str | None, Query(description="chain code")] = None,
    segment: Annotated[str | None, Query(description="'chain:segment'")] = None,
    tag: Tag | None = None,
    city: str | None = None,
    province: str | None = None,
    park: Annotated[str | None, Query(description="park name")] = None,
    cursor: Annotated[str | None, Query(description="a previous page's next_cursor")] = None,
):
    """A page of companies by id; ``total`` is exact up to 10,000 matching companies,
    estimated past that on PostgreSQL (``total_exact: false``). Walk on with ``cursor``
    (keyset paging, as fast at any depth) or jump with ``offset``."""
    companies, total, next_cursor = company_list_rows.public_page(
        session,
        page=page,
        cursor=cursor,
        q=q,
        is_local=is_local,
        chain=chain,
        segment=segment,
        tag=tag,
        city=city,
        province=province,
        park=park,
    )
    return json_list(companies, total, next_cursor)


@router.post("/companies", response_model=CompanyPublic, status_code=201)
def create_company(data: CompanyCreate, session: DbSession):
    company = company_service.create(session, data)
    return company_service.public(company_service.get(session, company.id))


@router.get("/companies/{company_id}", response_model=CompanyPublic)
def get_company(company_id: int, session: DbSession):
    return company_service.public(company_service.get(session, company_id))


@router.patch("/companies/{company_id}", response_model=CompanyPublic)
def update_company(company_id: int, data: CompanyUpdate, session: DbSession):
    company = company_service.update(session, company_service.get(session, company_id), data)
    return company_service.public(company)


@router.delete("/companies/{company_id}", status_code=204)
def delete_company(company_id: int, session: DbSession) -> Response:
    """Delete a company that no lead pursues."""
    company = company_service.get(session, company_id)
    company_service.delete(
        session, company, in_use=lead_service.count_for_company(session, company.id)
    )
    return Response(status_code=204)


@router.get("/chains/{code}/leaders", response_model=ListResult[CompanyPublic])
def list_chain_leaders(code: str, session: DbSession):
    leaders = company_service.chain_leaders(session, chain_service.get(session, code))
    return {"items": [company_service.public(c) for c in leaders], "total": len(leaders)}


@router.put("/chains/{code}/leaders/{company_id}", response_model=CompanyPublic)
def mark_chain_leader(code: str, company_id: int, session: DbSession):
    """Mark a company as leader (链主) of the chain; it also gets the ``leader`` tag."""
    chain = chain_service.get(session, code)
    company = company_service.get(session, company_id)
    return company_service.public(company_service.set_chain_leader(session, chain, company, True))


@router.delete("/chains/{code}/leaders/{company_id}", status_code=204)
def unmark_chain_leader(code: str, company_id: int, session: DbSession) -> Response:
    chain = chain_service.get(session, code)
    company = company_service.get(session, company_id)
    company_service.set_chain_leader(session, chain, company, False)
    return Response(status_code=204)
