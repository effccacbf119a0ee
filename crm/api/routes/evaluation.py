"""亩均论英雄: the yearly scheme, running and publishing the grading, results, land checks,
the grading list (XLSX), and a firm's grades."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from crm.api.deps import CurrentUser, DbSession, RequestTime
from crm.evaluation import grading
from crm.evaluation import scheme as schemes
from crm.evaluation.scheme import Population, SchemePublic, SchemePut
from crm.exporting import MEDIA_TYPES, download

router = APIRouter(prefix="/evaluation", tags=["evaluation"])
company_grades_router = APIRouter(prefix="/companies", tags=["companies"])

Year = Annotated[int, Path(ge=1990, le=2100)]
UNPUBLISHED = {403: {"description": "the year's results are not published (office only)"}}


@router.get("/{year}/scheme", response_model=SchemePublic)
def get_scheme(year: Year, session: DbSession):
    return schemes.public(schemes.get(session, year))


@router.put("/{year}/scheme", response_model=SchemePublic)
def put_scheme(year: Year, data: SchemePut, session: DbSession):
    """Create or replace the year's scheme; weights per population sum to 100; 409 once
    published or when ``version`` is stale."""
    return schemes.public(schemes.put(session, year, data))


@router.post("/{year}/scheme/default", response_model=SchemePublic, status_code=201)
def create_default_scheme(year: Year, session: DbSession):
    """The year's scheme from the documented template (409 if the year has one)."""
    return schemes.public(schemes.create_default(session, year))


@router.post("/{year}/run", response_model=grading.RunSummary)
def run_grading(year: Year, session: DbSession, user: CurrentUser, now: RequestTime):
    return grading.run(session, year, by=user.username, now=now)


@router.post("/{year}/publish", response_model=SchemePublic)
def publish_grading(year: Year, session: DbSession, user: CurrentUser, now: RequestTime):
    return schemes.public(grading.publish(session, year, by=user.username, now=now))


@router.post("/{year}/unpublish", response_model=SchemePublic)
def unpublish_grading(year: Year, session: DbSession, user: CurrentUser):
    """Administrators only: unfreezes the scheme so it can be changed and re-run."""
    return schemes.public(grading.unpublish(session, year, user=user))


@router.get("/{year}/results", response_model=list[grading.ResultPublic], responses=UNPUBLISHED)
def list_results(
    year: Year,
    session: DbSession,
    user: CurrentUser,
    grade: Literal["A", "B", "C", "D"] | None = None,
    park: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    population: Population | None = None,
):
    scheme = grading.require_visible(session, year, user)
    return grading.results(session, scheme, grade=grade, park_id=park, population=population)


@router.get(
    "/{year}/results.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}}}, **UNPUBLISHED},
)
def export_results(year: Year, session: DbSession, user: CurrentUser):
    """The annual grading list (亩均评价结果清单) as XLSX."""
    scheme = grading.require_visible(session, year, user)
    headers, rows = grading.table(session, scheme)
    return download("xlsx", f"evaluation-{year}.xlsx", headers, rows)


@router.get("/{year}/land-checks", response_model=list[grading.LandCheck], responses=UNPUBLISHED)
def list_land_checks(year: Year, session: DbSession, user: CurrentUser):
    """D-grade firms holding a plot: each prompts a land-use check."""
    grading.require_visible(session, year, user)
    return grading.land_checks(session, year)


@company_grades_router.get("/{company_id}/grades", response_model=list[grading.ResultPublic])
def company_grades(
    company_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: DbSession, user: CurrentUser
):
    """The firm's grades with contributions and measures, newest year first (unpublished
    years for the office only)."""
    return grading.company_grades(session, company_id, user)
