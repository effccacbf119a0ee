"""Imports: ``/imports`` — upload a companies or leads file, look at its dry run, confirm.

The uploaded file is kept on the server under a random token (``crm.uploads``) for the
confirmation, so the confirmation trusts nothing from the browser but that token, which only
the uploader may use. The dry run and the import are the importers the API uses.
"""

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUploadFile

from crm import uploads
from crm.api.deps import DbSession, RequestTime
from crm.auth.models import User
from crm.auth.policy import Action, check
from crm.errors import NotFound, NotPermitted
from crm.i18n import translate
from crm.import_review import ImportKind, dry_run, refused_rows, run_import, template_file
from crm.importing import ImportReport
from crm.jobs import service as job_service
from crm.jobs.models import JobStatus
from crm.jobs.schemas import ImportJobPublic
from crm.pages.deps import PageUser
from crm.pages.forms import FormRejected, see_other
from crm.pages.import_messages import say
from crm.pages.templating import render, templates
from crm.spreadsheet import MAX_FILE_BYTES
from crm.table_writing import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, table_bytes

router = APIRouter(include_in_schema=False)

UNKNOWN_COLUMN = re.compile(
    r"^unknown column '(?P<column>.*)'(?: \(did you mean (?P<close>.*)\?\))?:"
)
QUOTED = re.compile(r"'([^']*)'")
TOKEN_PATH = r"^[A-Za-z0-9_-]{43}$"


def role_may_write(account, resource: str) -> bool:
    """Whether the signed-in user's role may change ``resource`` (for the nav)."""
    try:
        check(account, resource, Action.write)
    except NotPermitted:
        return False
    return True


templates.env.globals["role_may_write"] = role_may_write
templates.env.globals["import_message"] = lambda t, message: say(t.lang, message)


def importer(user: PageUser) -> User:
    """Only the roles the policy lets import files see these pages (403 for the others)."""
    check(user, "imports", Action.write)
    return user


Importer = Annotated[User, Depends(importer)]
Token = Annotated[str, PathParam(pattern=TOKEN_PATH)]


def upload_directory(request: Request) -> Path:
    state = request.app.state
    override = getattr(state, "upload_directory", None)  # tests keep their own folder
    return override or state.settings.upload_directory or uploads.DEFAULT_DIRECTORY


@router.get("/imports")
def import_form(request: Request, user: Importer):
    return render(request, "imports/upload.html", {"kinds": list(ImportKind)})


@router.post("/imports")
async def upload(
    request: Request,
    user: Importer,
    now: RequestTime,
    kind: Annotated[ImportKind, Form()],
    sheet: Annotated[str, Form(max_length=100)] = "",
):
    # Read from the form itself: a browser posts "no file chosen" as an empty text field,
    # which a declared file parameter would turn into an error page, not a message.
    file = (await request.form()).get("file")
    if not isinstance(file, StarletteUploadFile):
        file = None
    content = await file.read(MAX_FILE_BYTES + 1) if file else b""
    message = None
    if file is None or not file.filename or not content:
        message = "imports.error.no_file"
    elif len(content) > MAX_FILE_BYTES:
        message = "imports.error.too_large"
    if message:
        errors = {"file": translate(getattr(request.state, "lang", "zh"), message)}
        context = {"kinds": list(ImportKind), "errors": errors, "values": {"kind": kind.value}}
        return render(request, "imports/upload.html", context, status_code=422)
    staged = uploads.stage(
        upload_directory(request),
        owner=user.username,
        kind=kind.value,
        filename=file.filename,
        content=content,
        sheet=sheet.strip() or None,
        now=now,
    )
    return see_other(request, f"/imports/{staged.token}")


@router.get("/imports/template/{kind}.xlsx")
def template(user: Importer, kind: ImportKind):
    return _download(template_file(kind), XLSX_MEDIA_TYPE, f"{kind.value}-template.xlsx")


