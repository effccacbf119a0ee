"""Trip plans: where a task force should travel next, and whom to visit each day."""

from collections import defaultdict
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm import places
from crm.chains.models import Segment
from crm.leads.models import RANK, Lead, Priority, Stage, Visit, VisitStatus
from crm.taskforces.models import TaskForce

PRIORITY_WEIGHT = {Priority.A: 3, Priority.B: 2, Priority.C: 1}
RECENT_DAYS = 90


class PlannedVisit(BaseModel):
    lead_id: int
    company: str
    company_id: int
    segment: str
    stage: Stage
    priority: Priority
    expected_investment: float | None
    last_visit: date | None


class TripDay(BaseModel):
    day: int
    visits: list[PlannedVisit]


class CityPlan(BaseModel):
    city: str
    province: str | None
    score: int
    leads: int
    priorities: dict[str, int]
    days: list[TripDay]
    unscheduled: int


class TripPlan(BaseModel):
    task_force_id: int
    task_force: str
    days: int
    per_day: int
    not_visited_since: date
    cities: list[CityPlan]


def trip_plan(
    session: Session,
    task_force: TaskForce,
    *,
    city: str | None = None,
    days: int = 3,
    per_day: int = 4,
    today: date | None = None,
) -> TripPlan:
    """Group the task force's open leads not visited in the last 90 days by company city.

    Cities rank by the summed priority of those leads (A 3, B 2, C 1), then by their number;
    within a city, leads go A before B before C, larger expected investment first, at most
    ``per_day`` a day over ``days`` days.
    """
    today = today or date.today()
    since = today - timedelta(days=RECENT_DAYS)
    by_city: dict[str, list[tuple[Lead, date | None]]] = defaultdict(list)
    wanted = set(places.city_spellings(city)) if city else None
    for lead, last_visit in _candidates(session, task_force, since):
        lead_city = lead.company.city or "未知城市"
        if wanted is None or lead_city in wanted:
            by_city[lead_city].append((lead, last_visit))
    plans = [_city_plan(name, leads, days, per_day) for name, leads in by_city.items()]
    plans.sort(key=lambda p: (-p.score, -p.leads, p.city))
    return TripPlan(
        task_force_id=task_force.id,
        task_force=task_force.name,
        days=days,
        per_day=per_day,
        not_visited_since=since,
        cities=plans,
    )


def _candidates(session: Session, task_force: TaskForce, since: date):
    last_visit = (
        select(Visit.lead_id, func.max(Visit.date).label("last_visit"))
        .where(Visit.status == VisitStatus.done)
        .group_by(Visit.lead_id)
        .subquery()
    )
    open_stages = [s for s, rank in RANK.items() if rank < RANK[Stage.signed]]
    query = (
        select(Lead, last_visit.c.last_visit)
        .outerjoin(last_visit, last_visit.c.lead_id == Lead.id)
        .where(
            Lead.task_force_id == task_force.id,
            Lead.stage.in_(open_stages),
            (last_visit.c.last_visit.is_(None)) | (last_visit.c.last_visit < since),
        )
        .options(selectinload(Lead.company), selectinload(Lead.segment).selectinload(Segment.chain))
    )
    return session.execute(query).all()


def _city_plan(city: str, leads: list, days: int, per_day: int) -> CityPlan:
    ordered = sorted(
        leads,
        key=lambda item: (
            -PRIORITY_WEIGHT[item[0].priority],
            -(item[0].expected_investment or 0),
            item[0].id,
        ),
    )
    scheduled = ordered[: days * per_day]
    trip_days = [
        TripDay(
            day=day + 1,
            visits=[
                _planned(lead, last)
                for lead, last in scheduled[day * per_day : (day + 1) * per_day]
            ],
        )
        for day in range(days)
        if scheduled[day * per_day : (day + 1) * per_day]
    ]
    priorities = {p.value: 0 for p in Priority}
    for lead, _ in leads:
        priorities[lead.priority.value] += 1
    return CityPlan(
        city=city,
        province=leads[0][0].company.province,
        score=sum(PRIORITY_WEIGHT[lead.priority] for lead, _ in leads),
        leads=len(leads),
        priorities=priorities,
        days=trip_days,
        unscheduled=len(ordered) - len(scheduled),
    )


def _planned(lead: Lead, last_visit: date | None) -> PlannedVisit:
    return PlannedVisit(
        lead_id=lead.id,
        company=lead.company.name,
        company_id=lead.company.id,
        segment=f"{lead.segment.chain.code}:{lead.segment.code}",
        stage=lead.stage,
        priority=lead.priority,
        expected_investment=lead.expected_investment,
        last_visit=last_visit,
    )
