"""The leadership cockpit ``/``: figures, funnel, monthly trend, league tables, warnings,
chain completeness. Every number comes from the dashboard services behind /api/dashboard."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.chains.models import Chain
from crm.dashboard import service as dashboard_service
from crm.dashboard.chains import chain_progress
from crm.dashboard.schemas import Breakdown, Funnel
from crm.dashboard.sql import Scope
from crm.errors import Invalid
from crm.leads import service as lead_service
from crm.leads.models import PIPELINE, RANK, Stage
from crm.leads.schemas import LeadFilters
from crm.listing import Page
from crm.pages import parks as park_pages
from crm.pages.deps import PageUser
from crm.pages.templating import render
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
    units = dashboard_service.breakdown(
        session, filters.scope(windowed=True), "task_force", now=now
    )
    parks = dashboard_service.breakdown(session, filters.scope(windowed=True), "park", now=now)
    months = dashboard_service.breakdown(session, filters.scope(windowed=True), "month", now=now)
    context = {
        "filters": filters,
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "units": _units(session),
        "period": period,
        "overall": overall,
        "strip": _strip(period, overall),
        "funnel": _funnel_rows(overall),
        "trend": _trend(months, period, filters),
        "league": _league(session, units),
        "parks": parks.groups,
        "warnings": _warnings(session, filters, now=now),
        "chain_progress": chain_progress(session, today=now.date()),
        "park_carriers": park_pages.cockpit_table(session, request.app.state.settings, now.date()),
    }
    return render(request, "cockpit/cockpit.html", context, block="content")


def _units(session: Session) -> list[tuple[int, str, TaskForceKind]]:
    query = select(TaskForce.id, TaskForce.name, TaskForce.kind).order_by(
        TaskForce.kind, TaskForce.name
    )
    return [tuple(row) for row in session.execute(query)]


def _strip(period: Funnel, overall: Funnel) -> list[dict]:
    """The figures leadership reads first, this period beside all time, with targets."""
    current = {row.stage: row.current for row in overall.stages}
    targets = period.targets
    return [
        {"key": "in_pursuit", "value": sum(current[s] for s in PURSUIT_STAGES), "unit": "count"},
        {"key": "negotiating", "value": current[Stage.negotiating], "unit": "count"},
        {
            "key": "signed_projects",
            "value": period.signed.count,
            "total": overall.signed.count,
            "unit": "count",
            "target": targets.signed_projects if targets else None,
        },
        {
            "key": "signed_investment",
            "value": period.signed.investment,
            "total": overall.signed.investment,
            "unit": "yi",
            "target": targets.signed_investment if targets else None,
        },
        {
            "key": "started",
            "value": period.started,
            "total": overall.started,
            "unit": "count",
            "target": targets.started if targets else None,
        },
        {
            "key": "producing",
            "value": period.producing,
            "total": overall.producing,
            "unit": "count",
            "target": targets.producing if targets else None,
        },
        {
            "key": "in_place",
            "value": period.investment_in_place,
            "total": overall.investment_in_place,
            "unit": "yi",
        },
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
    """签约额 per month of the period, cumulated, against the year's target spread evenly
    over its months (序时进度)."""
    signed = {str(group.key): group.signed.investment for group in months.groups}
    target = period.targets.signed_investment.target if period.targets else None
    rows, cumulative = [], 0.0
    for month in _months(filters.date_from, filters.date_to):
        cumulative += signed.get(month, 0.0)
        month_number = int(month[5:])
        rows.append(
            {
                "month": month,
                "signed": signed.get(month, 0.0),
                "cumulative": cumulative,
                "target": target * month_number / 12 if target is not None else None,
            }
        )
    return rows


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _league(session: Session, units: Breakdown) -> list[dict]:
    """Units grouped by kind (驻外中心, 招商专班, 招商组), each kind with its total."""
    kinds = dict(session.execute(select(TaskForce.id, TaskForce.kind)).all())
    order = [TaskForceKind.center, TaskForceKind.task_force, TaskForceKind.group]
    table = []
    for kind in order:
        groups = [g for g in units.groups if kinds.get(g.key) == kind]
        table.append(
            {
                "kind": kind,
                "groups": groups,
                "leads": sum(g.stages[0].reached for g in groups),
                "signed": sum(g.signed.count for g in groups),
                "investment": sum(g.signed.investment for g in groups),
                "started": sum(g.started for g in groups),
                "producing": sum(g.producing for g in groups),
            }
        )
    return table


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
    leads, lead_total = lead_service.list_leads(
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
