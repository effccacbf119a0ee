"""Task forces: ``/taskforces`` (every unit by kind, one's own first) and ``/taskforces/{id}``
(leads by stage, the visit calendar, the trip plan, overdue follow-ups, projects and tickets).

Planning a trip's visits posts to ``/taskforces/{id}/trip-plan``: the same visit service as
``POST /api/visits``, behind the same policy.
"""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import User
from crm.clock import local_date
from crm.errors import Invalid
from crm.i18n import translate
from crm.leads import service as lead_service
from crm.leads.models import PIPELINE, Stage
from crm.leads.trips import trip_plan
from crm.pages.deps import Language, PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.templating import render
from crm.taskforces import board
from crm.taskforces import service as task_force_service
from crm.taskforces.models import TaskForce, TaskForceKind
from crm.taskforces.planning import (
    AcceptedProposals,
    month_end,
    month_of,
    month_weeks,
    next_working_day,
    plan_visits,
    shift_month,
    trip_dates,
)

router = APIRouter(include_in_schema=False)

TaskForceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CITIES_SHOWN = 3
HALTED_ORDER = [Stage.paused, Stage.lost]


class BoardQuery(BaseModel):
    """What the task force page is asked to show: a month and a trip to plan."""

    month: str | None = Field(None, max_length=7)
    start: date | None = None
    days: int = Field(3, ge=1, le=10)
    per_day: int = Field(4, ge=1, le=12)
    city: str | None = Field(None, max_length=50)
    planned: int | None = Field(None, ge=0, le=1000)


def board_query(request: Request) -> BoardQuery:
    values = {key: value for key, value in request.query_params.items() if value != ""}
    try:
        return BoardQuery.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


@router.get("/taskforces")
def task_force_list(request: Request, session: DbSession, user: PageUser, now: RequestTime):
    units = board.all_task_forces(session)
    figures = board.unit_figures(
        session, [unit.id for unit in units], today=local_date(now), now=now
    )
    mine = policy.task_force_ids(session, user)
    context = {
        "mine": sorted(
            (unit for unit in units if unit.id in mine), key=lambda u: u.leader_id != user.id
        ),
        "kinds": [(kind, [unit for unit in units if unit.kind == kind]) for kind in TaskForceKind],
        "figures": figures,
        "user_id": user.id,
    }
    return render(request, "taskforces/list.html", context)


@router.get("/taskforces/{task_force_id}")
def task_force_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    task_force_id: TaskForceId,
    query: Annotated[BoardQuery, Depends(board_query)],
):
    task_force = task_force_service.get(session, task_force_id)
    context = _board(session, user, task_force, query, now)
    return render(request, "taskforces/detail.html", context, block="calendar")


@router.post("/taskforces/{task_force_id}/trip-plan")
async def plan_trip_visits(
    request: Request,
    lang: Language,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    task_force_id: TaskForceId,
    query: Annotated[BoardQuery, Depends(board_query)],
):
    task_force = task_force_service.get(session, task_force_id)
    policy.check(user, "visits", policy.Action.write)
    policy.require_visit_fields(session, user, {"task_force_id": task_force.id})
    values = await form_values(request)

    def context() -> dict[str, Any]:
        fresh = task_force_service.get(session, task_force_id)
        return _board(session, user, fresh, query, now)

    with refused_form(request, session, "taskforces/detail.html", context, values=values):
        if "visit" not in values:
            raise Invalid("visits", translate(lang, "tf.trip_choose_one"))
        data = AcceptedProposals.model_validate(_proposals(values))
        visits = plan_visits(session, task_force, data)
    first = min(visit.date for visit in visits)
    target = f"/taskforces/{task_force.id}?month={first:%Y-%m}&planned={len(visits)}#calendar"
    return see_other(request, target)


def _proposals(values: dict[str, Any]) -> dict[str, Any]:
    """Ticked checkboxes ``visit=LEAD_ID@YYYY-MM-DD`` → ``{"visits": [{lead_id, date}]}``."""
    ticked = values.get("visit", [])
    ticked = [ticked] if isinstance(ticked, str) else ticked
    visits = []
    for item in ticked:
        lead_id, _, day = item.partition("@")
        visits.append({"lead_id": lead_id, "date": day or None})
    return {"visits": visits, "purpose": values.get("purpose")}


def _board(
    session: Session, user: User, task_force: TaskForce, query: BoardQuery, now: datetime
) -> dict[str, Any]:
    today = local_date(now)
    counts = lead_service.lead_counts_by_task_force(session, [task_force.id])[task_force.id]
    figures = board.unit_figures(session, [task_force.id], today=today, now=now)[task_force.id]
    leads = board.open_leads(session, task_force.id)
    return {
        "task_force": task_force,
        "today": today,
        "figures": figures,
        "stage_counts": [(stage, counts[stage.value]) for stage in [*PIPELINE, *HALTED_ORDER]],
        "open_leads": leads,
        "segment_names": {
            f"{lead.segment.chain.code}:{lead.segment.code}": lead.segment.name for lead in leads
        },
        "overdue": board.overdue_follow_ups(session, task_force.id, today=today),
        "projects": board.projects_with_tickets(session, task_force.id, now=now),
        "may_plan": policy.may_pursue(session, user, task_force.id),
        "query": query,
        "now": now,
        **_calendar(session, task_force, query, today),
        **_trip(session, task_force, query, today),
    }


def _calendar(session: Session, task_force: TaskForce, query: BoardQuery, today: date) -> dict:
    first = month_of(query.month, today=today)
    visits = board.visits_between(session, task_force.id, first, month_end(first))
    by_day: dict[date, list] = {}
    for visit in visits:
        by_day.setdefault(visit.date, []).append(visit)
    return {
        "month": first,
        "weeks": month_weeks(first),
        "visits_by_day": by_day,
        "month_visits": visits,
        "previous_month": shift_month(first, -1),
        "next_month": shift_month(first, 1),
    }


def _trip(session: Session, task_force: TaskForce, query: BoardQuery, today: date) -> dict:
    plan = trip_plan(
        session,
        task_force,
        city=query.city,
        days=query.days,
        per_day=query.per_day,
        today=today,
    )
    start = query.start or next_working_day(today)
    lead_ids = [visit.lead_id for city in plan.cities for day in city.days for visit in day.visits]
    return {
        "plan": plan,
        "cities_shown": plan.cities if query.city else plan.cities[:CITIES_SHOWN],
        "trip_start": start,
        "trip_dates": trip_dates(start, query.days),
        "pending": board.pending_visits(session, lead_ids, today=today),
    }
