"""The working-day calendar and its closures (``/api/workdays``), and each chain's 链长
(``/api/chain-leaders``): administrators change them, everyone reads them."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import AppSettings, DbSession
from crm.chains import service as chain_service
from crm.errors import Invalid
from crm.escalations import leaders as leader_service
from crm.escalations.schemas import ChainLeaderPublic, ChainLeaderSet
from crm.tickets.sla import SlaRules, reschedule_open_tickets
from crm.workdays import service as workday_service
from crm.workdays.calendar import statutory_years
from crm.workdays.schemas import CalendarInfo, ClosureCreate, ClosurePublic, WorkingDay

router = APIRouter(tags=["workdays"])

MAX_SPAN_DAYS = 366


@router.get("/workdays", response_model=CalendarInfo)
def working_days(
    session: DbSession,
    settings: AppSettings,
    since: Annotated[dt.date, Query(alias="from")],
    until: Annotated[dt.date, Query(alias="to")],
):
    """Which days from ``from`` to ``to`` (at most a year) are working days."""
    if until < since or (until - since).days >= MAX_SPAN_DAYS:
        raise Invalid(
            ("query", "to"), f"give 'to' on or after 'from', at most {MAX_SPAN_DAYS} days on"
        )
    work = workday_service.work_calendar(session, day_ends_at=settings.workday_ends_at)
    reasons = {
        c.day: c.reason for c in workday_service.list_closures(session, since=since, until=until)
    }
    days = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
    return CalendarInfo(
        statutory_years=statutory_years(),
        day_ends_at=settings.workday_ends_at.strftime("%H:%M"),
        days=[
            WorkingDay(day=d, working=work.is_working_day(d), closure=reasons.get(d)) for d in days
        ],
    )


@router.get("/workdays/closures", response_model=list[ClosurePublic])
def list_closures(session: DbSession):
    return workday_service.list_closures(session)


@router.post("/workdays/closures", response_model=ClosurePublic, status_code=201)
def add_closure(data: ClosureCreate, session: DbSession, settings: AppSettings):
    """Close the offices on a day: the open tickets whose SLA spans it are due later."""
    closure = workday_service.add_closure(session, data)
    reschedule_open_tickets(session, SlaRules.from_settings(settings), touching=closure.day)
    return closure


@router.delete("/workdays/closures/{closure_id}", status_code=204)
def remove_closure(closure_id: int, session: DbSession, settings: AppSettings):
    closure = workday_service.get_closure(session, closure_id)
    day = closure.day
    workday_service.remove_closure(session, closure)
    reschedule_open_tickets(session, SlaRules.from_settings(settings), touching=day)
    return Response(status_code=204)


@router.get("/chain-leaders", response_model=list[ChainLeaderPublic])
def list_chain_leaders(session: DbSession):
    return [_chain_leader(chain, user) for chain, user in leader_service.chain_leaders(session)]


@router.put("/chain-leaders/{code}", response_model=ChainLeaderPublic)
def set_chain_leader(code: str, data: ChainLeaderSet, session: DbSession):
    """Name the chain's 链长: the second level of 督办 on its projects reaches them."""
    chain = chain_service.get(session, code)
    user = leader_service.set_chain_leader(session, chain, data.username)
    return _chain_leader(chain, user)


def _chain_leader(chain, user) -> ChainLeaderPublic:
    return ChainLeaderPublic(
        chain=chain.code,
        name=chain.name,
        leader=user.username if user else None,
        leader_name=(user.full_name or user.username) if user else None,
    )
