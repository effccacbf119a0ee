from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import DbSession, PageParams
from crm.leads import service as lead_service
from crm.leads.trips import TripPlan, trip_plan
from crm.listing import ListResult
from crm.taskforces import service as task_force_service
from crm.taskforces.models import TaskForceKind
from crm.taskforces.schemas import TaskForceCreate, TaskForcePublic, TaskForceUpdate

router = APIRouter(prefix="/taskforces", tags=["task forces"])


def _public(session, task_force) -> TaskForcePublic:
    counts = lead_service.lead_counts_by_task_force(session, [task_force.id])
    return task_force_service.public(task_force, counts[task_force.id])


@router.get("", response_model=ListResult[TaskForcePublic])
def list_task_forces(
    session: DbSession,
    page: PageParams,
    q: str | None = None,
    kind: TaskForceKind | None = None,
    member: Annotated[str | None, Query(description="username: leader or member")] = None,
):
    items, total = task_force_service.list_task_forces(
        session, page=page, q=q, kind=kind, member=member
    )
    counts = lead_service.lead_counts_by_task_force(session, [tf.id for tf in items])
    return {
        "items": [task_force_service.public(tf, counts[tf.id]) for tf in items],
        "total": total,
    }


@router.post("", response_model=TaskForcePublic, status_code=201)
def create_task_force(data: TaskForceCreate, session: DbSession):
    return _public(session, task_force_service.create(session, data))


@router.get("/{task_force_id}", response_model=TaskForcePublic)
def get_task_force(task_force_id: int, session: DbSession):
    return _public(session, task_force_service.get(session, task_force_id))


@router.patch("/{task_force_id}", response_model=TaskForcePublic)
def update_task_force(task_force_id: int, data: TaskForceUpdate, session: DbSession):
    task_force = task_force_service.get(session, task_force_id)
    return _public(session, task_force_service.update(session, task_force, data))


@router.get("/{task_force_id}/trip-plan", response_model=TripPlan)
def get_trip_plan(
    task_force_id: int,
    session: DbSession,
    city: Annotated[str | None, Query(description="plan one city only")] = None,
    days: Annotated[int, Query(ge=1, le=30)] = 3,
    per_day: Annotated[int, Query(ge=1, le=12, description="visits a day at most")] = 4,
    today: Annotated[date | None, Query(description="plan as of this day (default today)")] = None,
):
    """Open leads not visited in the last 90 days, grouped by city and ranked, day by day."""
    task_force = task_force_service.get(session, task_force_id)
    return trip_plan(session, task_force, city=city, days=days, per_day=per_day, today=today)