@router.get("/imports/{token}")
def review(request: Request, session: DbSession, user: Importer, now: RequestTime, token: Token):
    staged = _load(request, token, user, now)
    if staged.result is None and staged.job_id is not None:
        return _job_page(request, session, staged, user)
    if staged.result is not None:
        report = ImportReport.model_validate(staged.result)
        return render(request, "imports/result.html", _context(staged, report))
    check = _checked(request, session, staged, user)
    if isinstance(check, ImportJobPublic):  # a large file, still being checked
        return render(request, "imports/progress.html", {"upload": staged, "job": check})
    return render(request, "imports/review.html", _context(staged, check))


@router.post("/imports/{token}/ignore")
def ignore_columns(
    request: Request,
    user: Importer,
    now: RequestTime,
    token: Token,
    column: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 (FastAPI copies)
):
    staged = _load(request, token, user, now)
    staged.ignore = list(dict.fromkeys([*staged.ignore, *column]))[:200]
    staged.check_job_id = None  # checked again, without those columns
    uploads.save(upload_directory(request), staged)
    return see_other(request, f"/imports/{token}")


@router.post("/imports/{token}/confirm")
def confirm(
    request: Request,
    session: DbSession,
    user: Importer,
    now: RequestTime,
    token: Token,
    mode: Annotated[Literal["all", "good"], Form()],
):
    directory = upload_directory(request)
    staged = _load(request, token, user, now)
    uploads.claim(directory, staged)
    content = uploads.content(directory, staged)
    if len(content) > request.app.state.settings.import_background_bytes:
        return _in_background(request, session, user, staged, content, partial=mode == "good")
    try:
        report = run_import(
            session,
            ImportKind(staged.kind),
            content,
            staged.filename,
            partial=mode == "good",
            ignore=staged.ignore,
            sheet=staged.sheet,
            by=user.username,
        )
        if report.applied:
            session.commit()  # written to the database before the page says it was done
    except BaseException:
        uploads.release(directory, staged)
        raise
    if report.errors and not report.applied:  # refused whole: nothing was written
        uploads.release(directory, staged)
        page = render(
            request, "imports/review.html", _context(staged, report, refused=True), status_code=422
        )
        raise FormRejected(page)
    staged.result = report.model_dump(mode="json")
    uploads.save(directory, staged)
    return see_other(request, f"/imports/{token}")


@router.get("/imports/{token}/refused.{file_format}")
def refused_file(
    request: Request,
    session: DbSession,
    user: Importer,
    now: RequestTime,
    token: Token,
    file_format: Literal["xlsx", "csv"],
):
    staged = _load(request, token, user, now)
    if staged.result is not None:
        report = ImportReport.model_validate(staged.result)
    elif staged.job_id is not None or staged.check_job_id is not None:
        report = job_service.get_for(session, staged.job_id or staged.check_job_id, user).report
        report = ImportReport.model_validate(report or {})
    else:
        report = _dry_run(request, session, staged, user)
    lang = getattr(request.state, "lang", "zh")
    for error in report.errors:
        error.message = say(lang, error.message)
    headers, rows = refused_rows(
        uploads.content(upload_directory(request), staged),
        staged.filename,
        report,
        sheet=staged.sheet,
        error_header=translate(lang, "imports.error_column"),
    )
    media = XLSX_MEDIA_TYPE if file_format == "xlsx" else CSV_MEDIA_TYPE
    name = f"{Path(staged.filename).stem}-refused.{file_format}"
    return _download(table_bytes(file_format, headers, rows), media, name)


@router.get("/imports/{token}/progress")
def job_progress(
    request: Request, session: DbSession, user: Importer, now: RequestTime, token: Token
):
    """The progress of a background import or check, polled by its page; once it has
    finished, the page is sent to its result."""
    staged = _load(request, token, user, now)
    if staged.job_id is None and staged.check_job_id is None:
        raise NotFound(f"nothing runs in the background for upload {token}")
    job = _job(request, session, staged, user)
    if job.status in (JobStatus.done, JobStatus.failed):
        return Response(status_code=200, headers={"HX-Redirect": f"/imports/{token}"})
    return render(request, "imports/_progress.html", {"upload": staged, "job": job})


