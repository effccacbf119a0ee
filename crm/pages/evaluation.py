"""亩均论英雄: ``/evaluation`` (the year's scheme editor, run, publish, results with the grade
distribution, land checks, the XLSX list) over the services of ``/api/evaluation``."""

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role, User
from crm.auth.policy import Action
from crm.clock import local_date
from crm.companies.models import Park
from crm.errors import Invalid
from crm.evaluation import grading
from crm.evaluation import scheme as schemes
from crm.evaluation.grading_models import EvaluationScheme
from crm.evaluation.scheme import (
    BELOW_SIZE,
    GRADES,
    MEASURE_AREAS,
    Indicator,
    Population,
    SchemePut,
)
from crm.pages.deps import PageUser
from crm.pages.forms import refused_form, see_other
from crm.pages.templating import render

router = APIRouter(include_in_schema=False)

Year = Annotated[int, Path(ge=1990, le=2100)]


def indicators_of(population: Population) -> list[Indicator]:
    return [Indicator.tax_per_mu] if population in BELOW_SIZE else list(Indicator)


@router.get("/evaluation")
def evaluation_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    grade: Literal["A", "B", "C", "D", ""] = "",
    population: Population | Literal[""] = "",
    park: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    year = year or grading.latest_published_year(session) or local_date(now).year - 1
    filters = {"grade": grade, "population": population, "park": park}
    return render(request, "evaluation/page.html", _page(session, user, year, filters, offset))


# Results shown per page; a city grades thousands of firms a year.
RESULTS_PER_PAGE = 100


def _page(
    session: Session, user: User, year: int, filters: dict | None = None, offset: int = 0
) -> dict:
    """What ``/evaluation`` shows for ``year``; also the page a refused form is shown on."""
    filters = filters or {"grade": "", "population": "", "park": None}
    years = list(session.scalars(select(EvaluationScheme.year).order_by(EvaluationScheme.year)))
    scheme = schemes.find(session, year)
    office = policy.is_office(user)
    visible = scheme is not None and (scheme.published or office)
    chosen = {
        "grade": filters["grade"] or None,
        "park_id": filters["park"],
        "population": filters["population"] or None,
    }
    results, total = [], 0
    if visible:
        total = grading.count_results(session, year, **chosen)
        results = grading.results(session, scheme, **chosen, limit=RESULTS_PER_PAGE, offset=offset)
    distribution = grading.distribution(session, year) if visible else {}
    return {
        "year": year,
        "years": sorted({*years, year}),
        "scheme": scheme,
        "office": office,
        "admin": user.role == Role.admin,
        "visible": visible,
        "results": results,
        "results_total": total,
        "results_offset": offset,
        "results_limit": RESULTS_PER_PAGE,
        "results_query": urlencode(
            {"year": year, **{k: v for k, v in filters.items() if v not in ("", None)}}
        ),
        "distribution": distribution,
        "grades": GRADES,
        "grade_counts": [distribution.get(grade, 0) for grade in GRADES],
        "land_checks": grading.land_checks(session, year) if visible else [],
        "parks": list(session.execute(select(Park.id, Park.name).order_by(Park.name))),
        "filters": filters,
        "populations": [(p, indicators_of(p)) for p in Population],
        "measure_areas": MEASURE_AREAS,
    }


def _require_office(user) -> None:
    policy.check(user, "evaluation", Action.write)


@router.post("/evaluation/{year}/scheme/default")
def create_default(request: Request, session: DbSession, user: PageUser, year: Year):
    _require_office(user)
    schemes.create_default(session, year)
    return see_other(request, f"/evaluation?year={year}")


@router.post("/evaluation/{year}/scheme")
async def save_scheme(request: Request, session: DbSession, user: PageUser, year: Year):
    """The scheme editor's form: weights (0 or blank: not used), directions, cuts, measures.

    A refusal shows the page again with the message and what was typed.
    """
    _require_office(user)
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    scheme = schemes.find(session, year)
    stale_record = ("evaluation_scheme", scheme.id) if scheme else None
    with _refused(request, session, user, year, values=values, stale_record=stale_record):
        schemes.put(session, year, _scheme_put(values))
    return see_other(request, f"/evaluation?year={year}#scheme")


def _refused(request: Request, session: Session, user: User, year: int, **options):
    return refused_form(
        request, session, "evaluation/page.html", lambda: _page(session, user, year), **options
    )


def _scheme_put(form: dict[str, str]) -> SchemePut:
    indicators = {}
    for population in Population:
        rows = []
        for indicator in indicators_of(population):
            weight = _integer(form.get(f"w-{population.value}-{indicator.value}"), "weight")
            if weight:
                direction = form.get(f"d-{population.value}-{indicator.value}") or "higher"
                rows.append({"indicator": indicator, "weight": weight, "direction": direction})
        indicators[population] = rows
    return SchemePut.model_validate(
        {
            "version": _integer(form.get("version"), "version"),
            "indicators": indicators,
            **{cut: _integer(form.get(cut), cut) for cut in ("a_pct", "b_pct", "c_pct")},
            "measures": {
                grade: {area: form.get(f"m-{grade}-{area}") or "" for area in MEASURE_AREAS}
                for grade in GRADES
            },
        }
    )


def _integer(raw, field: str) -> int | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        raise Invalid(field, "请填写整数") from None


@router.post("/evaluation/{year}/run")
def run(request: Request, session: DbSession, user: PageUser, now: RequestTime, year: Year):
    _require_office(user)
    with _refused(request, session, user, year):
        grading.run(session, year, by=user.username, now=now)
    return see_other(request, f"/evaluation?year={year}#results")


@router.post("/evaluation/{year}/publish")
def publish(request: Request, session: DbSession, user: PageUser, now: RequestTime, year: Year):
    _require_office(user)
    with _refused(request, session, user, year):
        grading.publish(session, year, by=user.username, now=now)
    return see_other(request, f"/evaluation?year={year}")


@router.post("/evaluation/{year}/unpublish")
def unpublish(request: Request, session: DbSession, user: PageUser, year: Year):
    with _refused(request, session, user, year):
        grading.unpublish(session, year, user=user)
    return see_other(request, f"/evaluation?year={year}")
