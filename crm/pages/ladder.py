"""四库三台阶 on pages: ``/ladder`` (the pyramid, the year's targets, the firms of a tier),
``/ladder/leaders`` (each city leader's firms) and the ladder section of a company's page with
its forms. The same services as ``/api/ladder`` and ``/api/companies/{id}/…``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth.models import User
from crm.auth.policy import Action, check, require_office
from crm.chains.models import Chain
from crm.clock import local_date
from crm.companies import service as company_service
from crm.companies.models import Park
from crm.exporting import download
from crm.ladder import reports as ladder_reports
from crm.ladder import service as ladder_service
from crm.ladder.export import EXPORT_HEADERS, export_rows
from crm.ladder.models import MeasureStatus, PlanStatus, Tier
from crm.ladder.schemas import LiaisonSet, TargetsPut, TierCreate, TierEnd
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.templating import render, templates
from crm.tickets import service as ticket_service
from crm.tickets.models import TicketCategory, TicketPriority
from crm.tickets.schemas import TicketCreate
from crm.tickets.sla import SlaRules

router = APIRouter(include_in_schema=False)

# (value, label) pairs for the form selects, and a tier's name for the chart's island.
templates.env.filters.update(
    ladder_tier_name=lambda tier, t: t.label("ladder.tier", tier),
    ladder_tier_option=lambda tier, t: (tier.value, t.label("ladder.tier", tier)),
    ticket_category_option=lambda c, t: (c.value, t.label("ticket_category", c)),
    ticket_priority_option=lambda p, t: (p.value, t.label("ticket_priority", p)),
    plan_status_option=lambda s, t: (s.value, t.label("ladder.plan", s)),
    measure_status_option=lambda s, t: (s.value, t.label("ladder.measure", s)),
)

PAGE_SIZE = 100
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class LadderQuery(BaseModel):
    year: int | None = Field(None, ge=2000, le=2100)
    tier: Tier | None = None
    park: str | None = Field(None, max_length=100)
    chain: str | None = Field(None, max_length=64)
    liaison: str | None = Field(None, max_length=64)
    offset: int = Field(0, ge=0, le=10_000_000)

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"offset"})

    def link(self) -> str:
        from urllib.parse import urlencode

        values = self.model_dump(exclude={"offset"}, exclude_none=True)
        return urlencode({k: getattr(v, "value", v) for k, v in values.items()})


def ladder_query(request: Request) -> LadderQuery:
    """Empty form fields mean "any", as a browser submits them; bad values are a 422."""
    given = {k: v for k, v in request.query_params.items() if v != ""}
    try:
        return LadderQuery.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


def _overview(session: Session, query: LadderQuery, now) -> dict[str, Any]:
    today = local_date(now)
    year = query.year or today.year
    pyramid = ladder_reports.pyramid(session, year, today=today)
    firms, total = ladder_reports.tier_firms(
        session, page=Page(limit=PAGE_SIZE, offset=query.offset), today=today, **query.filters()
    )
    leaders = session.execute(
        select(User.username, User.full_name)
        .where(User.city_leader.is_(True))
        .order_by(User.username)
    ).all()
    return {
        "query": query,
        "year": year,
        "pyramid": pyramid,
        "targets": ladder_reports.targets(session, year, today=today),
        "firms": firms,
        "total": total,
        "limit": PAGE_SIZE,
        "tiers": list(Tier),
        "parks": list(session.scalars(select(Park.name).order_by(Park.name))),
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "leaders": [(u, n or u) for u, n in leaders],
        "years": list(range(today.year, today.year - 6, -1)),
    }


@router.get("/ladder")
def ladder_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    query: Annotated[LadderQuery, Depends(ladder_query)],
):
    return render(request, "ladder/overview.html", _overview(session, query, now), block="firms")


@router.get("/ladder/export")
def ladder_export(
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    query: Annotated[LadderQuery, Depends(ladder_query)],
):
    today = local_date(now)
    items, _ = ladder_reports.tier_firms(session, page=None, today=today, **query.filters())
    filename = f"ladder-firms-{today.isoformat()}.xlsx"
    return download("xlsx", filename, EXPORT_HEADERS, export_rows(items))


@router.post("/ladder/targets/{year}")
async def set_targets(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    year: Annotated[int, Path(ge=2000, le=2100)],
):
    check(user, "ladder", Action.write)
    values = await form_values(request)
    query = LadderQuery(year=year)
    with refused_form(
        request,
        session,
        "ladder/overview.html",
        lambda: _overview(session, query, now),
        values=values,
    ):
        wanted = {t.value: values[t.value] for t in Tier if t.value in values}
        ladder_reports.put_targets(
            session, year, TargetsPut.model_validate({"targets": wanted}).targets
        )
    return see_other(request, f"/ladder?year={year}#targets")


@router.get("/ladder/leaders")
def leaders_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
):
    year = year or local_date(now).year
    rows = ladder_reports.leader_firms(session, now=now, year=year, first=user.username)
    return render(request, "ladder/leaders.html", {"rows": rows, "year": year})


# --- a company's ladder section ----------------------------------------------------------------


def company_section(session: Session, company_id: int, now) -> dict[str, Any]:
    """What the ladder section of a company's page shows (also used by crm.pages.companies)."""
    company = ladder_service.get_company(session, company_id)
    tickets, _ = ticket_service.list_tickets(
        session, page=Page(limit=50), now=now, company_id=company_id
    )
    leaders = session.execute(
        select(User.username, User.full_name)
        .where(User.city_leader.is_(True), User.is_active.is_(True))
        .order_by(User.username)
    ).all()
    return {
        "ladder": ladder_service.company_ladder(session, company),
        "ladder_company": company_service.public(company_service.get(session, company_id)),
        "ladder_tickets": [ticket_service.public(t, now=now) for t in tickets],
        "ladder_leaders": [(u, n or u) for u, n in leaders],
        "ladder_tiers": list(Tier),
        "plan_statuses": list(PlanStatus),
        "measure_statuses": list(MeasureStatus),
        "ticket_categories": list(TicketCategory),
        "ticket_priorities": list(TicketPriority),
        "today": local_date(now),
    }


