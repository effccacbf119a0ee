"""The annual grading (亩均评价结果): run, publish, read, the land checks of D-grade firms,
and the grading list as a table (XLSX)."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import Role, User
from crm.auth.policy import is_office
from crm.companies.models import Company
from crm.errors import Invalid, NotFound, NotPermitted
from crm.evaluation import scheme as schemes
from crm.evaluation import scoring
from crm.evaluation.grading_models import EvaluationResult, EvaluationScheme
from crm.evaluation.models import CompanyYear
from crm.evaluation.scheme import (
    GRADE_LABELS,
    GRADES,
    INDICATOR_LABELS,
    MEASURE_AREAS,
    MEASURE_LABELS,
    POPULATION_LABELS,
    Indicator,
    Population,
)
from crm.parks.models import LandPlot
from crm.parks.plots import HELD


class ContributionPublic(BaseModel):
    indicator: str
    label: str
    unit: str
    weight: int
    value: float | None
    benchmark: float | None
    normalised: float
    points: float


class ResultPublic(BaseModel):
    year: int
    company_id: int
    company: str
    credit_code: str | None
    park: str | None
    population: str
    score: float
    rank: int | None
    population_size: int | None
    grade: str | None
    grade_label: str | None
    contributions: list[ContributionPublic]
    measures: dict[str, str]


class RunSummary(BaseModel):
    year: int
    graded: int
    grades: dict[str, int]


class LandCheck(BaseModel):
    year: int
    company_id: int
    company: str
    score: float
    plot_id: int
    plot_no: str
    park: str
    area_mu: float
    status: str


def run(session: Session, year: int, *, by: str, now: datetime) -> RunSummary:
    """Recompute the year's grading (refused once published)."""
    scheme = schemes.get(session, year)
    schemes.refuse_if_published(scheme)
    graded = scoring.run(session, scheme)
    scheme.run_at, scheme.run_by = now, by
    session.flush()
    return RunSummary(year=year, graded=graded, grades=distribution(session, year))


def publish(session: Session, year: int, *, by: str, now: datetime) -> EvaluationScheme:
    scheme = schemes.get(session, year)
    schemes.refuse_if_published(scheme)
    if scheme.run_at is None or not _has_results(session, year):
        raise Invalid(("path", "year"), f"{year}年尚无评价结果：请先运行评价")
    scheme.published, scheme.published_at, scheme.published_by = True, now, by
    session.flush()
    return scheme


def unpublish(session: Session, year: int, *, user: User) -> EvaluationScheme:
    if user.role != Role.admin:
        raise NotPermitted("只有管理员可以撤回已发布的评价结果")
    scheme = schemes.get(session, year)
    scheme.published, scheme.published_at, scheme.published_by = False, None, None
    session.flush()
    return scheme


def _has_results(session: Session, year: int) -> bool:
    return bool(session.scalar(select(func.count()).where(EvaluationResult.year == year)))


def distribution(session: Session, year: int) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(EvaluationResult.grade, func.count())
            .where(EvaluationResult.year == year)
            .group_by(EvaluationResult.grade)
        ).all()
    )
    return {grade: counts.get(grade, 0) for grade in GRADES}


def require_visible(session: Session, year: int, user: User) -> EvaluationScheme:
    """The year's scheme, if ``user`` may see its results: published, or the office."""
    scheme = schemes.get(session, year)
    if not scheme.published and not is_office(user):
        raise NotPermitted(f"{year}年评价结果尚未发布")
    return scheme


def results(
    session: Session,
    scheme: EvaluationScheme,
    *,
    grade: str | None = None,
    park_id: int | None = None,
    population: Population | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ResultPublic]:
    """The year's results by population, rank and name; ``limit`` and ``offset``: a page."""
    query = (
        _results_query(scheme.year, grade, park_id, population)
        .options(
            selectinload(EvaluationResult.company).selectinload(Company.park),
            selectinload(EvaluationResult.contributions),
        )
        # The id last: ranks tie and names repeat, and a page needs one order.
        .order_by(
            EvaluationResult.population, EvaluationResult.rank, Company.name, EvaluationResult.id
        )
        .limit(limit)
        .offset(offset)
    )
    return [result_public(row, scheme) for row in session.scalars(query)]


def count_results(
    session: Session,
    year: int,
    *,
    grade: str | None = None,
    park_id: int | None = None,
    population: Population | None = None,
) -> int:
    query = _results_query(year, grade, park_id, population).with_only_columns(func.count())
    return session.scalar(query.order_by(None)) or 0


def _results_query(
    year: int, grade: str | None, park_id: int | None, population: Population | None
) -> Select:
    query = (
        select(EvaluationResult)
        .join(Company, Company.id == EvaluationResult.company_id)
        .where(EvaluationResult.year == year)
    )
    if grade:
        query = query.where(EvaluationResult.grade == grade)
    if park_id is not None:
        query = query.where(Company.park_id == park_id)
    if population is not None:
        query = query.where(EvaluationResult.population == population.value)
    return query


