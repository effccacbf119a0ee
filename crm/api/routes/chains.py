from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import DbSession, PageParams
from crm.chains import service as chain_service
from crm.chains.schemas import ChainDetail, ChainFile, ChainSummary, ChainUpdate
from crm.companies import service as company_service
from crm.listing import ListResult

router = APIRouter(prefix="/chains", tags=["chains"])


@router.get("", response_model=ListResult[ChainSummary])
def list_chains(session: DbSession, page: PageParams, q: Annotated[str | None, Query()] = None):
    chains, total = chain_service.list_chains(session, q=q, page=page)
    return {"items": chain_service.summaries(session, chains), "total": total}


@router.post("", response_model=ChainDetail, status_code=201)
def create_chain(data: ChainFile, session: DbSession):
    """Create a chain with its segments and supply links from a chain file, all or nothing."""
    chain = chain_service.create(session, data)
    return chain_service.detail(session, chain_service.get(session, chain.code))


@router.get("/{code}", response_model=ChainDetail)
def get_chain(code: str, session: DbSession):
    return chain_service.detail(session, chain_service.get(session, code))


@router.get("/{code}/export", response_model=ChainFile, response_model_exclude_unset=True)
def export_chain(code: str, session: DbSession):
    """The chain file; posting it to a fresh database recreates the same chain."""
    return chain_service.export(session, chain_service.get(session, code))


@router.patch("/{code}", response_model=ChainDetail)
def update_chain(code: str, data: ChainUpdate, session: DbSession):
    chain = chain_service.update(session, chain_service.get(session, code), data)
    return chain_service.detail(session, chain)


@router.delete("/{code}", status_code=204)
def delete_chain(code: str, session: DbSession) -> Response:
    chain = chain_service.get(session, code)
    in_use = company_service.companies_in_chain(session, chain)
    chain_service.delete_chain(session, chain, in_use=in_use)
    return Response(status_code=204)
