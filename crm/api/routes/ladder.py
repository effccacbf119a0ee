"""四库三台阶: a company's tiers, liaison and plans; the ladder's lists and reports."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from crm.api.deps import CurrentUser, DbSession, PageParams, RequestTime
from crm.auth.models import Role
from crm.clock import local_date
from crm.errors import NotPermitted
from crm.exporting import download
from crm.ladder import reports as ladder_reports
from crm.ladder import service as ladder_service
from crm.ladder.export import EXPORT_HEADERS, export_rows
from crm.ladder.models import Tier
from crm.ladder.schemas import (
    CompanyLadder,
    LeaderFirms,
    LiaisonPublic,
    LiaisonSet,
    PlanPublic,
    PlanPut,
    Pyramid,
    TargetsPublic,
    TargetsPut,
    TierCreate,
    TierEnd,
    TierFirm,
    TierPublic,
    TierUpdate,
)
from crm.listing import ListResult
from crm.table_writing import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

router = APIRouter(tags=["ladder"])

YEAR_PATH = Path(ge=2000, le=2100)  # the plan and target years the models accept
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]


@router.get("/companies/{company_id}/ladder", response_model=CompanyLadder)
def company_ladder(company_id: int, session: DbSession):
    """A company's tiers (oldest first), its liaison city leader and history, its plans."""
    company = ladder_service.get_company(session, company_id)
    return ladder_service.company_ladder(session, company)


@router.get("/companies/{company_id}/tiers", response_model=ListResult[TierPublic])
def list_company_tiers(company_id: int, session: DbSession):
    ladder_service.get_company(session, company_id)
    items = [ladder_service.tier_public(e) for e in ladder_service.tiers_of(session, company_id)]
    return {"items": items, "total": len(items)}


@router.post("/companies/{company_id}/tiers", response_model=TierPublic, status_code=201)
def add_tier(company_id: int, data: TierCreate, session: DbSession):
    """Put the company in a tier from ``entered_on`` (a past entry may carry ``left_on``).
    A second open entry of the same tier is 409; a tier the company may not hold (专精特新 and
    小巨人: SMEs only; 升规培育: firms not above designated size) is 422 naming the rule."""
    company = ladder_service.get_company(session, company_id)
    return ladder_service.tier_public(ladder_service.add_tier(session, company, data))


@router.patch("/tiers/{tier_id}", response_model=TierPublic)
def update_tier(tier_id: int, data: TierUpdate, session: DbSession):
    entry = ladder_service.get_tier(session, tier_id)
    return ladder_service.tier_public(ladder_service.update_tier(session, entry, data))


@router.post("/tiers/{tier_id}/end", response_model=TierPublic)
def end_tier(tier_id: int, data: TierEnd, session: DbSession):
    """The company left the tier on ``left_on``; its tag goes unless another tier keeps it."""
    entry = ladder_service.get_tier(session, tier_id)
    return ladder_service.tier_public(ladder_service.end_tier(session, entry, data))


@router.delete("/tiers/{tier_id}", status_code=204)
def delete_tier(tier_id: int, session: DbSession, user: CurrentUser) -> Response:
    """Remove an entry made in error (administrators); ending an entry keeps the history."""
    if user.role != Role.admin:
        raise NotPermitted("only an administrator deletes a tier entry; end it instead")
    ladder_service.delete_tier(session, ladder_service.get_tier(session, tier_id))
    return Response(status_code=204)


@router.put("/companies/{company_id}/liaison", response_model=LiaisonPublic)
def set_liaison(company_id: int, data: LiaisonSet, session: DbSession):
    """Name the city leader (a user flagged ``city_leader``) who keeps in touch with the firm
    from ``since``; the previous one's term ends that day and stays in the history."""
    company = ladder_service.get_company(session, company_id)
    return ladder_service.liaison_public(ladder_service.set_liaison(session, company, data))


@router.get("/companies/{company_id}/plans", response_model=ListResult[PlanPublic])
def list_plans(company_id: int, session: DbSession):
    ladder_service.get_company(session, company_id)
    items = [ladder_service.plan_public(p) for p in ladder_service.plans_of(session, company_id)]
    return {"items": items, "total": len(items)}


