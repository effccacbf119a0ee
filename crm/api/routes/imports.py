"""File imports (SPEC §5): upload a CSV or XLSX, get the row-by-row report.

200 with the report when something was written (or the file had no rows); 422 with the report
as ``detail`` when the file was refused, so nothing was written. A large file (over
``CRM_IMPORT_BACKGROUND_BYTES``, or with ``background=true``) runs as a background job: 202
with the job, whose progress and report ``GET /api/imports/{id}`` gives.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from crm.api.deps import CurrentUser, DbSession
from crm.companies import importer as company_importer
from crm.errors import Invalid
from crm.evaluation import figure_import
from crm.import_review import ImportKind
from crm.importing import ImportRefused, ImportReport
from crm.jobs import service as job_service
from crm.jobs.schemas import ImportJobPublic
from crm.leads import importer as lead_importer
from crm.spreadsheet import MAX_FILE_BYTES

router = APIRouter(prefix="/import", tags=["imports"])
jobs_router = APIRouter(prefix="/imports", tags=["imports"])

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
Background = Annotated[
    bool | None,
    Query(
        description="run as a background job (202 and the job); by default only files over "
        "the size setting do"
    ),
]
REFUSED = {
    202: {"model": ImportJobPublic, "description": "a background job: follow its `id`"},
    422: {"description": "refused, nothing written: the report is the `detail`"},
}


@router.post("/companies", response_model=ImportReport, responses=REFUSED)
def import_companies(
    request: Request,
    file: UploadFile,
    session: DbSession,
    user: CurrentUser,
    partial: Partial = False,
    ignore_column: IgnoreColumns = [],  # noqa: B006 (FastAPI copies query defaults)
    sheet: Sheet = None,
    background: Background = None,
):
    """Companies, English or Chinese headers; duplicates (credit code, else name) merge."""
    content = _content(file)
    if _in_background(request, content, background):
        return _submit(
            request,
            session,
            user,
            ImportKind.companies,
            file,
            content,
            partial,
            ignore_column,
            sheet,
        )
    report = company_importer.import_companies(
        session,
        content,
        file.filename or "",
        partial=partial,
        ignore=ignore_column,
        sheet=sheet,
    )
    return _applied(report)


@router.post("/leads", response_model=ImportReport, responses=REFUSED)
def import_leads(
    request: Request,
    file: UploadFile,
    session: DbSession,
    user: CurrentUser,
    partial: Partial = False,
    ignore_column: IgnoreColumns = [],  # noqa: B006 (FastAPI copies query defaults)
    sheet: Sheet = None,
    background: Background = None,
):
    """Leads, English or Chinese headers. A row for a company and segment updates the lead
    already there (the one at the row's stage, else the open one); unknown companies are
    created; new leads come in at a stage before signing."""
    content = _content(file)
    if _in_background(request, content, background):
        return _submit(
            request, session, user, ImportKind.leads, file, content, partial, ignore_column, sheet
        )
    report = lead_importer.import_leads(
        session,
        content,
        file.filename or "",
        partial=partial,
        ignore=ignore_column,
        sheet=sheet,
        by=user.username,
    )
    return _applied(report)


@router.post("/figures", response_model=ImportReport, responses=REFUSED)
def import_figures(
    request: Request,
    file: UploadFile,
    session: DbSession,
    user: CurrentUser,
    partial: Partial = False,
    ignore_column: IgnoreColumns = [],  # noqa: B006 (FastAPI copies query defaults)
    sheet: Sheet = None,
    background: Background = None,
):
    """Local firms' yearly figures (亩均), Chinese or English headers; a row for a firm
    (credit code, else name) and year already stored updates it."""
    content = _content(file)
    if _in_background(request, content, background):
        kind = ImportKind.figures
        return _submit(request, session, user, kind, file, content, partial, ignore_column, sheet)
    report = figure_import.import_figures(
        session, content, file.filename or "", partial=partial, ignore=ignore_column, sheet=sheet
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


@jobs_router.get(
    "/{job_id}",
    response_model=ImportJobPublic,
    responses={403: {"description": "the role may not import, or the job is someone else's"}},
)
def import_job(request: Request, job_id: int, session: DbSession, user: CurrentUser):
    """A background import: status (queued, running, done, failed), rows done of rows in
    all, and the report once done. Only the user who uploaded the file, or an admin."""
    job = job_service.get_for(session, job_id, user)
    return job_service.public(job, request.app.state.jobs.live_progress(job.id))


def _in_background(request: Request, content: bytes, asked: bool | None) -> bool:
    if asked is not None:
        return asked
    return len(content) > request.app.state.settings.import_background_bytes


def _submit(request, session, user, kind, file, content, partial, ignore, sheet) -> JSONResponse:
    job = job_service.submit(
        session,
        kind=kind,
        content=content,
        filename=file.filename or "",
        owner=user.username,
        partial=partial,
        ignore=ignore,
        sheet=sheet,
    )
    session.commit()  # before the worker looks for it
    request.app.state.jobs.submit(job.id)
    body = job_service.public(job).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/imports/{job.id}"})
