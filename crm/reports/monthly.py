"""The monthly bulletin (月度招商引资通报): 本月 / 累计 / 目标 / 完成率 / 同比 per row.

Every figure is the dashboard's own aggregate (``milestones.milestone_figures``, one counting
rule: each figure on its own event date; 新签约 formal agreements only), asked for three
periods (the month, 1 January to the month's end, the same period last year) and four
groupings (unit, park, county, chain): twelve queries, plus a few for targets and names,
whatever the data. The city and each unit kind are sums of the units (every lead has at most
one unit, every unit one kind, and the unassigned leads are a row of their own), so they add
up by construction. Targets (``dashboard.targets``) exist for the city, units, parks and
counties; every row with a target gets 完成率 and its colour against 序时进度.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm import places
from crm.chains.models import Chain
from crm.companies.models import Park
from crm.dashboard import sql
from crm.dashboard.funnel import COUNTING_RULE
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
from crm.dashboard.schemas import yi
from crm.dashboard.targets import target_values
from crm.errors import Invalid
from crm.i18n import label
from crm.reports.schemas import Definition, MonthlyReport, ReportIndicator, Row, Status
from crm.taskforces.models import TaskForce, TaskForceKind

UNASSIGNED = "未分配"
KIND_ORDER = (TaskForceKind.center, TaskForceKind.task_force, TaskForceKind.group)
BEHIND_POINTS = 10  # amber down to this many points behind 序时进度, red beyond


@dataclass(frozen=True)
class Spec:
    key: str
    name: str
    unit: str
    milestone: int  # the row of ``milestone_figures``
    money: bool  # the amount (万元) rather than the count
    target_field: str | None  # the AnnualTarget column, None: no target is kept
    definition: str


INDICATORS = (
    Spec("signed_count", "新签约项目", "个", SIGNED, False, "signed_projects",
         "projects by signing date; formal agreements (正式协议) only, framework agreements "
         "(框架协议) not counted"),
    Spec("signed_investment", "新签约金额", "亿元", SIGNED, True, "signed_investment",
         "signed investment of the projects signed, by signing date"),
    Spec("signed_1yi", "亿元以上项目", "个", SIGNED_1YI, False, "signed_at_least_1yi",
         "projects signed with a signed investment of at least 1亿元"),
    Spec("signed_10yi", "10亿元以上项目", "个", SIGNED_10YI, False, "signed_at_least_10yi",
         "projects signed with a signed investment of at least 10亿元"),
    Spec("signed_20yi", "20亿元以上项目", "个", SIGNED_20YI, False, "signed_at_least_20yi",
         "projects signed with a signed investment of at least 20亿元"),
    Spec("started", "新开工项目", "个", STARTED, False, "started",
         "projects by construction-start date (the production day when no start is recorded)"),
    Spec("producing", "新投产项目", "个", PRODUCING, False, "producing",
         "projects by production-start date"),
    Spec("funding", "到位资金", "亿元", FUNDING, True, "funding",
         "funding entries by their date"),
    Spec("funding_outside", "其中省外到位资金", "亿元", FUNDING_OUTSIDE, True,
         "funding_outside_province",
         "funding entries by their date whose source region is another province (省外; "
         "overseas money is not in it)"),
)  # fmt: skip
RATES = (
    Definition(key="started_rate", name="开工率", unit="%",
               definition="累计新开工项目 / 累计新签约项目 (both this year to the month's end; "
               "projects signed last year and started this year count, so it can exceed 100%)"),
    Definition(key="producing_rate", name="投产率", unit="%",
               definition="累计新投产项目 / 累计新签约项目 (this year to the month's end)"),
    Definition(key="funding_rate", name="资金到位率", unit="%",
               definition="累计到位资金 / 累计新签约金额 (this year to the month's end)"),
)  # fmt: skip
COLOUR_RULE = (
    "完成率 against 序时进度 (month / 12): green (ahead) when equal or ahead, amber (behind) "
    f"when behind by up to {BEHIND_POINTS} percentage points, red (far_behind) when more; "
    "no target, no colour"
)
TARGETS_NOTE = (
    "Targets are set per year for the city, each unit, each park and each county (every "
    "indicator may have one). A unit kind's target is the sum of its units' targets when "
    "every unit of the kind has one. Chains have no targets."
)
# Groupings asked of the dashboard; the city and unit kinds are sums of the units.
GROUPINGS = ("task_force", "park", "county", "chain")

Figures = dict[int, tuple[int, float]]  # milestone row → (count, 万元)


def monthly_report(session: Session, year: int, month: int) -> MonthlyReport:
    check_month(year, month)
    periods = _periods(year, month)
    figures = {
        (by, name): _figures(session, by, start, end)
        for by in GROUPINGS
        for name, (start, end) in periods.items()
    }
    targets = target_values(session, year)
    units = session.execute(select(TaskForce.id, TaskForce.name, TaskForce.kind)).all()
    parks = session.scalars(select(Park.name)).all()
    chains = session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all()
    schedule = month / 12

    def row(section, key, lbl, group: str, keys: list, target=None, kind=None) -> Row:
        def pick(period: str) -> Figures:
            return _sum([figures[(group, period)].get(k, {}) for k in keys])

        return _row(
            section, key, lbl, pick("month"), pick("ytd"), pick("last_year"),
            target or {}, schedule, kind,
        )  # fmt: skip

    def target(kind: str | None, key) -> dict:
        return _targeted(targets.get((kind, key), {}))

    unit_keys = [unit_id for unit_id, _, _ in units]
    rows = [row("city", None, "全市", "task_force", [*unit_keys, None], target(None, None))]
    for kind in KIND_ORDER:
        members = [(i, name) for i, name, k in units if k == kind]
        ids = [i for i, _ in members]
        kind_target = _kind_target([targets.get(("task_force", i)) for i in ids])
        kind_label = label("zh", "tf_kind", kind.value)
        rows.append(row("unit_kind", kind.value, kind_label, "task_force", ids, kind_target,
                        kind.value))  # fmt: skip
        unit_rows = [
            row("unit", i, name, "task_force", [i], target("task_force", i), kind.value)
            for i, name in members
        ]
        rows.extend(_ranked(unit_rows))
    unassigned = row("unit", None, UNASSIGNED, "task_force", [None])
    if _any(unassigned):
        rows.append(unassigned)
    rows.extend(_place_rows(row, "park", sorted(parks), target))
    counties = _counties(figures)
    rows.extend(_place_rows(row, "county", counties, target))
    rows.extend(row("chain", code, name, "chain", [code]) for code, name in chains)
    return MonthlyReport(
        year=year,
        month=month,
        title=f"{year}年{month}月全市招商引资工作通报",
        month_from=periods["month"][0],
        month_to=periods["month"][1],
        ytd_from=periods["ytd"][0],
        ytd_to=periods["ytd"][1],
        last_year_from=periods["last_year"][0],
        last_year_to=periods["last_year"][1],
        schedule=round(schedule, 4),
        counting_rule=COUNTING_RULE,
        indicators=[
            Definition(key=s.key, name=s.name, unit=s.unit, definition=s.definition)
            for s in INDICATORS
        ],
        rates=list(RATES),
        colour_rule=COLOUR_RULE,
        targets_note=TARGETS_NOTE,
        rows=rows,
    )


def check_month(year: int, month: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid(("query", "year"), "year must be between 2000 and 2100")
    if not 1 <= month <= 12:
        raise Invalid(("query", "month"), "month must be between 1 and 12")


def status(completion: float | None, schedule: float) -> Status | None:
    """完成率 against 序时进度: ahead when equal or ahead, behind up to ``BEHIND_POINTS``
    points, far behind beyond; None without a target."""
    if completion is None:
        return None
    gap = round((completion - schedule) * 100, 6)  # points; rounding keeps 40% − 50% at −10
    if gap >= 0:
        return "ahead"
    return "behind" if gap >= -BEHIND_POINTS else "far_behind"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _periods(year: int, month: int) -> dict[str, tuple[date, date]]:
    return {
        "month": (date(year, month, 1), _month_end(year, month)),
        "ytd": (date(year, 1, 1), _month_end(year, month)),
        "last_year": (date(year - 1, 1, 1), _month_end(year - 1, month)),
    }


def _figures(session: Session, by: str, start: date, end: date) -> dict:
    scope = sql.Scope(date_from=start, date_to=end)
    keys = sql.lead_keys(scope, by).subquery()
    return milestone_figures(session, scope, keys, by_month=False)


def _sum(parts: list[Figures]) -> Figures:
    total: dict = defaultdict(lambda: (0, 0.0))
    for part in parts:
        for milestone, (count, amount) in part.items():
            before = total[milestone]
            total[milestone] = (before[0] + count, before[1] + amount)
    return dict(total)


def _targeted(values: dict[str, float]) -> dict[str, float]:
    """A subject's targets by indicator key."""
    return {s.key: values[s.target_field] for s in INDICATORS if s.target_field in values}


