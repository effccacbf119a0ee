"""The signed-project funnel (SPEC §5) and its breakdown by group, aggregated in SQL.

``reached`` counts leads by the furthest pipeline stage they entered (paused and lost leads
included); with a date range only stage moves inside it count, so a lead signed in the range
counts as signed (and as every stage before) in it. ``current`` counts leads by stage now.
"""

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.dashboard import sql
from crm.dashboard.schemas import (
    Conversion,
    Figures,
    Halted,
    Reason,
    Signed,
    StageFigures,
)
from crm.leads.models import HALTED, PIPELINE, Lead, Stage
from crm.projects.models import FundingEntry, Project

TOP_REASONS = 5


def figures_by_group(session: Session, scope: sql.Scope, by: str | None) -> dict:
    """``{group key: Figures}``; the single group ``"all"`` when ``by`` is None."""
    keys = sql.lead_keys(scope, by).subquery()
    reached, current, halted = _lead_figures(session, scope, by, keys)
    signed = _project_figures(session, scope, by, keys)
    groups = set(reached) | set(signed)
    return {
        key: _figures(reached.get(key), current[key], halted[key], signed.get(key))
        for key in groups
    }


def _lead_figures(session, scope, by, keys):
    """``reached``, ``current`` and ``halted`` per group, in one pass over the stage history:
    grouped by the leads' group, current stage and (paused and lost leads only) halt reason."""
    events = sql.pipeline_events(keys).subquery()
    key = sql.month_of(session, events.c.at) if by == "month" else events.c.key
    per_lead = (
        select(key.label("key"), events.c.lead_id, func.max(events.c.rank).label("top"))
        .where(*sql.in_window(events.c.at, scope.start, scope.end))
        .group_by(key, events.c.lead_id)
        .subquery()
    )
    amount = func.coalesce(Project.signed_investment, Lead.expected_investment, 0)
    reason = case((Lead.stage.in_([Stage.paused, Stage.lost]), Lead.halt_reason), else_=None)
    rows = session.execute(
        select(
            per_lead.c.key,
            Lead.stage,
            reason,
            func.count(),
            func.sum(amount),
            *[
                func.sum(case((per_lead.c.top >= rank, 1), else_=0))
                for rank in range(len(PIPELINE))
            ],
        )
        .join(Lead, Lead.id == per_lead.c.lead_id)
        .outerjoin(Project, Project.lead_id == Lead.id)
        .group_by(per_lead.c.key, Lead.stage, reason)
    )
    reached: dict = {}
    current: dict = defaultdict(dict)
    halted: dict = defaultdict(lambda: defaultdict(list))
    for group, stage, halt_reason, count, total, *ranks in rows:
        counts = reached.setdefault(group, [0] * len(PIPELINE))
        for rank, n in enumerate(ranks):
            counts[rank] += int(n or 0)
        leads, amounts = current[group].get(stage, (0, 0.0))
        current[group][stage] = (leads + count, amounts + float(total or 0))
        if stage in HALTED:
            halted[group][stage].append(Reason(reason=halt_reason, count=count))
    return reached, current, halted


def _project_figures(session, scope, by, keys) -> dict:
    key = sql.month_of(session, Project.signed_on) if by == "month" else keys.c.key
    window = []
    if scope.date_from:
        window.append(Project.signed_on >= scope.date_from)
    if scope.date_to:
        window.append(Project.signed_on <= scope.date_to)
    rows = session.execute(
        select(
            key,
            func.count(Project.id),
            func.sum(Project.signed_investment),
            func.sum(case((Project.construction_started_on.is_not(None), 1), else_=0)),
            func.sum(case((Project.production_started_on.is_not(None), 1), else_=0)),
        )
        .join(keys, keys.c.lead_id == Project.lead_id)
        .where(*window)
        .group_by(key)
    )
    signed = {
        row[0]: {
            "count": row[1],
            "investment": float(row[2] or 0),
            "started": int(row[3] or 0),
            "producing": int(row[4] or 0),
            "in_place": 0.0,
        }
        for row in rows
    }
    for group, total in session.execute(
        select(key, func.sum(FundingEntry.amount))
        .join(Project, Project.id == FundingEntry.project_id)
        .join(keys, keys.c.lead_id == Project.lead_id)
        .where(*window)
        .group_by(key)
    ):
        if group in signed:
            signed[group]["in_place"] = float(total or 0)
    return signed


def empty_figures() -> Figures:
    return _figures(None, {}, {}, None)


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _figures(reached, current, halted, signed) -> Figures:
    reached = reached or [0] * len(PIPELINE)
    signed = signed or {
        "count": 0,
        "investment": 0.0,
        "started": 0,
        "producing": 0,
        "in_place": 0.0,
    }
    stages = [
        StageFigures(
            stage=stage,
            reached=reached[rank],
            current=current.get(stage, (0, 0.0))[0],
            amount=round(current.get(stage, (0, 0.0))[1], 2),
        )
        for rank, stage in enumerate(PIPELINE)
    ]
    conversion = [
        Conversion(from_=a.stage, to=b.stage, rate=_rate(b.reached, a.reached))
        for a, b in zip(stages, stages[1:], strict=False)
    ]

    def halt(stage: Stage) -> Halted:
        reasons = sorted(halted.get(stage, []), key=lambda r: (-r.count, r.reason or ""))
        return Halted(count=current.get(stage, (0, 0))[0], top_reasons=reasons[:TOP_REASONS])

    return Figures(
        stages=stages,
        conversion=conversion,
        signed=Signed(count=signed["count"], investment=round(signed["investment"], 2)),
        started=signed["started"],
        producing=signed["producing"],
        started_rate=_rate(signed["started"], signed["count"]),
        producing_rate=_rate(signed["producing"], signed["count"]),
        investment_in_place=round(signed["in_place"], 2),
        investment_in_place_rate=_rate(signed["in_place"], signed["investment"]),
        lost=halt(Stage.lost),
        paused=halt(Stage.paused),
    )
