"""亩均 figures: local firms' yearly figures, the city's yearly totals, and park figures."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import DbSession, PageParams
from crm.evaluation import figures, park_figures
from crm.evaluation.figure_schemas import (
    CityCreate,
    CityPublic,
    CityUpdate,
    FigureCreate,
    FigurePublic,
    FigureUpdate,
    Year,
)
from crm.listing import ListResult

router = APIRouter(tags=["figures"])
FORBIDDEN = {403: {"description": "the role may not do this"}}


@router.get("/figures", response_model=ListResult[FigurePublic])
def list_figures(
    session: DbSession,
    page: PageParams,
    year: Annotated[Year | None, Query()] = None,
    park: Annotated[int | None, Query(description="park id")] = None,
    q: Annotated[
        str | None, Query(max_length=64, description="name or credit code contains")
    ] = None,
    above_size: Annotated[bool | None, Query()] = None,
):
    """Yearly figures of local firms, newest year first."""
    query = figures.filtered_query(year=year, park_id=park, q=q, above_size=above_size)
    items, total = figures.list_page(session, query, page)
    return {"items": [figures.public(row) for row in items], "total": total}


@router.get("/companies/{company_id}/figures", response_model=list[FigurePublic])
def company_figures(company_id: int, session: DbSession):
    figures.local_company(session, company_id)
    return [figures.public(row) for row in figures.of_company(session, company_id)]


@router.post(
    "/companies/{company_id}/figures",
    response_model=FigurePublic,
    status_code=201,
    responses=FORBIDDEN,
)
def create_figures(company_id: int, data: FigureCreate, session: DbSession):
    return figures.public(figures.create(session, company_id, data))


@router.get("/figures/{figure_id}", response_model=FigurePublic)
def get_figures(figure_id: int, session: DbSession):
    return figures.public(figures.get(session, figure_id))


@router.patch("/figures/{figure_id}", response_model=FigurePublic, responses=FORBIDDEN)
def update_figures(figure_id: int, data: FigureUpdate, session: DbSession):
    row = figures.update(session, figures.get(session, figure_id), data)
    session.refresh(row)
    return figures.public(row)


@router.delete("/figures/{figure_id}", status_code=204, responses=FORBIDDEN)
def delete_figures(figure_id: int, session: DbSession) -> Response:
    figures.delete(session, figures.get(session, figure_id))
    return Response(status_code=204)


# --- the city's totals and the parks' figures ---------------------------------------------------


@router.get("/city-figures", response_model=list[CityPublic])
def list_city_figures(session: DbSession):
    return park_figures.list_city_years(session)


@router.post("/city-figures", response_model=CityPublic, status_code=201, responses=FORBIDDEN)
def create_city_figures(data: CityCreate, session: DbSession):
    return park_figures.create_city_year(session, data)


@router.patch("/city-figures/{city_year_id}", response_model=CityPublic, responses=FORBIDDEN)
def update_city_figures(city_year_id: int, data: CityUpdate, session: DbSession):
    city = park_figures.get_city_year(session, city_year_id)
    city = park_figures.update_city_year(session, city, data)
    session.refresh(city)
    return city


@router.get("/park-figures")
def parks_figures(session: DbSession, year: Annotated[Year, Query()]) -> dict:
    """Per park and for all parks: land, output, added value and tax of the firms reporting,
    per mu, shares of the city's totals, and the change on the year before."""
    return park_figures.park_figures(session, year)