@router.get("/companies/{company_id}/plans/{year}", response_model=PlanPublic)
def get_plan(company_id: int, year: Annotated[int, YEAR_PATH], session: DbSession):
    return ladder_service.plan_public(ladder_service.get_plan(session, company_id, year))


@router.put("/companies/{company_id}/plans/{year}", response_model=PlanPublic)
def put_plan(
    company_id: int,
    year: Annotated[int, YEAR_PATH],
    data: PlanPut,
    session: DbSession,
):
    """The year's plan (一企一策) whole: status, summary and measures; changing an existing
    plan needs its ``version`` (stale: 409)."""
    company = ladder_service.get_company(session, company_id)
    return ladder_service.plan_public(ladder_service.put_plan(session, company, year, data))


@router.delete("/companies/{company_id}/plans/{year}", status_code=204)
def delete_plan(
    company_id: int, year: int, version: Annotated[int, Query()], session: DbSession
) -> Response:
    ladder_service.delete_plan(session, ladder_service.get_plan(session, company_id, year), version)
    return Response(status_code=204)


# --- the ladder as a whole ---------------------------------------------------------------------


@router.get("/ladder/firms", response_model=ListResult[TierFirm])
def tier_firms(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    tier: Tier | None = None,
    park: Annotated[str | None, Query(max_length=100, description="park name")] = None,
    chain: Annotated[str | None, Query(max_length=64, description="chain code")] = None,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="in the tier at its end")
    ] = None,
    liaison: Annotated[
        str | None, Query(max_length=64, description="city leader's username")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the company name")] = None,
):
    """Firms per tier: the entries current now (or at the end of ``year``), top tier first."""
    items, total = ladder_reports.tier_firms(
        session,
        page=page,
        today=local_date(now),
        tier=tier,
        park=park,
        chain=chain,
        year=year,
        liaison=liaison,
        q=q,
    )
    return {"items": items, "total": total}


@router.get(
    "/ladder/firms/export",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}, CSV_MEDIA_TYPE: {}}}},
)
def export_tier_firms(
    session: DbSession,
    now: RequestTime,
    tier: Tier | None = None,
    park: Annotated[str | None, Query(max_length=100)] = None,
    chain: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    liaison: Annotated[str | None, Query(max_length=64)] = None,
    file_format: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
) -> Response:
    """The firms-per-tier list as XLSX (or CSV) under Chinese headers."""
    items, _ = ladder_reports.tier_firms(
        session,
        page=None,
        today=local_date(now),
        tier=tier,
        park=park,
        chain=chain,
        year=year,
        liaison=liaison,
    )
    filename = f"ladder-firms-{local_date(now).isoformat()}.{file_format}"
    return download(file_format, filename, EXPORT_HEADERS, export_rows(items))


@router.get("/ladder/pyramid", response_model=Pyramid)
def pyramid(session: DbSession, now: RequestTime, year: YearQuery = None):
    """Firms per tier at the year's end (today for this year), and the year's moves: entered,
    left, moved up from a lower tier; with the year's targets."""
    today = local_date(now)
    return ladder_reports.pyramid(session, year or today.year, today=today)


@router.get("/ladder/targets/{year}", response_model=TargetsPublic)
def get_targets(year: Annotated[int, YEAR_PATH], session: DbSession, now: RequestTime):
    """Each tier's target for the year and how many firms entered it so far."""
    return ladder_reports.targets(session, year, today=local_date(now))


@router.put("/ladder/targets/{year}", response_model=TargetsPublic)
def put_targets(
    year: Annotated[int, YEAR_PATH],
    data: TargetsPut,
    session: DbSession,
    now: RequestTime,
):
    """Set the year's targets of the tiers given (the others keep theirs)."""
    ladder_reports.put_targets(session, year, data.targets)
    return ladder_reports.targets(session, year, today=local_date(now))


@router.get("/ladder/leaders", response_model=list[LeaderFirms])
def leaders(session: DbSession, now: RequestTime, user: CurrentUser, year: YearQuery = None):
    """Each city leader's firms: tiers, the year's plan status, open and overdue tickets; the
    signed-in user first when they are a city leader."""
    return ladder_reports.leader_firms(
        session, now=now, year=year or local_date(now).year, first=user.username
    )
