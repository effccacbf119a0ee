"""Project milestones and funding by the counting rule, aggregated in one statement.

Rows of the answer (``{key: {row: (count, 万元)}}``): signed (formal agreements unless the scope
includes framework ones) with the signed investment, started, producing, funding entries,
the funding from outside the province (省外), and the signed projects of at least 1, 10 and
20 亿元 (counts).
"""

from collections import defaultdict

from sqlalchemy import and_, case, func, literal, literal_column, select, true, union_all
from sqlalchemy.orm import Session

from crm.dashboard import sql
from crm.leads.models import PIPELINE, RANK, Stage
from crm.places import InvestorOrigin
from crm.projects.models import AgreementType, FundingEntry, Project

SIGNED, STARTED, PRODUCING = RANK[Stage.signed], RANK[Stage.started], RANK[Stage.producing]
FUNDING = len(PIPELINE)
FUNDING_OUTSIDE = FUNDING + 1  # 省外: money whose source region is another province
SIGNED_1YI, SIGNED_10YI, SIGNED_20YI = FUNDING + 2, FUNDING + 3, FUNDING + 4
# Signed investment thresholds, 万元 (1亿 = 10,000万).
MAJOR = {SIGNED_1YI: 10_000, SIGNED_10YI: 100_000, SIGNED_20YI: 200_000}


def started_on(project=Project):
    """The construction start a figure counts: the recorded one, else the production day."""
    return func.coalesce(project.construction_started_on, project.production_started_on)


def counts_as_signed(scope: sql.Scope, project=Project) -> list:
    """新签约 is a formal agreement (正式协议) unless framework agreements were asked for."""
    if scope.include_framework:
        return []
    return [project.agreement_type == AgreementType.formal]


def outside_province():
    """A funding entry from another province (its own source region, else the investor's)."""
    region = func.coalesce(FundingEntry.source_region, Project.investor_origin)
    return case((region == InvestorOrigin.other_province.value, 1), else_=0)


def milestone_figures(session: Session, scope: sql.Scope, keys, *, by_month: bool) -> dict:
    """``{key: {row: (count, 万元)}}`` for the leads of ``keys`` (``(lead_id, key)``), each
    figure by its own date within the scope's days; by month, keyed by that date's month."""
    if not by_month:
        return _by_group(session, scope, keys)
    return _by_month(session, scope, keys)


def _by_group(session: Session, scope: sql.Scope, keys) -> dict:
    return by_group_in_scopes(session, [scope], keys)[0]


def by_group_in_scopes(
    session: Session, scopes: list[sql.Scope], keys, *, every_lead: bool = False
) -> list[dict]:
    """``milestone_figures`` (not by month) of each of ``scopes`` (their days and agreement
    rule; the leads are ``keys``'), in one pass over the projects (each with its funding
    summed beforehand): every figure a conditional sum, so the dashboard's period and its
    target year cost one statement, not two."""
    outside = outside_province() == 1
    funding_columns = []
    for i, scope in enumerate(scopes):
        funded = and_(true(), *sql.in_days(FundingEntry.date, scope))
        funding_columns += [
            func.sum(case((funded, 1), else_=0)).label(f"entries_{i}"),
            func.sum(case((funded, FundingEntry.amount), else_=0)).label(f"amount_{i}"),
            func.sum(case((and_(funded, outside), 1), else_=0)).label(f"outside_entries_{i}"),
            func.sum(case((and_(funded, outside), FundingEntry.amount), else_=0)).label(
                f"outside_{i}"
            ),
        ]
    funding = (
        select(FundingEntry.project_id, *funding_columns)
        .join(Project, Project.id == FundingEntry.project_id)
        .group_by(FundingEntry.project_id)
        .subquery()
    )
    investment = Project.signed_investment

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    def amount(condition, value=investment):
        return func.sum(case((condition, value), else_=0))

    columns = []
    for i, scope in enumerate(scopes):
        signed = and_(Project.signed_on.is_not(None), *sql.in_days(Project.signed_on, scope),
                      *counts_as_signed(scope))  # fmt: skip
        started = and_(started_on().is_not(None), *sql.in_days(started_on(), scope))
        producing = and_(
            Project.production_started_on.is_not(None),
            *sql.in_days(Project.production_started_on, scope),
        )
        columns += [
            count(signed),
            amount(signed),
            *[count(and_(signed, investment >= threshold)) for threshold in MAJOR.values()],
            count(started),
            amount(started),
            count(producing),
            amount(producing),
            *[
                func.sum(funding.c[f"{name}_{i}"])
                for name in ("entries", "amount", "outside_entries", "outside")
            ],
        ]
    if every_lead:  # ``sql.every_lead``: every project counts, under the key "all"
        query = select(literal("all"), *columns).select_from(Project)
    else:
        query = select(keys.c.key, *columns).select_from(Project)
        query = query.join(keys, keys.c.lead_id == Project.lead_id).group_by(keys.c.key)
    query = query.outerjoin(funding, funding.c.project_id == Project.id)
    results: list[dict] = [{} for _ in scopes]
    width = len(columns) // len(scopes)
    for key, *values in session.execute(query):
        for i, result in enumerate(results):
            result[key] = _figures(values[i * width : (i + 1) * width])
    return results


