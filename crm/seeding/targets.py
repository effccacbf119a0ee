"""Demo data for the figures leadership reads: where the demo's projects land (county) and the
annual targets (年度目标) of the last two years for the city, each unit, each park and each
county, set against the demo's own figures so the cockpit and the bulletin show every colour.

Derived deterministically from what the earlier steps loaded (``random.Random`` seeded by a
fixed value and the subject's own key, so the answer does not depend on how many rows there
are). Idempotent: a project that has a county keeps it, a year that has targets keeps them.
"""

from dataclasses import dataclass
from datetime import date
from random import Random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm import places
from crm.companies.models import Park
from crm.dashboard import sql
from crm.dashboard import targets as target_service
from crm.dashboard.milestones import milestone_figures
from crm.dashboard.models import AnnualTarget
from crm.dashboard.schemas import (
    CountyTarget,
    ParkTarget,
    TargetsIn,
    TargetValues,
    TaskForceTarget,
)
from crm.projects.models import FundingEntry, Project
from crm.taskforces.models import TaskForce

SEED = 20_260_018
# How a subject stands against 序时进度, and how often: some ahead, some behind, some far.
STANDINGS = {"ahead": 0.5, "behind": 0.3, "far_behind": 0.2}
MONEY_STEP = 500.0  # 万元: targets are set in round 0.05亿
ONE_YI = 10_000.0
# Targets that stay unset when the subject has nothing of the kind (a 20亿 project target for
# a park that has never signed one would not be believed).
ONLY_WHEN_ACTUAL = {"funding_outside_province", "signed_at_least_10yi", "signed_at_least_20yi"}
# Every subject is given these, whatever it has done so far (so unit kinds have sums too).
EVERYONE = {"signed_projects", "signed_investment", "funding"}


@dataclass(frozen=True)
class Subject:
    kind: str | None  # None: the city; else a dashboard grouping
    key: object  # task force id, park name, county name ("all" for the city)


def load_targets(session: Session) -> int:
    """Counties for the demo's projects, then targets for the last two years of its data;
    returns the target rows created."""
    place_projects(session)
    last = _last_event_day(session)
    if last is None:
        return 0
    created = 0
    for year in (last.year - 1, last.year):
        if session.scalar(select(func.count()).where(AnnualTarget.year == year)):
            continue
        elapsed = 1.0 if year < last.year else _share_of_year(last)
        data = _targets(session, year, elapsed)
        target_service.put_targets(session, year, data)
        created += 1 + len(data.task_forces) + len(data.parks) + len(data.counties)
    return created


def place_projects(session: Session) -> int:
    """Give each project without a county one: its park's county when the park's name says
    it (江油高新区 → 江油市), else one drawn for the park (or the project), the first
    counties (the urban districts) more often."""
    counties = places.home_counties()
    if not counties:
        return 0
    rows = session.execute(
        select(Project, Park.name)
        .outerjoin(Park, Park.id == Project.park_id)
        .where(Project.county.is_(None))
        .order_by(Project.id)
    ).all()
    for project, park in rows:
        county = _county_of(park, counties) if park else None
        county = county or _drawn(counties, park or f"project {project.id}")
        project.county, project.county_code = county.name, county.code
    session.flush()
    return len(rows)


def _county_of(park: str, counties: list) -> places.Division | None:
    return next((c for c in counties if c.name[:2] in park), None)


def _drawn(counties: list, key: str) -> places.Division:
    weights = [len(counties) - i for i in range(len(counties))]
    return Random(f"{SEED}:{key}").choices(counties, weights=weights)[0]


def _last_event_day(session: Session) -> date | None:
    days = [
        session.scalar(select(func.max(Project.signed_on))),
        session.scalar(select(func.max(FundingEntry.date))),
    ]
    days = [d for d in days if d is not None]
    return max(days) if days else None


def _share_of_year(day: date) -> float:
    start, end = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    return ((day - start).days + 1) / (end - start).days


def _targets(session: Session, year: int, elapsed: float) -> TargetsIn:
    scope = sql.Scope(date_from=date(year, 1, 1), date_to=date(year, 12, 31))

    def actuals(by: str | None) -> dict:
        keys = sql.lead_keys(scope, by).subquery()
        return milestone_figures(session, scope, keys, by_month=False)

    def values(subject: Subject, figures: dict) -> dict:
        rng = Random(f"{SEED}:{year}:{subject.kind}:{subject.key}")
        standing = rng.choices(list(STANDINGS), weights=list(STANDINGS.values()))[0]
        if subject.kind is None:
            standing = rng.choice(["ahead", "behind"])  # the city as a whole is rarely far off
        return _values(figures.get(subject.key, {}), elapsed, standing, rng)

    units, parks = actuals("task_force"), actuals("park")
    counties, city = actuals("county"), actuals(None)
    unit_ids = session.scalars(select(TaskForce.id).order_by(TaskForce.id)).all()
    park_names = session.scalars(select(Park.name).order_by(Park.name)).all()
    return TargetsIn(
        overall=TargetValues(**values(Subject(None, "all"), city)),
        task_forces=[
            TaskForceTarget(task_force_id=i, **values(Subject("task_force", i), units))
            for i in unit_ids
        ],
        parks=[ParkTarget(park=p, **values(Subject("park", p), parks)) for p in park_names],
        counties=[
            CountyTarget(county=c.name, **values(Subject("county", c.name), counties))
            for c in places.home_counties()
        ],
    )


def _values(figures: dict, elapsed: float, standing: str, rng: Random) -> dict:
    result = {}
    for field, (row, money) in target_service.FIGURES.items():
        count, amount = figures.get(row, (0, 0.0))
        actual = amount if money else count
        lagging = standing == "far_behind" or field in EVERYONE
        if not actual and (field in ONLY_WHEN_ACTUAL or not lagging):
            continue  # nothing of the kind: a target only where a subject is set to lag
        result[field] = _target(actual, elapsed, standing, rng, money=money)
    return _parts_within_wholes(result)


def _target(actual: float, elapsed: float, standing: str, rng: Random, *, money: bool) -> float:
    """A target that puts ``actual`` where ``standing`` says against ``elapsed``."""
    if standing == "ahead":
        completion = elapsed * rng.uniform(1.03, 1.3)
    elif standing == "behind":
        completion = elapsed - rng.uniform(0.02, 0.08)
    else:
        completion = elapsed - rng.uniform(0.13, 0.3)
    wanted = actual / max(completion, 0.05)
    if money:
        return max(
            MONEY_STEP, round(max(wanted, ONE_YI if not actual else 0) / MONEY_STEP) * MONEY_STEP
        )
    return max(1, round(wanted))


def _parts_within_wholes(values: dict) -> dict:
    pairs = [
        ("funding_outside_province", "funding"),
        ("signed_at_least_1yi", "signed_projects"),
        ("signed_at_least_10yi", "signed_at_least_1yi"),
        ("signed_at_least_20yi", "signed_at_least_10yi"),
    ]
    for part, whole in pairs:
        if part in values and whole in values:
            values[part] = min(values[part], values[whole])
    return values
