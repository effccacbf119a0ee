"""Stages reached before signing (识别 → 洽谈), by the counting rule.

Without a period, ``lead.highest_rank`` already holds the furthest stage each lead reached: the
funnel reads it in its one pass over the leads (``funnel._current``). With a period, only the history rows inside it are read (the
index on the move's time serves them), and each lead seen there is looked up once, by the index
on (lead, time), for the furthest stage it had reached before the period began: a stage counts
in the period when the lead first entered it (or a later one) there.
"""

from collections import defaultdict

from sqlalchemy import case, func, literal, literal_column, select, union_all
from sqlalchemy.orm import Session

from crm.dashboard import sql
from crm.leads.models import PIPELINE, RANK, Lead, Stage, StageChange

PURSUIT = range(RANK[Stage.signed])  # the stages a lead reaches before it has a project
NEVER = -1


def reached(session: Session, scope: sql.Scope, keys, *, by_month: bool) -> dict:
    """``{key: {rank: leads}}`` for the stages before signing, from the stage history (the
    funnel reads ``highest_rank`` itself when there is no period and no month grouping)."""
    return _from_history(session, scope, keys, by_month)


def _from_history(session: Session, scope: sql.Scope, keys, by_month: bool) -> dict:
    first = _first_entries(scope, keys).cte("first_entry")
    result: dict = defaultdict(dict)
    if not by_month:
        counted = [
            func.sum(case((first.c[f"at{r}"].is_not(None) & (first.c.prior < r), 1), else_=0))
            for r in PURSUIT
        ]
        for key, *counts in session.execute(select(first.c.key, *counted).group_by(first.c.key)):
            result[key] = {r: int(n or 0) for r, n in zip(PURSUIT, counts, strict=True)}
        return result
    parts = [
        select(
            sql.local_month_of(session, first.c[f"at{r}"]).label("key"),
            literal_column(str(r)).label("rank"),
        ).where(first.c[f"at{r}"].is_not(None), first.c.prior < r)
        for r in PURSUIT
    ]
    rows = union_all(*parts).subquery()
    for key, r, count in session.execute(
        select(rows.c.key, rows.c.rank, func.count()).group_by(rows.c.key, rows.c.rank)
    ):
        result[key][int(r)] = count
    return result


def _first_entries(scope: sql.Scope, keys):
    """Per lead in scope with a pipeline event in the period: the first time in it that the
    lead entered each stage or a later one, and the furthest stage it had reached before it.
    The period's events are grouped by lead first, then joined to the scope once."""
    events = _events_in(scope).subquery()
    firsts = (
        select(
            events.c.lead_id,
            *[func.min(case((events.c.rank >= r, events.c.at))).label(f"at{r}") for r in PURSUIT],
        )
        .group_by(events.c.lead_id)
        .subquery()
    )
    return select(
        keys.c.key,
        *[firsts.c[f"at{r}"] for r in PURSUIT],
        _rank_before(firsts.c.lead_id, scope).label("prior"),
    ).join(keys, keys.c.lead_id == firsts.c.lead_id)


def _events_in(scope: sql.Scope):
    """Every time a lead entered a pipeline stage inside the period: its creation
    (identified) and its moves."""
    created = select(
        Lead.id.label("lead_id"), literal(0).label("rank"), Lead.created_at.label("at")
    ).where(*sql.in_window(Lead.created_at, scope.start, scope.end))
    moved = select(
        StageChange.lead_id,
        sql.stage_rank(StageChange.to_stage).label("rank"),
        StageChange.at,
    ).where(
        StageChange.to_stage.in_(PIPELINE),
        *sql.in_window(StageChange.at, scope.start, scope.end),
    )
    return union_all(created, moved)


def _rank_before(lead_id, scope: sql.Scope):
    """The furthest pipeline stage a lead had entered before the period (its creation counts
    as identified); ``NEVER`` when the period has no start or the lead did not exist yet."""
    if scope.start is None:
        return literal(NEVER)
    moved = (
        select(func.max(sql.stage_rank(StageChange.to_stage)))
        .where(
            StageChange.lead_id == lead_id,
            StageChange.at < scope.start,
            StageChange.to_stage.in_(PIPELINE),
        )
        .scalar_subquery()
    )
    created = (
        select(literal(0))
        .where(Lead.id == lead_id, Lead.created_at < scope.start)
        .scalar_subquery()
    )
    return func.coalesce(moved, created, NEVER)