def result_public(row: EvaluationResult, scheme: EvaluationScheme) -> ResultPublic:
    company = row.company
    return ResultPublic(
        year=row.year,
        company_id=company.id,
        company=company.name,
        credit_code=company.credit_code,
        park=company.park.name if company.park else None,
        population=row.population,
        score=row.score,
        rank=row.rank,
        population_size=row.population_size,
        grade=row.grade,
        grade_label=GRADE_LABELS.get(row.grade or ""),
        contributions=[
            ContributionPublic(
                indicator=item.indicator,
                label=INDICATOR_LABELS[Indicator(item.indicator)][0],
                unit=INDICATOR_LABELS[Indicator(item.indicator)][1],
                weight=item.weight,
                value=item.value,
                benchmark=item.benchmark,
                normalised=item.normalised,
                points=item.points,
            )
            for item in row.contributions
        ],
        measures=(scheme.measures or {}).get(row.grade or "", {}),
    )


def company_grades(session: Session, company_id: int, user: User) -> list[ResultPublic]:
    """The firm's grades, newest year first; unpublished years for the office only."""
    if session.get(Company, company_id) is None:
        raise NotFound(f"company {company_id} not found")
    query = (
        select(EvaluationResult, EvaluationScheme)
        .join(EvaluationScheme, EvaluationScheme.year == EvaluationResult.year)
        .where(EvaluationResult.company_id == company_id)
        .options(
            selectinload(EvaluationResult.company).selectinload(Company.park),
            selectinload(EvaluationResult.contributions),
        )
        .order_by(EvaluationResult.year.desc())
    )
    if not is_office(user):
        query = query.where(EvaluationScheme.published)
    return [result_public(row, scheme) for row, scheme in session.execute(query)]


def land_checks(session: Session, year: int, *, company_id: int | None = None) -> list[LandCheck]:
    """D-grade firms of the year that hold a plot: each is due a land-use check (土地利用核查)."""
    query = (
        select(EvaluationResult, LandPlot)
        .join(LandPlot, LandPlot.holder_id == EvaluationResult.company_id)
        .where(
            EvaluationResult.year == year,
            EvaluationResult.grade == "D",
            LandPlot.status.in_(HELD),
        )
        .options(selectinload(EvaluationResult.company), selectinload(LandPlot.park))
        .order_by(EvaluationResult.company_id, LandPlot.plot_no)
    )
    if company_id is not None:
        query = query.where(EvaluationResult.company_id == company_id)
    return [
        LandCheck(
            year=year,
            company_id=result.company_id,
            company=result.company.name,
            score=result.score,
            plot_id=plot.id,
            plot_no=plot.plot_no,
            park=plot.park.name,
            area_mu=plot.area_mu,
            status=plot.status.value,
        )
        for result, plot in session.execute(query)
    ]


def latest_published_year(session: Session) -> int | None:
    return session.scalar(select(func.max(EvaluationScheme.year)).where(EvaluationScheme.published))


FIGURE_HEADERS = {
    "land_own_mu": "自有用地(亩)",
    "land_rented_mu": "租用用地(亩)",
    "revenue": "营业收入(万元)",
    "tax": "实缴税金(万元)",
    "added_value": "工业增加值(万元)",
    "energy_tce": "综合能耗(吨标煤)",
    "emissions": "排放当量",
    "rd_spend": "研发经费(万元)",
    "employees": "职工人数",
}


def table(session: Session, scheme: EvaluationScheme) -> tuple[list[str], list[list]]:
    """The annual grading list: one row per firm, figures used, indicator values, grade, measures."""
    headers = [
        "企业名称",
        "统一社会信用代码",
        "所在园区",
        "评价群体",
        *FIGURE_HEADERS.values(),
        *(f"{label}({unit})" for label, unit in INDICATOR_LABELS.values()),
        "得分",
        "群体内排名",
        "群体企业数",
        "等级",
        *(f"{MEASURE_LABELS[area]}措施" for area in MEASURE_AREAS),
    ]
    figures = {
        row.company_id: row
        for row in session.scalars(select(CompanyYear).where(CompanyYear.year == scheme.year))
    }
    rows = []
    for result in results(session, scheme):
        figure = figures.get(result.company_id)
        values = {item.indicator: item.value for item in result.contributions}
        rows.append(
            [
                result.company,
                result.credit_code,
                result.park,
                POPULATION_LABELS[Population(result.population)],
                *(getattr(figure, name, None) for name in FIGURE_HEADERS),
                *(_round(values.get(indicator.value)) for indicator in Indicator),
                round(result.score, 2),
                result.rank,
                result.population_size,
                f"{result.grade} {result.grade_label}" if result.grade else None,
                *(result.measures.get(area, "") for area in MEASURE_AREAS),
            ]
        )
    return headers, rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def company_section(session: Session, company_id: int, user: User) -> dict:
    """What a company's page shows of its grading: grades (newest first) and, when the newest
    is D, the plots it holds that are due a land check."""
    grades = company_grades(session, company_id, user)
    latest = grades[0] if grades else None
    checks = (
        land_checks(session, latest.year, company_id=company_id)
        if latest and latest.grade == "D"
        else []
    )
    return {"grades": grades, "grade_land_checks": checks}
