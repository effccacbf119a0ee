"""The 亩均 scores, computed in SQL per population (a few set-based statements per run).

For each firm with figures for the year (a local company), its population is decided from the
figures; for each indicator of its population the value is computed, normalised against the
population's average (the benchmark) and weighted:

- higher is better: ``n = min(value / (CAP × average), 1)``; a value ≤ 0 scores 0;
- lower is better: ``n = min(average / (CAP × value), 1)``; a value ≤ 0 scores 1;
- a missing figure or a zero denominator (no land, no energy, …) gives no value and 0 points;
  the average is taken over the firms that have a value.

A firm at the population's average gets half the weight; at CAP (2) times the average or
better, the full weight. The score is the sum of points (0–100); ranks are within the
population (ties share the better rank), grades come from the scheme's cumulative rank shares.
"""

from sqlalchemy import Float, Integer, String, and_, case, delete, func, insert, literal, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from crm.companies.models import Company
from crm.evaluation.grading_models import (
    EvaluationContribution,
    EvaluationResult,
    EvaluationScheme,
)
from crm.evaluation.models import CompanyYear
from crm.evaluation.scheme import Indicator, Population

CAP = 2.0  # a value at CAP × the population's average earns the indicator's full weight
OWN_LAND_CUT = 3.0  # 亩: below-size firms with at least this much own land form their own group

cy = CompanyYear.__table__
result_table = EvaluationResult.__table__
contribution_table = EvaluationContribution.__table__


def _float(value: float):
    return literal(value, Float)


def population_of():
    """The population of a company_year row (SQL): see docs/evaluation.md."""
    own = func.coalesce(cy.c.land_own_mu, 0.0)
    return case(
        (cy.c.above_size, Population.above.value),
        (own >= OWN_LAND_CUT, Population.land_3plus.value),
        (own > 0, Population.land_under3.value),
        else_=Population.tenant.value,
    )


def indicator_value(indicator: Indicator):
    """The indicator's value for a company_year row (SQL); NULL when a figure is missing or the
    denominator is zero or missing."""
    land = func.coalesce(cy.c.land_own_mu, 0.0) + func.coalesce(cy.c.land_rented_mu, 0.0)
    if indicator is Indicator.tax_per_mu:
        return case((land > 0, cy.c.tax / land))
    if indicator is Indicator.revenue_per_energy:
        return case((cy.c.energy_tce > 0, cy.c.revenue / cy.c.energy_tce))
    if indicator is Indicator.revenue_per_emission:
        return case((cy.c.emissions > 0, cy.c.revenue / cy.c.emissions))
    if indicator is Indicator.rd_intensity:
        return case((cy.c.revenue > 0, cy.c.rd_spend * 100.0 / cy.c.revenue))
    return case((cy.c.employees > 0, cy.c.added_value / (cy.c.employees * 1.0)))


def _normalised(value, benchmark, direction: str):
    zero, one = _float(0.0), _float(1.0)
    if direction == "lower":
        return case(
            (value.is_(None), zero),
            (value <= 0, one),
            (benchmark <= 0, zero),
            (benchmark >= value * CAP, one),
            else_=benchmark / (value * CAP),
        )
    return case(
        (value.is_(None), zero),
        (value <= 0, zero),
        (benchmark <= 0, one),
        (value >= benchmark * CAP, one),
        else_=value / (benchmark * CAP),
    )


def run(session: Session, scheme: EvaluationScheme) -> int:
    """Recompute the year's results from its figures; returns how many firms were graded."""
    year = scheme.year
    old = select(result_table.c.id).where(result_table.c.year == year)
    session.execute(delete(contribution_table).where(contribution_table.c.result_id.in_(old)))
    session.execute(delete(result_table).where(result_table.c.year == year))
    session.execute(
        insert(result_table).from_select(
            ["year", "company_id", "population", "score"],
            select(cy.c.year, cy.c.company_id, population_of(), _float(0.0))
            .join(Company.__table__, Company.__table__.c.id == cy.c.company_id)
            .where(cy.c.year == year, Company.__table__.c.is_local),
        )
    )
    for population, rows in scheme.indicators.items():
        for row in rows:
            _insert_contributions(session, year, population, row)
    return _rank_and_grade(session, scheme)


def _insert_contributions(session: Session, year: int, population: str, row: dict) -> None:
    indicator = Indicator(row["indicator"])
    value = indicator_value(indicator)
    values = (
        select(
            result_table.c.id.label("result_id"),
            value.label("value"),
            func.avg(value).over().label("benchmark"),
        )
        .join(
            cy,
            and_(cy.c.company_id == result_table.c.company_id, cy.c.year == result_table.c.year),
        )
        .where(result_table.c.year == year, result_table.c.population == population)
        .subquery()
    )
    normalised = _normalised(values.c.value, values.c.benchmark, row["direction"])
    weight = int(row["weight"])
    session.execute(
        insert(contribution_table).from_select(
            ["result_id", "indicator", "weight", "value", "benchmark", "normalised", "points"],
            select(
                values.c.result_id,
                literal(indicator.value, String),
                literal(weight, Integer),
                values.c.value,
                values.c.benchmark,
                normalised,
                normalised * float(weight),
            ),
        )
    )


def _rank_and_grade(session: Session, scheme: EvaluationScheme) -> int:
    """Score = sum of points; rank and grade by window functions; written back in one batch."""
    scores = (
        select(
            result_table.c.id,
            result_table.c.population,
            func.coalesce(func.sum(contribution_table.c.points), 0.0).label("score"),
        )
        .outerjoin(contribution_table, contribution_table.c.result_id == result_table.c.id)
        .where(result_table.c.year == scheme.year)
        .group_by(result_table.c.id, result_table.c.population)
        .subquery()
    )
    ranked = select(
        scores.c.id,
        scores.c.score,
        func.rank()
        .over(partition_by=scores.c.population, order_by=scores.c.score.desc())
        .label("rank"),
        func.count().over(partition_by=scores.c.population).label("size"),
    ).subquery()
    grade = case(
        (ranked.c.rank * 100 <= ranked.c.size * scheme.a_pct, "A"),
        (ranked.c.rank * 100 <= ranked.c.size * scheme.b_pct, "B"),
        (ranked.c.rank * 100 <= ranked.c.size * scheme.c_pct, "C"),
        else_="D",
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.score, ranked.c.rank, ranked.c.size, grade.label("grade"))
    ).all()
    if rows:
        session.execute(
            sql_update(EvaluationResult),
            [
                {
                    "id": row.id,
                    "score": row.score,
                    "rank": row.rank,
                    "population_size": row.size,
                    "grade": row.grade,
                }
                for row in rows
            ],
        )
    return len(rows)