def _figures(values) -> dict:
    n_signed, signed_amount, m1, m10, m20, n_started, started_amount = values[:7]
    n_producing, producing_amount, entries, funded_amount, n_outside, outside = values[7:]
    figures = {
        SIGNED: (int(n_signed or 0), float(signed_amount or 0)),
        STARTED: (int(n_started or 0), float(started_amount or 0)),
        PRODUCING: (int(n_producing or 0), float(producing_amount or 0)),
        FUNDING: (int(entries or 0), float(funded_amount or 0)),
        FUNDING_OUTSIDE: (int(n_outside or 0), float(outside or 0)),
    }
    for row, n in zip(MAJOR, (m1, m10, m20), strict=True):
        figures[row] = (int(n or 0), 0.0)
    return figures


def _by_month(session: Session, scope: sql.Scope, keys) -> dict:
    """Each figure in the month of its own date: a union of the four kinds of event."""

    def part(row: int, day, amount, base, *joins, where=(), outside=None):
        key = sql.month_of(session, day)
        query = select(
            key.label("key"),
            literal_column(str(row)).label("row"),
            amount.label("amount"),
            (literal(0) if outside is None else outside).label("outside"),
        ).select_from(base)
        for target, on in joins:
            query = query.join(target, on)
        return query.where(day.is_not(None), *sql.in_days(day, scope), *where)

    on_lead = (keys, keys.c.lead_id == Project.lead_id)
    on_project = (Project, Project.id == FundingEntry.project_id)
    investment = Project.signed_investment
    parts = [
        part(SIGNED, Project.signed_on, investment, Project, on_lead,
             where=counts_as_signed(scope)),
        part(STARTED, started_on(), investment, Project, on_lead),
        part(PRODUCING, Project.production_started_on, investment, Project, on_lead),
        part(FUNDING, FundingEntry.date, FundingEntry.amount, FundingEntry, on_project, on_lead,
             outside=outside_province()),
    ]  # fmt: skip
    rows = union_all(*parts).subquery()
    amount = rows.c.amount
    aggregates = [
        func.count(),
        func.sum(amount),
        func.sum(case((rows.c.outside == 1, amount), else_=0)),
        func.sum(rows.c.outside),
        *[func.sum(case((amount >= threshold, 1), else_=0)) for threshold in MAJOR.values()],
    ]
    result: dict = defaultdict(dict)
    query = select(rows.c.key, rows.c.row, *aggregates).group_by(rows.c.key, rows.c.row)
    for key, row, count, total, outside, outside_count, *major in session.execute(query):
        figures = result[key]
        figures[int(row)] = (count, float(total or 0))
        if int(row) == FUNDING:
            figures[FUNDING_OUTSIDE] = (int(outside_count or 0), float(outside or 0))
        if int(row) == SIGNED:
            for major_row, n in zip(MAJOR, major, strict=True):
                figures[major_row] = (int(n or 0), 0.0)
    return result
