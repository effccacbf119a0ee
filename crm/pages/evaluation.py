"""亩均论英雄: ``/evaluation`` (the year's scheme editor, run, publish, results with the grade
distribution, land checks, the XLSX list) over the services of ``/api/evaluation``."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role
from crm.auth.policy import Action
from crm.clock import local_date
from crm.companies.models import Park
from crm.errors import Invalid
from crm.evaluation import grading
from crm.evaluation import scheme as schemes
from crm.evaluation.grading_models import EvaluationScheme
from crm.evaluation.scheme import (
    BELOW_SIZE,
    GRADE_LABELS,
    GRADES,
    INDICATOR_LABELS,
    MEASURE_AREAS,
    MEASURE_LABELS,
    POPULATION_LABELS,
    Indicator,
    Population,
    SchemePut,
)
from crm.pages.deps import PageUser
from crm.pages.forms import see_other
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
):
    years = list(session.scalars(select(EvaluationScheme.year).order_by(EvaluationScheme.year)))
    year = year or grading.latest_published_year(session) or local_date(now).year - 1
    scheme = schemes.find(session, year)
    office = policy.is_office(user)
    visible = scheme is not None and (scheme.published or office)
    results = (
        grading.results(
            session, scheme, grade=grade or None, park_id=park, population=population or None
        )
        if visible
        else []
    )
    distribution = grading.distribution(session, year) if visible else {}
    context = {
        "year": year,
        "years": sorted({*years, year}),
        "scheme": scheme,
        "office": office,
        "admin": user.role == Role.admin,
        "visible": visible,
        "results": results,
        "distribution": distribution,
        "grade_names": [f"{grade} {GRADE_LABELS[grade]}" for grade in GRADES],
        "grade_counts": [distribution.get(grade, 0) for grade in GRADES],
        "land_checks": grading.land_checks(session, year) if visible else [],
        "parks": list(session.execute(select(Park.id, Park.name).order_by(Park.name))),
        "filters": {"grade": grade, "population": population, "park": park},
        "populations": [(p, POPULATION_LABELS[p], indicators_of(p)) for p in Population],
        "indicator_labels": INDICATOR_LABELS,
        "population_labels": {p.value: label for p, label in POPULATION_LABELS.items()},
        "grades": GRADES,
        "grade_labels": GRADE_LABELS,
        "measure_areas": MEASURE_AREAS,
        "measure_labels": MEASURE_LABELS,
    }
    return render(request, "evaluation/page.html", context)


def _require_office(user) -> None:
    policy.check(user, "evaluation", Action.write)


@router.post("/evaluation/{year}/scheme/default")
def create_default(request: Request, session: DbSession, user: PageUser, year: Year):
    _require_office(user)
    schemes.create_default(session, year)
    return see_other(request, f"/evaluation?year={year}")


@router.post("/evaluation/{year}/scheme")
async def save_scheme(request: Request, session: DbSession, user: PageUser, year: Year):
    """The scheme editor's form: weights (0 or blank: not used), directions, cuts, measures."""
    _require_office(user)
    form = await request.form()
    indicators = {}
    for population in Population:
        rows = []
        for indicator in indicators_of(population):
            weight = _integer(form.get(f"w-{population.value}-{indicator.value}"), "weight")
            if weight:
                direction = form.get(f"d-{population.value}-{indicator.value}") or "higher"
                rows.append({"indicator": indicator, "weight": weight, "direction": direction})
        indicators[population] = rows
    data = SchemePut.model_validate(
        {
            "version": _integer(form.get("version"), "version"),
            "indicators": indicators,
            **{cut: _integer(form.get(cut), cut) for cut in ("a_pct", "b_pct", "c_pct")},
            "measures": {
                grade: {area: str(form.get(f"m-{grade}-{area}") or "") for area in MEASURE_AREAS}
                for grade in GRADES
            },
        }
    )
    schemes.put(session, year, data)
    return see_other(request, f"/evaluation?year={year}#scheme")


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
    grading.run(session, year, by=user.username, now=now)
    return see_other(request, f"/evaluation?year={year}#results")


@router.post("/evaluation/{year}/publish")
def publish(request: Request, session: DbSession, user: PageUser, now: RequestTime, year: Year):
    _require_office(user)
    grading.publish(session, year, by=user.username, now=now)
    return see_other(request, f"/evaluation?year={year}")


@router.post("/evaluation/{year}/unpublish")
def unpublish(request: Request, session: DbSession, user: PageUser, year: Year):
    grading.unpublish(session, year, user=user)
    return see_other(request, f"/evaluation?year={year}")
