"""File imports (SPEC §5): upload a CSV or XLSX, get the row-by-row report.

200 with the report when something was written (or the file had no rows); 422 with the report
as ``detail`` when the file was refused, so nothing was written.
"""

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile

from crm.api.deps import CurrentUser, DbSession
from crm.companies import importer as company_importer
from crm.errors import Invalid
from crm.importing import ImportRefused, ImportReport
from crm.leads import importer as lead_importer
from crm.spreadsheet import MAX_FILE_BYTES

router = APIRouter(prefix="/import", tags=["imports"])

MAX_UPLOAD = MAX_FILE_BYTES
Partial = Annotated[bool, Query(description="import the good rows even if some are bad")]
IgnoreColumns = Annotated[
    list[str],
    Query(
        description="a column of the file to leave out (repeatable); other unknown columns "
        "refuse the file"
    ),
]
Sheet = Annotated[str | None, Query(description="the workbook sheet to read (default: the first)")]
REFUSED = {422: {"description": "refused, nothing written: the report is the `detail`"}}


@router.post("/companies", response_model=ImportReport, responses=REFUSED)
def import_companies(
    file: UploadFile,
    session: DbSession,
    partial: Partial = False,
    ignore_column: IgnoreColumns = [],  # noqa: B006 (FastAPI copies query defaults)
    sheet: Sheet = None,
):
    """Companies, English or Chinese headers; duplicates (credit code, else name) merge."""
    report = company_importer.import_companies(
        session,
        _content(file),
        file.filename or "",
        partial=partial,
        ignore=ignore_column,
        sheet=sheet,
    )
    return _applied(report)


@router.post("/leads", response_model=ImportReport, responses=REFUSED)
def import_leads(
    file: UploadFile,
    session: DbSession,
    user: CurrentUser,
    partial: Partial = False,
    ignore_column: IgnoreColumns = [],  # noqa: B006 (FastAPI copies query defaults)
    sheet: Sheet = None,
):
    """Leads, English or Chinese headers. A row for a company and segment updates the lead
    already there (the one at the row's stage, else the open one); unknown companies are
    created; new leads come in at a stage before signing."""
    report = lead_importer.import_leads(
        session,
        _content(file),
        file.filename or "",
        partial=partial,
        ignore=ignore_column,
        sheet=sheet,
        by=user.username,
    )
    return _applied(report)


def _content(file: UploadFile) -> bytes:
    content = file.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise Invalid("file", f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    return content


def _applied(report: ImportReport) -> ImportReport:
    if report.errors and not report.applied:
        raise ImportRefused(report)
    return report
