"""The signed-project funnel (SPEC §3, §5) and its breakdown by group, aggregated in SQL.

One counting rule (``COUNTING_RULE``): within a period every figure counts its own event date.
A lead reaches a stage before signing on the day it first entered that stage or a later one
(a forward skip reaches the skipped stages with it); signed, started and producing count by
the project's signing, construction-start and production-start dates (producing without a
recorded start counts as started on the production day); investment in place by the funding
entry's date; a lead's current stage by the day it entered it; an overdue ticket by its due
day. Without a period every figure counts everything. By month, each figure falls in the
month of its own event, so the months add up to the total.
"""

from collections import defaultdict

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from crm.dashboard import reach, sql
from crm.dashboard.milestones import (
    FUNDING,
    FUNDING_OUTSIDE,
    PRODUCING,
    SIGNED,
    SIGNED_1YI,
    SIGNED_10YI,
    SIGNED_20YI,
    STARTED,
    counts_as_signed,
    milestone_figures,
    started_on,
)
from crm.dashboard.schemas import (
    Cohort,
    Conversion,
    CountingRule,
    Figures,
    Halted,
    Reason,
    Signed,
    StageFigures,
    yi,
)
from crm.leads.models import HALTED, PIPELINE, Lead, Stage
from crm.projects.models import Project
from crm.tickets.models import Ticket
from crm.tickets.service import overdue_condition

TOP_REASONS = 5
PURSUIT = reach.PURSUIT

COUNTING_RULE = CountingRule(
    name="event_date",
    description=(
        "Within a period every figure counts its own event date: signed (新签约: formal "
        "agreements only, unless framework agreements are included) by signing date, "
        "started by construction-start date (producing without one counts as started on the "
        "production day), producing by production-start date, investment in place by the "
        "funding entry's date (省外: entries whose source region is another province), a stage reached by the date of the move into it or a later "
        "stage, current stage by the date it was entered, overdue tickets by due date. "
        "Rates are ratios of the period's counts. Money in 万元; *_yi fields in 亿元."
    ),
)


def figures_by_group(
    session: Session, scope: sql.Scope, by: str | None, *, now, keys=None, milestones=None
) -> dict:
    """``{group key: Figures}``; the single group ``"all"`` when ``by`` is None. Every lead
    is in one group (None: unassigned), so the groups add up to the total. ``keys`` (the
    scope's ``(lead_id, key)``, ``sql.lead_keys``) is shared by every aggregate;
    ``milestones``: the projects' figures if the caller read them already."""
    if keys is None:
        keys = sql.lead_keys(scope, by).cte("scope")
    by_month = by == "month"
    # Without a period, a lead's furthest stage is ``highest_rank``: read in the same pass
    # over the leads as their stage now.
    from_rank = not scope.windowed and not by_month
    if not from_rank:
        reached = reach.reached(session, scope, keys, by_month=by_month)
    if milestones is None:
        milestones = milestone_figures(session, scope, keys, by_month=by_month)
    every = sql.every_lead(scope, by)
    current, halted, ranked = _current(
        session, scope, keys, by_month, with_rank=from_rank, every_lead=every
    )
    if from_rank:
        reached = ranked
    overdue = _overdue(session, scope, keys, by_month, now, every_lead=every)
    groups = set(reached) | set(milestones) | set(current) | set(overdue)
    return {
        key: _figures(
            reached.get(key, {}),
            milestones.get(key, {}),
            current.get(key, {}),
            halted.get(key, {}),
            overdue.get(key, 0),
        )
        for key in groups
    }


def _current(session, scope, keys, by_month, *, with_rank: bool = False, every_lead=False):
    """Leads by their stage now (entered inside the period), with the amount at stake and,
    for paused and lost leads, their reasons; ``with_rank``: also the stages before signing
    reached, from each lead's ``highest_rank`` (``{key: {rank: leads}}``). ``every_lead``
    (``sql.every_lead``): the lead table alone, no join to ``keys``."""
    day = Lead.stage_changed_at
    key = sql.local_month_of(session, day) if by_month else keys.c.key
    if every_lead:
        key = literal("all")
    amount = func.coalesce(Project.signed_investment, Lead.expected_investment, 0)
    reason = case((Lead.stage.in_([Stage.paused, Stage.lost]), Lead.halt_reason), else_=None)
    leads = (
        select(
            key.label("key"),
            Lead.stage.label("stage"),
            reason.label("reason"),
            amount.label("amount"),
            (Lead.highest_rank if with_rank else literal(0)).label("rank"),
        )
        .select_from(Lead if every_lead else keys)
        .where(*sql.in_window(day, scope.start, scope.end))
    )
    if not every_lead:
        leads = leads.join(Lead, Lead.id == keys.c.lead_id)
    leads = leads.outerjoin(Project, Project.lead_id == Lead.id).subquery()
    grouping = (leads.c.key, leads.c.stage, leads.c.reason, leads.c.rank)
    rows = session.execute(
        select(*grouping, func.count(), func.sum(leads.c.amount)).group_by(*grouping)
    )
    current: dict = defaultdict(dict)
    halted: dict = defaultdict(lambda: defaultdict(list))
    reached: dict = defaultdict(lambda: defaultdict(int))
    for group, stage, halt_reason, highest, count, total in rows:
        for rank in PURSUIT:
            if with_rank and highest >= rank:
                reached[group][rank] += count
        stage = Stage(stage)
        leads_now, amounts = current[group].get(stage, (0, 0.0))
        current[group][stage] = (leads_now + count, amounts + float(total or 0))
        if stage in HALTED:
            halted[group][stage].append(Reason(reason=halt_reason, count=count))
    return current, _merged_reasons(halted), reached