def _in_background(request: Request, session, user: User, staged, content: bytes, *, partial: bool):
    """Hand a large file to the job runner; its page shows the progress, then the result."""
    staged.job_id = _submit(request, session, user, staged, content, partial=partial)
    uploads.save(upload_directory(request), staged)
    return see_other(request, f"/imports/{staged.token}")


def _submit(request: Request, session, user: User, staged, content: bytes, **options) -> int:
    job = job_service.submit(
        session,
        kind=ImportKind(staged.kind),
        content=content,
        filename=staged.filename,
        owner=user.username,
        ignore=staged.ignore,
        sheet=staged.sheet,
        **options,
    )
    session.commit()  # before the worker looks for it
    request.app.state.jobs.submit(job.id)
    return job.id


def _checked(
    request: Request, session, staged: uploads.StagedUpload, user: User
) -> ImportReport | ImportJobPublic:
    """The dry run's report; for a large file, the dry run runs in the background like its
    import would, and until it has finished this is its job (the page shows the progress)."""
    directory = upload_directory(request)
    content = uploads.content(directory, staged)
    if len(content) <= request.app.state.settings.import_background_bytes:
        return _dry_run(request, session, staged, user)
    if staged.check_job_id is None:
        staged.check_job_id = _submit(
            request, session, user, staged, content, partial=True, check_only=True
        )
        uploads.save(directory, staged)
    job = _job(request, session, staged, user)
    if job.status == JobStatus.done and job.report is not None:
        return job.report
    return job


def _job(request: Request, session, staged: uploads.StagedUpload, user: User) -> ImportJobPublic:
    """The upload's import when it was confirmed, else its check."""
    job = job_service.get_for(session, staged.job_id or staged.check_job_id, user)
    return job_service.public(job, request.app.state.jobs.live_progress(job.id))


def _job_page(request: Request, session, staged: uploads.StagedUpload, user: User):
    job = _job(request, session, staged, user)
    if job.status != JobStatus.done or job.report is None:
        return render(request, "imports/progress.html", {"upload": staged, "job": job})
    if job.refused:  # nothing was written: the file may be confirmed again (its good rows)
        uploads.release(upload_directory(request), staged)
        staged.job_id = None
        uploads.save(upload_directory(request), staged)
        context = _context(staged, job.report, refused=True)
        return render(request, "imports/review.html", context)
    staged.result = job.report.model_dump(mode="json")
    uploads.save(upload_directory(request), staged)
    return render(request, "imports/result.html", _context(staged, job.report))


def _load(request: Request, token: str, user: User, now) -> uploads.StagedUpload:
    return uploads.load(upload_directory(request), token, owner=user.username, now=now)


def _dry_run(request: Request, session, staged: uploads.StagedUpload, user: User) -> ImportReport:
    return dry_run(
        session,
        ImportKind(staged.kind),
        uploads.content(upload_directory(request), staged),
        staged.filename,
        ignore=staged.ignore,
        sheet=staged.sheet,
        by=user.username,
    )


def _context(staged: uploads.StagedUpload, report: ImportReport, refused: bool = False) -> dict:
    file_errors = report.errors if report.file_refused else []
    return {
        "upload": staged,
        "report": report,
        "refused_whole": refused,
        "file_errors": file_errors,
        "row_errors": [] if report.file_refused else report.errors,
        "unknown": [_unknown_column(e.message) for e in file_errors],
        "good_rows": max(0, report.rows - report.refused),
    }


def _unknown_column(message: str) -> tuple[str, list[str]] | None:
    """(column, closest known headers) of the importer's "unknown column" message."""
    match = UNKNOWN_COLUMN.match(message)
    if match is None:
        return None
    return match["column"], QUOTED.findall(match["close"] or "")


def _download(content: bytes, media_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