def _counties(figures: dict) -> list[str]:
    """The home city's counties in code order, then any other county a project names."""
    home = [county.name for county in places.home_counties()]
    seen = {
        key
        for (by, _), groups in figures.items()
        if by == "county"
        for key in groups
        if key is not None
    }
    return home + sorted(seen - set(home))


def _place_rows(row, section: str, names: list[str], target) -> list[Row]:
    """A row per park or county (with its target), and the unassigned one when it counts."""
    rows = [row(section, name, name, section, [name], target(section, name)) for name in names]
    unassigned = row(section, None, UNASSIGNED, section, [None])
    return rows + ([unassigned] if _any(unassigned) else [])


def _kind_target(targets: list[dict | None]) -> dict[str, float]:
    """The sum of the units' targets, for each indicator every unit has one for."""
    if not targets or any(t is None for t in targets):
        return {}
    shared = set.intersection(*(set(t) for t in targets))
    return _targeted({field: sum(t[field] for t in targets) for field in shared})


def _value(spec: Spec, figures: Figures) -> float:
    count, amount = figures.get(spec.milestone, (0, 0.0))
    return round(amount, 2) if spec.money else count


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _indicator(spec: Spec, month, ytd, last_year, target, schedule) -> ReportIndicator:
    month_v, ytd_v, last_v = (_value(spec, f) for f in (month, ytd, last_year))
    completion = _ratio(ytd_v, target) if target is not None else None
    yoy = _ratio(ytd_v - last_v, last_v)
    money = {}
    if spec.money:
        money = {
            "month_yi": yi(month_v),
            "ytd_yi": yi(ytd_v),
            "target_yi": yi(target),
            "last_year_ytd_yi": yi(last_v),
        }
    return ReportIndicator(
        month=month_v,
        ytd=ytd_v,
        target=target,
        completion=None if completion is None else round(completion, 4),
        last_year_ytd=last_v,
        yoy=None if yoy is None else round(yoy, 4),
        status=status(completion, schedule),
        schedule_gap=None if completion is None else round((completion - schedule) * 100, 2),
        **money,
    )