def _merged_reasons(halted: dict) -> dict:
    """One entry per reason (rows come split by rank too)."""
    merged: dict = defaultdict(dict)
    for group, stages in halted.items():
        for stage, reasons in stages.items():
            counts: dict = defaultdict(int)
            for item in reasons:
                counts[item.reason] += item.count
            merged[group][stage] = [Reason(reason=r, count=n) for r, n in counts.items()]
    return merged


def _overdue(session, scope, keys, by_month, now, *, every_lead=False) -> dict:
    """Open tickets past their due time now, by the group of their project's lead
    (``every_lead``: every ticket counts, under "all")."""
    key = sql.local_month_of(session, Ticket.due_at) if by_month else keys.c.key
    tickets = (
        select((literal("all") if every_lead else key).label("key"))
        .select_from(Ticket)
        .where(overdue_condition(now), *sql.in_window(Ticket.due_at, scope.start, scope.end))
    )
    if not every_lead:
        tickets = tickets.join(Project, Project.id == Ticket.project_id).join(
            keys, keys.c.lead_id == Project.lead_id
        )
    tickets = tickets.subquery()
    return dict(session.execute(select(tickets.c.key, func.count()).group_by(tickets.c.key)).all())


def signed_cohort(session: Session, scope: sql.Scope, keys) -> Cohort | None:
    """Of the projects signed in the period (scope's leads), how many have started and
    produced by now, whenever that happened. None without a period."""
    if not scope.windowed:
        return None
    signed, started, producing = session.execute(
        select(
            func.count(Project.id),
            func.coalesce(func.sum(case((started_on().is_not(None), 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((Project.production_started_on.is_not(None), 1), else_=0)), 0
            ),
        )
        .join(keys, keys.c.lead_id == Project.lead_id)
        .where(*sql.in_days(Project.signed_on, scope), *counts_as_signed(scope))
    ).one()
    return Cohort(
        label="本期签约项目截至目前的开工、投产 (cohort: projects signed in the period, to date)",
        signed=signed,
        started=int(started),
        producing=int(producing),
        started_rate=_rate(int(started), signed),
        producing_rate=_rate(int(producing), signed),
    )


def empty_figures() -> Figures:
    return _figures({}, {}, {}, {}, 0)


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _figures(reached, milestones, current, halted, overdue) -> Figures:
    counts = [reached.get(rank, 0) for rank in PURSUIT] + [
        milestones.get(rank, (0, 0.0))[0] for rank in (SIGNED, STARTED, PRODUCING)
    ]
    signed_count, investment = milestones.get(SIGNED, (0, 0.0))
    in_place = milestones.get(FUNDING, (0, 0.0))[1]
    in_place_outside = milestones.get(FUNDING_OUTSIDE, (0, 0.0))[1]
    started, producing = counts[STARTED], counts[PRODUCING]
    stages = []
    for rank, stage in enumerate(PIPELINE):
        leads_now, amount = current.get(stage, (0, 0.0))
        stages.append(
            StageFigures(
                stage=stage,
                reached=counts[rank],
                current=leads_now,
                amount=round(amount, 2),
                amount_yi=yi(amount),
            )
        )
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
        signed=Signed(
            count=signed_count,
            investment=round(investment, 2),
            investment_yi=yi(investment),
            at_least_1yi=milestones.get(SIGNED_1YI, (0, 0.0))[0],
            at_least_10yi=milestones.get(SIGNED_10YI, (0, 0.0))[0],
            at_least_20yi=milestones.get(SIGNED_20YI, (0, 0.0))[0],
        ),
        started=started,
        producing=producing,
        started_rate=_rate(started, signed_count),
        producing_rate=_rate(producing, signed_count),
        investment_in_place=round(in_place, 2),
        investment_in_place_yi=yi(in_place),
        investment_in_place_rate=_rate(in_place, investment),
        investment_in_place_outside_province=round(in_place_outside, 2),
        investment_in_place_outside_province_yi=yi(in_place_outside),
        lost=halt(Stage.lost),
        paused=halt(Stage.paused),
        overdue_tickets=overdue,
    )
