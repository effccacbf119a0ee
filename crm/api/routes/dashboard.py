from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from crm.api.deps import DbSession, RequestTime
from crm.dashboard import service as dashboard_service
from crm.dashboard import targets as target_service
from crm.dashboard.chains import chain_progress
from crm.dashboard.schemas import Breakdown, ChainProgress, Funnel, TargetsIn, TargetsOut, Velocity
from crm.dashboard.sql import Scope
from crm.dashboard.velocity import velocity
from crm.errors import Invalid
from crm.listing import ListResult

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
targets_router = APIRouter(prefix="/targets", tags=["dashboard"])


def scope(
    chain: Annotated[str | None, Query(description="chain code")] = None,
    task_force: Annotated[int | None, Query(description="task force id")] = None,
    park: Annotated[
        str | None, Query(description="park name: the project's park, else the intended park")
    ] = None,
    date_from: Annotated[
        date | None, Query(description="period start: each figure counts its own event date")
    ] = None,
    date_to: Annotated[date | None, Query(description="period end (included)")] = None,
    include_framework: Annotated[
        bool,
        Query(
            description="count framework agreements (框架协议) as 新签约 too; by default only "
            "formal agreements count"
        ),
    ] = False,
) -> Scope:
    if date_from and date_to and date_from > date_to:
        raise Invalid(("query", "date_to"), "date_to is before date_from")
    return Scope(
        chain=chain,
        task_force_id=task_force,
        park=park,
        date_from=date_from,
        date_to=date_to,
        include_framework=include_framework,
    )


ScopeParams = Annotated[Scope, Depends(scope)]


@router.get("/funnel", response_model=Funnel)
def funnel(session: DbSession, filters: ScopeParams, now: RequestTime):
    """The signed-project funnel: per stage `reached`, `current` and `amount` (万元);
    conversion between stages; signed projects and investment; started, producing; 开工率,
    投产率, 资金到位率; lost and paused leads with their top reasons; overdue tickets; the
    year's targets. Within a period each figure counts its own event date (`counting_rule`
    in the answer says so); a milestone implies its predecessors (producing without a start
    counts as started), so `started` equals the `reached` of stage `started`. Every money
    figure is in 万元 with a `*_yi` field beside it in 亿元 (two decimals)."""
    return dashboard_service.funnel(session, filters, now=now)


@router.get("/breakdown", response_model=Breakdown)
def breakdown(
    session: DbSession,
    filters: ScopeParams,
    now: RequestTime,
    by: Literal["task_force", "unit_kind", "chain", "park", "county", "month"] = "task_force",
):
    """The funnel's figures per task force, unit kind (驻外中心/招商专班/招商组), chain, park,
    county (the project's 区县; leads not yet signed are 未分配) or month (each figure in the month of its own event), best first. Every lead is in one
    group (key null: 未分配, listed last), so the groups add up to the funnel's total for the
    same filters. By task force, `subtotals` gives the same figures per unit kind. A lead's
    park is its project's park once signed, else its intended park."""
    return dashboard_service.breakdown(session, filters, by, now=now)


@router.get("/velocity", response_model=Velocity)
def stage_velocity(
    session: DbSession,
    filters: ScopeParams,
    by: Literal["task_force", "chain"] = "chain",
):
    """Median and 90th-percentile days between consecutive stages, per chain or task force."""
    return velocity(session, filters, by)


@router.get("/chains", response_model=ListResult[ChainProgress])
def chains(session: DbSession, now: RequestTime):
    """Per chain: completeness now and at each of the last 12 month ends (a gap counts as
    covered from the month its first project signs), open gaps and the leads on each."""
    chains = chain_progress(session, today=now.date())
    return {"items": chains, "total": len(chains)}


@targets_router.get("/{year}", response_model=TargetsOut)
def get_targets(year: int, session: DbSession):
    return target_service.get_targets(session, year)


@targets_router.put("/{year}", response_model=TargetsOut)
def put_targets(year: int, data: TargetsIn, session: DbSession):
    """Set the year's targets (signed projects, signed investment 万元, started, producing),
    overall and per task force; replaces what was there."""
    return target_service.put_targets(session, year, data)
