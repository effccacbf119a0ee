"""The monthly bulletin page ``/reports/monthly`` and its workbook download: the same
report as ``GET /api/reports/monthly`` and ``crm report monthly`` (one service)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from crm.api.deps import DbSession, RequestTime
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.reports.monthly import INDICATORS, RATES, monthly_report
from crm.reports.xlsx import workbook_bytes
from crm.table_writing import XLSX_MEDIA_TYPE

router = APIRouter(include_in_schema=False)

MonthParam = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
SECTIONS = ("city", "unit_kind", "park", "county", "chain")


def _month(value: str | None, today: date) -> tuple[int, int]:
    """The month asked for, by default the last complete month (what a bulletin reports)."""
    if value:
        year, month = value.split("-")
        return int(year), int(month)
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


@router.get("/reports/monthly")
def monthly(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, month: MonthParam = None
):
    year, number = _month(month, now.date())
    report = monthly_report(session, year, number)
    context = {
        "report": report,
        "picked": f"{year:04d}-{number:02d}",
        "indicators": INDICATORS,
        "rates": RATES,
        "sections": _sections(report.rows),
    }
    return render(request, "reports/monthly.html", context, block="content")


@router.get("/reports/monthly.xlsx")
def monthly_workbook(
    session: DbSession, user: PageUser, now: RequestTime, month: MonthParam = None
):
    year, number = _month(month, now.date())
    content = workbook_bytes(monthly_report(session, year, number))
    filename = f"bulletin-{year:04d}-{number:02d}.xlsx"
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _sections(rows) -> list[dict]:
    """Rows in blocks for the table: the city, units (by kind), parks, counties, chains."""
    blocks: dict[str, list] = {"city": [], "units": [], "park": [], "county": [], "chain": []}
    for row in rows:
        blocks["units" if row.section in ("unit_kind", "unit") else row.section].append(row)
    return [{"key": key, "rows": rows} for key, rows in blocks.items() if rows]
