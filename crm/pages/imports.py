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
from crm.errors import NotPermitted
from crm.i18n import translate
from crm.import_review import ImportKind, dry_run, refused_rows, run_import, template_file
from crm.importing import ImportReport
from crm.pages.deps import PageUser
from crm.pages.forms import FormRejected, see_other
from crm.pages.import_messages import say
from crm.pages.templating import render, templates
from crm.spreadsheet import MAX_FILE_BYTES
from crm.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, table_bytes

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
    if staged.result is not None:
        report = ImportReport.model_validate(staged.result)
        return render(request, "imports/result.html", _context(staged, report))
    report = _dry_run(request, session, staged, user)
    return render(request, "imports/review.html", _context(staged, report))


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
    try:
        report = run_import(
            session,
            ImportKind(staged.kind),
            uploads.content(directory, staged),
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
