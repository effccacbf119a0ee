"""The leadership cockpit ``/``: figures, funnel, monthly trend, league tables, warnings,
chain completeness. Every number comes from the dashboard services behind /api/dashboard:
money in the services' own 亿元 (``*_yi``), league tables from the breakdown service (units
with their kind's subtotal, parks, counties), 完成率 coloured against 序时进度 as the monthly
bulletin colours it."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.chains.models import Chain
from crm.dashboard import service as dashboard_service
from crm.dashboard.chains import chain_progress
from crm.dashboard.schemas import Breakdown, Funnel, Group, yi
from crm.dashboard.sql import Scope
from crm.errors import Invalid
from crm.leads import lists as lead_lists
from crm.leads.models import PIPELINE, RANK, Stage
from crm.leads.schemas import LeadFilters
from crm.listing import Page
from crm.pages import parks as park_pages
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.reports.monthly import KIND_ORDER, status
from crm.taskforces.models import TaskForce, TaskForceKind
from crm.tickets import service as ticket_service

router = APIRouter(include_in_schema=False)

WARNINGS_SHOWN = 10
PURSUIT_STAGES = [s for s in PIPELINE if RANK[s] < RANK[Stage.signed]]


@dataclass(frozen=True)
class CockpitFilters:
    year: int
    date_from: date
    date_to: date
    chain: str | None
    unit: int | None

    def scope(self, *, windowed: bool) -> Scope:
        window = {"date_from": self.date_from, "date_to": self.date_to} if windowed else {}
        return Scope(chain=self.chain, task_force_id=self.unit, **window)


def cockpit_filters(
    now: RequestTime,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    chain: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> CockpitFilters:
    year = year or (date_from.year if date_from else now.date().year)
    start = date_from or date(year, 1, 1)
    end = date_to or date(year, 12, 31)
    if start > end:
        raise Invalid(("query", "date_to"), "date_to is before date_from")
    return CockpitFilters(year=year, date_from=start, date_to=end, chain=chain or None, unit=unit)


@router.get("/")
def cockpit(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    filters: Annotated[CockpitFilters, Depends(cockpit_filters)],
):
    period = dashboard_service.funnel(session, filters.scope(windowed=True), now=now)
    overall = dashboard_service.funnel(session, filters.scope(windowed=False), now=now)

    def breakdown(by: str) -> Breakdown:
        return dashboard_service.breakdown(session, filters.scope(windowed=True), by, now=now)

    schedule = schedule_share(filters.year, now.date())
    context = {
        "filters": filters,
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "units": _units(session),
        "period": period,
        "overall": overall,
        "schedule": schedule,
        "strip": _strip(period, overall, schedule),
        "funnel": _funnel_rows(overall),
        "trend": _trend(breakdown("month"), period, filters),
        "league": _league(breakdown("task_force"), schedule),
        "parks": _places(breakdown("park"), schedule),
        "counties": _places(breakdown("county"), schedule),
        "warnings": _warnings(session, filters, now=now),
        "chain_progress": chain_progress(session, today=now.date()),
        "park_carriers": park_pages.cockpit_table(session, request.app.state.settings, now.date()),
    }
    return render(request, "cockpit/cockpit.html", context, block="content")


def schedule_share(year: int, today: date) -> float:
    """序时进度: the share of ``year`` elapsed by today (0 before it, 1 after it)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start) + timedelta(days=1)) / ((end - start) + timedelta(days=1))


def _units(session: Session) -> list[tuple[int, str, TaskForceKind]]:
    query = select(TaskForce.id, TaskForce.name, TaskForce.kind).order_by(
        TaskForce.kind, TaskForce.name
    )
    return [tuple(row) for row in session.execute(query)]


