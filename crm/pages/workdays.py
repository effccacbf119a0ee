"""Administrators' 督办 settings ``/workdays``: the bureau's closures (days off beyond the
statutory calendar) and each chain's 链长. The same services as ``/api/workdays`` and
``/api/chain-leaders``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession
from crm.auth.models import User
from crm.auth.policy import Action, check
from crm.chains import service as chain_service
from crm.config import Settings
from crm.escalations import leaders as leader_service
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.templating import render
from crm.tickets.sla import SlaRules, reschedule_open_tickets
from crm.workdays import service as workday_service
from crm.workdays.calendar import statutory_years
from crm.workdays.schemas import ClosureCreate

router = APIRouter(include_in_schema=False)

TEMPLATE = "workdays/settings.html"


def administrator(user: PageUser) -> User:
    check(user, "workdays", Action.write)
    return user


Administrator = Annotated[User, Depends(administrator)]


def _context(session: Session, settings: Settings) -> dict[str, Any]:
    people = session.execute(
        select(User.username, User.full_name, User.city_leader)
        .where(User.is_active.is_(True))
        .order_by(User.city_leader.desc(), User.full_name)
    ).all()
    return {
        "closures": workday_service.list_closures(session),
        "chains": leader_service.chain_leaders(session),
        "people": [(u, n or u, c) for u, n, c in people],
        "city_leaders": [n or u for u, n, c in people if c],
        "years": statutory_years(),
        "settings": settings,
    }


@router.get("/workdays")
def settings_page(request: Request, session: DbSession, user: Administrator, settings: AppSettings):
    return render(request, TEMPLATE, _context(session, settings))


@router.post("/workdays/closures")
async def add_closure(
    request: Request, session: DbSession, user: Administrator, settings: AppSettings
):
    values = await form_values(request)
    with refused_form(
        request, session, TEMPLATE, lambda: _context(session, settings), values=values
    ):
        closure = workday_service.add_closure(session, ClosureCreate.model_validate(values))
        reschedule_open_tickets(session, SlaRules.from_settings(settings), touching=closure.day)
    return see_other(request, "/workdays")


@router.post("/workdays/closures/{closure_id}/delete")
def remove_closure(
    request: Request,
    session: DbSession,
    user: Administrator,
    settings: AppSettings,
    closure_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
):
    closure = workday_service.get_closure(session, closure_id)
    day = closure.day
    workday_service.remove_closure(session, closure)
    reschedule_open_tickets(session, SlaRules.from_settings(settings), touching=day)
    return see_other(request, "/workdays")


@router.post("/workdays/chain-leaders/{code}")
async def set_chain_leader(
    request: Request,
    session: DbSession,
    user: Administrator,
    settings: AppSettings,
    code: Annotated[str, Path(max_length=64)],
):
    values = await form_values(request)
    chain = chain_service.get(session, code)
    with refused_form(
        request, session, TEMPLATE, lambda: _context(session, settings), values=values
    ):
        leader_service.set_chain_leader(session, chain, values.get("username") or None)
    return see_other(request, "/workdays#chain-leaders")