def company_form(request, session, company_id, now, values, stale_record=None):
    """Refusals of the ladder section's forms show the section again with the message."""
    return refused_form(
        request,
        session,
        "ladder/company.html",
        lambda: company_section(session, company_id, now),
        values=values,
        stale_record=stale_record,
    )


@router.get("/companies/{company_id}/ladder")
def company_ladder_page(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, company_id: Id
):
    return render(request, "ladder/company.html", company_section(session, company_id, now))


@router.post("/companies/{company_id}/ladder/tiers")
async def add_tier(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, company_id: Id
):
    check(user, "ladder", Action.write)
    values = await form_values(request)
    company = ladder_service.get_company(session, company_id)
    with company_form(request, session, company_id, now, values):
        ladder_service.add_tier(session, company, TierCreate.model_validate(values))
    return see_other(request, f"/companies/{company_id}#ladder")


@router.post("/companies/{company_id}/ladder/tiers/{tier_id}/end")
async def end_tier(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    company_id: Id,
    tier_id: Id,
):
    check(user, "ladder", Action.write)
    values = await form_values(request)
    entry = ladder_service.get_tier(session, tier_id)
    with company_form(request, session, company_id, now, values):
        ladder_service.end_tier(session, entry, TierEnd.model_validate(values))
    return see_other(request, f"/companies/{entry.company_id}#ladder")


@router.post("/companies/{company_id}/ladder/liaison")
async def set_liaison(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, company_id: Id
):
    check(user, "ladder", Action.write)
    values = await form_values(request)
    company = ladder_service.get_company(session, company_id)
    with company_form(request, session, company_id, now, values):
        ladder_service.set_liaison(session, company, LiaisonSet.model_validate(values))
    return see_other(request, f"/companies/{company_id}#ladder")


@router.post("/companies/{company_id}/ladder/tickets")
async def raise_ticket(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    company_id: Id,
):
    require_office(user, "raises a ticket for a local company")
    values = await form_values(request)
    company = company_service.get(session, company_id)
    with company_form(request, session, company_id, now, values):
        ticket_service.create_for_company(
            session,
            company,
            TicketCreate.model_validate(values),
            by=user.username,
            now=now,
            sla=SlaRules.from_settings(settings),
        )
    return see_other(request, f"/companies/{company_id}#ladder")