def _strip(period: Funnel, overall: Funnel, schedule: float) -> list[dict]:
    """The figures leadership reads first, this period beside all time, with targets."""
    current = {row.stage: row.current for row in overall.stages}
    targets = period.targets

    def target(field: str) -> dict | None:
        progress = getattr(targets, field) if targets else None
        if progress is None or progress.target is None:
            return None
        money = hasattr(progress, "target_yi")
        return {
            "target": progress.target_yi if money else progress.target,
            "rate": progress.rate,
            "status": status(progress.rate, schedule),
        }

    def count(key: str, value: int, total: int | None = None, field: str | None = None):
        return {"key": key, "value": value, "total": total, "unit": "count"} | {
            "target": target(field) if field else None
        }

    def money(key: str, value: float, total: float, field: str) -> dict:
        return {"key": key, "value": value, "total": total, "unit": "yi", "target": target(field)}

    return [
        count("in_pursuit", sum(current[s] for s in PURSUIT_STAGES)),
        count("negotiating", current[Stage.negotiating]),
        count("signed_projects", period.signed.count, overall.signed.count, "signed_projects"),
        money(
            "signed_investment",
            period.signed.investment_yi,
            overall.signed.investment_yi,
            "signed_investment",
        ),
        count("started", period.started, overall.started, "started"),
        count("producing", period.producing, overall.producing, "producing"),
        money(
            "in_place",
            period.investment_in_place_yi,
            overall.investment_in_place_yi,
            "funding",
        ),
        money(
            "in_place_outside",
            period.investment_in_place_outside_province_yi,
            overall.investment_in_place_outside_province_yi,
            "funding_outside_province",
        ),
    ]


def _funnel_rows(funnel: Funnel) -> list[dict]:
    rates = {c.to: c.rate for c in funnel.conversion}
    return [
        {
            "stage": row.stage,
            "reached": row.reached,
            "current": row.current,
            "conversion": rates.get(row.stage),
        }
        for row in funnel.stages
        if row.stage in PIPELINE
    ]


def _trend(months: Breakdown, period: Funnel, filters: CockpitFilters) -> list[dict]:
    """签约额 per month of the period (亿元), cumulated, against the year's target spread
    evenly over its months (序时进度)."""
    by_month = {str(group.key): group.signed for group in months.groups}
    target = period.targets.signed_investment.target if period.targets else None
    rows, cumulative = [], 0.0
    for month in _months(filters.date_from, filters.date_to):
        signed = by_month.get(month)
        cumulative += signed.investment if signed else 0.0
        month_number = int(month[5:])
        rows.append(
            {
                "month": month,
                "signed": signed.investment_yi if signed else 0.0,
                "cumulative": yi(cumulative),
                "target": yi(target * month_number / 12) if target is not None else None,
            }
        )
    return rows


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _league(units: Breakdown, schedule: float) -> list[dict]:
    """Units grouped by kind (驻外中心, 招商专班, 招商组), each kind with its subtotal from the
    same breakdown, then the leads of no unit, so the table adds up to the city."""
    subtotals = {group.key: group for group in units.subtotals or []}
    table = []
    for kind in KIND_ORDER:
        members = [g for g in units.groups if g.unit_kind == kind.value]
        if kind.value in subtotals or members:
            table.append(
                {
                    "kind": kind,
                    "total": _row(subtotals.get(kind.value), schedule),
                    "groups": [_row(g, schedule) for g in members],
                }
            )
    unassigned = [g for g in units.groups if g.key is None]
    if unassigned:
        table.append({"kind": None, "total": None, "groups": [_row(unassigned[0], schedule)]})
    return table


def _places(places: Breakdown, schedule: float) -> list[dict]:
    return [_row(group, schedule) for group in places.groups]


def _row(group: Group | None, schedule: float) -> dict | None:
    """A league row: the group's figures and its 签约额 完成率 against 序时进度."""
    if group is None:
        return None
    progress = group.targets.signed_investment if group.targets else None
    rate = progress.rate if progress and progress.target else None
    return {"group": group, "completion": rate, "status": status(rate, schedule)}


def _warnings(session: Session, filters: CockpitFilters, *, now) -> dict:
    tickets, ticket_total = ticket_service.list_tickets(
        session,
        page=Page(limit=WARNINGS_SHOWN, offset=0),
        now=now,
        overdue=True,
        task_force_id=filters.unit,
        chain=filters.chain,
    )
    lead_filters = LeadFilters(overdue=True, chain=filters.chain, task_force_id=filters.unit)
    leads, lead_total = lead_lists.list_leads(
        session,
        page=Page(limit=WARNINGS_SHOWN, offset=0),
        filters=lead_filters,
        sort="next_follow_up",
        today=now.date(),
    )
    return {
        "tickets": [ticket_service.public(t, now=now) for t in tickets],
        "ticket_total": ticket_total,
        "leads": leads,
        "lead_total": lead_total,
    }