def _row(section, key, lbl, month, ytd, last_year, target, schedule, kind) -> Row:
    indicators = {
        s.key: _indicator(s, month, ytd, last_year, target.get(s.key), schedule) for s in INDICATORS
    }
    signed, invested = indicators["signed_count"].ytd, indicators["signed_investment"].ytd

    def rate(part: float, whole: float) -> float | None:
        value = _ratio(part, whole)
        return None if value is None else round(value, 4)

    return Row(
        section=section,
        key=key,
        label=lbl,
        unit_kind=kind,
        indicators=indicators,
        rates={
            "started_rate": rate(indicators["started"].ytd, signed),
            "producing_rate": rate(indicators["producing"].ytd, signed),
            "funding_rate": rate(indicators["funding"].ytd, invested),
        },
    )


def _ranked(rows: list[Row]) -> list[Row]:
    """Units best first by 新签约金额 完成率 (units without a target after), then 累计."""

    def order(row: Row):
        money = row.indicators["signed_investment"]
        return (money.completion is None, -(money.completion or 0), -money.ytd, row.label)

    ranked = sorted(rows, key=order)
    for place, row in enumerate(ranked, start=1):
        row.rank = place
    return ranked


def _any(row: Row) -> bool:
    return any(i.month or i.ytd or i.last_year_ytd for i in row.indicators.values())
