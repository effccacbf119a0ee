"""Annual targets (年度目标) and progress against them.

A target's subject is the whole city, a task force, a park or a county (区县). Its figures are
the dashboard's, for the calendar year, by the counting rule: 新签约 (count and 万元), 新开工,
新投产, 到位资金 and its 省外 part, and projects signed at ≥ 1 / 10 / 20 亿元.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm import places
from crm.companies.models import Park
from crm.dashboard import sql
from crm.dashboard.milestones import (
    FUNDING,
    FUNDING_OUTSIDE,
    PRODUCING,
    SIGNED,
    SIGNED_1YI,
    SIGNED_10YI,
    SIGNED_20YI,
    STARTED,
    milestone_figures,
)
from crm.dashboard.models import AnnualTarget
from crm.dashboard.schemas import (
    MoneyProgress,
    Progress,
    TargetProgress,
    TargetsIn,
    TargetsOut,
    TargetValues,
    yi,
)
from crm.errors import Invalid
from crm.taskforces.models import TaskForce

# field → (milestone row, money?)
FIGURES = {
    "signed_projects": (SIGNED, False),
    "signed_investment": (SIGNED, True),
    "started": (STARTED, False),
    "producing": (PRODUCING, False),
    "funding": (FUNDING, True),
    "funding_outside_province": (FUNDING_OUTSIDE, True),
    "signed_at_least_1yi": (SIGNED_1YI, False),
    "signed_at_least_10yi": (SIGNED_10YI, False),
    "signed_at_least_20yi": (SIGNED_20YI, False),
}
FIELDS = tuple(FIGURES)
# Subject kinds, named as the dashboard's groupings; None is the whole city.
SUBJECTS = (None, "task_force", "park", "county")
Subject = tuple[str | None, int | str | None]  # (kind, task force id / park name / county)


def put_targets(session: Session, year: int, data: TargetsIn) -> TargetsOut:
    """Replace the year's targets: the city's, and those of each task force, park and county
    listed (a subject left out loses its targets)."""
    _check_year(year)
    wanted = _wanted(session, data)
    existing = {_subject_of(t, park): t for t, park in _rows(session, year)}
    park_ids = _park_ids(session)
    for (kind, key), values in wanted.items():
        row = existing.pop((kind, key), None) or AnnualTarget(
            year=year,
            task_force_id=key if kind == "task_force" else None,
            park_id=park_ids[key] if kind == "park" else None,
            county=key if kind == "county" else None,
        )
        for field in FIELDS:
            if getattr(row, field) != getattr(values, field):
                setattr(row, field, getattr(values, field))
        session.add(row)
    for stale in existing.values():
        session.delete(stale)
    session.flush()
    return get_targets(session, year)


def get_targets(session: Session, year: int) -> TargetsOut:
    _check_year(year)
    by_subject = {_subject_of(t, park): t for t, park in _rows(session, year)}

    def listed(kind: str, name: str) -> list[dict]:
        items = [(key, row) for (k, key), row in by_subject.items() if k == kind]
        return [{name: key, **_values(row).model_dump()} for key, row in sorted(items)]

    return TargetsOut(
        year=year,
        overall=_values(by_subject.get((None, None))),
        task_forces=listed("task_force", "task_force_id"),
        parks=listed("park", "park"),
        counties=listed("county", "county"),
    )


def target_values(session: Session, year: int) -> dict[Subject, dict[str, float]]:
    """Every subject's targets in ``year``, the figures set only: ``{(kind, key): {field:
    value}}`` (kind None: the city)."""
    return {
        _subject_of(row, names): {f: getattr(row, f) for f in FIELDS if getattr(row, f) is not None}
        for row, names in _rows(session, year)
    }


def year_scope(year: int, *, include_framework: bool = False) -> sql.Scope:
    """The days a target year's actuals count."""
    return sql.Scope(
        date_from=date(year, 1, 1), date_to=date(year, 12, 31), include_framework=include_framework
    )


