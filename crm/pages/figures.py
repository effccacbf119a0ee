"""亩均 pages: a local firm's yearly figures on its company page (table and add/edit form,
loaded by htmx into ``/companies/{id}``), and ``/parks/figures`` (park figures for a year, with
the city's totals, a chart, the XLSX export and the city totals form).

The same services as ``/api/companies/{id}/figures``, ``/api/park-figures`` and
``/api/city-figures``.
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from crm.api.deps import DbSession
from crm.auth import policy
from crm.auth.models import User
from crm.errors import Invalid
from crm.evaluation import figures, park_figures
from crm.evaluation.city_models import CityYear
from crm.evaluation.figure_schemas import (
    CityCreate,
    CityUpdate,
    FigureCreate,
    FigureUpdate,
    Year,
)
from crm.i18n import translate
from crm.pages.deps import PageUser
from crm.pages.forms import FormRejected, form_values, refused_form, see_other
from crm.pages.templating import is_htmx, render
from crm.table_writing import XLSX_MEDIA_TYPE, table_bytes

router = APIRouter(include_in_schema=False)

CompanyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FIGURE_FIELDS = (
    "land_own_mu",
    "land_rented_mu",
    "revenue",
    "tax",
    "added_value",
    "energy_tce",
    "emissions",
    "rd_spend",
    "employees",
    "fixed_asset_investment",
)
CITY_FIELDS = ("land_mu", "gdp", "industrial_output", "tax_revenue")
EXPORT_COLUMNS = (
    "park",
    "firms",
    "land_mu",
    "revenue",
    "added_value",
    "tax",
    "revenue_per_mu",
    "tax_per_mu",
    "land_share",
    "gdp_share",
    "output_share",
    "tax_share",
)


def _may_write(user: User) -> bool:
    return policy.is_office(user)


def _require_write(user: User) -> None:
    policy.check(user, "figures", policy.Action.write)


# --- a firm's years, on its company page -----------------------------------------------------


def _company_context(session, user: User, company_id: int, edit: int | None = None) -> dict:
    company = figures.local_company(session, company_id)
    rows = [figures.public(row) for row in figures.of_company(session, company_id)]
    editing = next((row for row in rows if row["id"] == edit), None)
    return {
        "company": company,
        "rows": rows,
        "editing": editing,
        "may_write": _may_write(user),
        "fields": FIGURE_FIELDS,
        "errors": {},
        "values": {},
    }


@router.get("/companies/{company_id}/figures")
def company_figures(
    request: Request,
    session: DbSession,
    user: PageUser,
    company_id: CompanyId,
    edit: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """The firm's yearly figures panel (and, with ``edit``, the form filled with that year)."""
    context = _company_context(session, user, company_id, edit)
    return render(request, "figures/_company.html", context)


@router.post("/companies/{company_id}/figures")
async def save_company_figures(
    request: Request, session: DbSession, user: PageUser, company_id: CompanyId
):
    """Add a year, or (with ``figure_id`` and ``version``) change one; back to the panel."""
    values = await form_values(request)
    _require_write(user)
    values["above_size"] = values.get("above_size") == "on"

    def context() -> dict[str, Any]:
        return _company_context(session, user, company_id)

    try:
        _save_year(request, session, company_id, values, context)
    except FormRejected as refused:
        if is_htmx(request):
            # htmx swaps no error response: the panel with its messages comes back as a page
            # part (the form's own fields carry aria-invalid and the message).
            refused.response.status_code = 200
        raise
    return see_other(request, f"/companies/{company_id}#figures")


def _save_year(request: Request, session, company_id: int, values: dict, context) -> None:
    with refused_form(request, session, "figures/_company.html", context, values=values):
        figure_id = values.pop("figure_id", None)
        if figure_id:
            row = figures.get(session, _int("figure_id", figure_id))
            if row.company_id != company_id:
                raise Invalid("figure_id", "these figures belong to another company")
            fields = {k: v for k, v in values.items() if k != "year"}
            data = {**dict.fromkeys(FIGURE_FIELDS), **fields, "year": values.get("year")}
            figures.update(session, row, FigureUpdate.model_validate(data))
        else:
            figures.create(session, company_id, FigureCreate.model_validate(values))


def _int(field: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Invalid(field, f"{field} must be a whole number") from None


# --- park figures ----------------------------------------------------------------------------


def _year(session, year: int | None) -> tuple[int, list[int]]:
    known = park_figures.years(session)
    if year is None:
        year = known[0] if known else 2025
    return year, known


@router.get("/parks/figures")
def parks_figures_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    year: Annotated[Year | None, Query()] = None,
):
    year, known = _year(session, year)
    context = _park_context(session, user, year, known)
    return render(request, "figures/parks.html", context)


def _park_context(session, user: User, year: int, known: list[int]) -> dict:
    report = park_figures.park_figures(session, year)
    return {
        "year": year,
        "years": sorted({*known, year}, reverse=True),
        "report": report,
        "may_write": _may_write(user),
        "city_fields": CITY_FIELDS,
        "errors": {},
        "values": {},
    }


@router.get("/parks/figures.xlsx")
def parks_figures_export(
    request: Request,
    session: DbSession,
    user: PageUser,
    year: Annotated[Year | None, Query()] = None,
):
    """The park figures table of the year as a workbook (Chinese headers)."""
    lang = getattr(request.state, "lang", "zh")
    year, _ = _year(session, year)
    report = park_figures.park_figures(session, year)
    headers = [translate(lang, f"figures.{column}") for column in EXPORT_COLUMNS]
    rows = [[item[c] for c in EXPORT_COLUMNS] for item in [*report["items"], report["total"]]]
    name = f"园区亩均-{year}.xlsx"
    disposition = (
        f"attachment; filename=\"park-figures-{year}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return Response(
        table_bytes("xlsx", headers, rows),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": disposition},
    )


@router.post("/parks/figures/city")
async def save_city_figures(request: Request, session: DbSession, user: PageUser):
    """Enter or change the city's totals of a year (admin and staff); back to that year."""
    values = await form_values(request)
    _require_write(user)
    year = values.get("year")

    def context() -> dict[str, Any]:
        shown, known = _year(session, _int_or_none(year))
        return _park_context(session, user, shown, known)

    with refused_form(request, session, "figures/parks.html", context, values=values):
        version = values.pop("version", None)
        data = CityCreate.model_validate({**dict.fromkeys(CITY_FIELDS), **values})
        city = session.scalar(select(CityYear).where(CityYear.year == data.year))
        if city is None:
            park_figures.create_city_year(session, data)
        else:
            changes = data.model_dump(exclude={"year"})
            update = CityUpdate.model_validate({**changes, "version": version})
            park_figures.update_city_year(session, city, update)
    return see_other(request, f"/parks/figures?year={data.year}")


def _int_or_none(text: Any) -> int | None:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if 1990 <= value <= 2100 else None