def progress(
    session: Session,
    year: int,
    kind: str | None,
    keys,
    subjects: dict,
    *,
    include_framework: bool = False,
    actuals: dict | None = None,
) -> dict:
    """Progress in ``year`` for ``subjects`` (``{group key in keys: subject key}``), with
    actuals aggregated over ``keys`` (``(lead_id, key)``: the caller's scope, shared) by the
    counting rule (``actuals``: already read, e.g. in the same pass as the caller's figures);
    answered by group key."""
    if actuals is None:
        scope = year_scope(year, include_framework=include_framework)
        actuals = milestone_figures(session, scope, keys, by_month=False)
    targets = target_values(session, year)
    result = {}
    for group, subject in subjects.items():
        target = targets.get((kind, subject), {})
        rows = actuals.get(group, {})
        result[group] = TargetProgress(
            year=year,
            **{
                field: _progress(target.get(field), _actual(rows, row, money), money=money)
                for field, (row, money) in FIGURES.items()
            },
        )
    return result


def _actual(rows: dict, row: int, money: bool) -> float:
    count, amount = rows.get(row, (0, 0.0))
    return amount if money else count


def _wanted(session: Session, data: TargetsIn) -> dict[Subject, TargetValues]:
    """The subjects of a PUT, each checked to exist and listed once."""
    wanted: dict[Subject, TargetValues] = {(None, None): data.overall}

    def add(kind: str, key, values: TargetValues, field: str) -> None:
        if (kind, key) in wanted:
            raise Invalid(field, f"{key} is listed twice")
        wanted[(kind, key)] = values

    units = {t.task_force_id for t in data.task_forces}
    known = set(session.scalars(select(TaskForce.id).where(TaskForce.id.in_(units))))
    for target in data.task_forces:
        if target.task_force_id not in known:
            raise Invalid("task_forces", f"unknown task force {target.task_force_id}")
        add("task_force", target.task_force_id, target, "task_forces")
    park_names = set(_park_ids(session))
    for target in data.parks:
        name = target.park.strip()
        if name not in park_names:
            raise Invalid("parks", f"unknown park '{name}'")
        add("park", name, target, "parks")
    for target in data.counties:
        county = places.home_county(target.county)
        if county is None:
            city = places.home_city().name
            raise Invalid("counties", f"'{target.county}' is not a county of {city}")
        add("county", county.name, target, "counties")
    return wanted


def _rows(session: Session, year: int) -> list[tuple[AnnualTarget, str | None]]:
    """The year's target rows, each with its park's name (one statement)."""
    query = (
        select(AnnualTarget, Park.name)
        .outerjoin(Park, Park.id == AnnualTarget.park_id)
        .where(AnnualTarget.year == year)
        .order_by(AnnualTarget.id)
    )
    return [(row, park) for row, park in session.execute(query)]


def _park_ids(session: Session) -> dict[str, int]:
    return {name: id_ for id_, name in session.execute(select(Park.id, Park.name))}


def _subject_of(row: AnnualTarget, park: str | None) -> Subject:
    if row.task_force_id is not None:
        return ("task_force", row.task_force_id)
    if row.park_id is not None:
        return ("park", park)
    if row.county is not None:
        return ("county", row.county)
    return (None, None)


def _progress(target: float | None, actual: float, *, money: bool = False) -> Progress:
    rate = round(actual / target, 3) if target else None
    if money:
        return MoneyProgress(
            target=target,
            actual=round(actual, 2),
            rate=rate,
            target_yi=yi(target),
            actual_yi=yi(actual),
        )
    return Progress(target=target, actual=round(actual, 2), rate=rate)


def _values(row: AnnualTarget | None) -> TargetValues:
    if row is None:
        return TargetValues()
    return TargetValues(**{field: getattr(row, field) for field in FIELDS})


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid(("path", "year"), "year must be between 2000 and 2100")
