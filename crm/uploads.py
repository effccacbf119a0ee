"""Uploaded files kept on the server for a short time under a random token.

An import is looked at first (a dry run), then confirmed. The confirmation must trust nothing
from the browser but the file: the file stays here, named by an unguessable token, readable
only by the user who uploaded it, and gone after ``KEEP``. Alongside it a small JSON file holds
what the server decided about it (the kind of import, the columns to ignore, the result).
"""

import json
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crm.errors import Conflict, NotFound

DEFAULT_DIRECTORY = Path(tempfile.gettempdir()) / "crm-uploads"
KEEP = timedelta(minutes=30)
KEPT_PER_USER = 5  # older uploads of the same user go when a new one comes
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
MAX_NAME = 200


@dataclass
class StagedUpload:
    token: str
    owner: str
    kind: str
    filename: str
    created_at: str  # ISO time, from the application's clock
    sheet: str | None = None
    ignore: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None  # the report of the confirmed import
    job_id: int | None = None  # the confirmed import, when it runs in the background
    check_job_id: int | None = None  # the dry run of a large file, run in the background


def stage(
    directory: Path,
    *,
    owner: str,
    kind: str,
    filename: str,
    content: bytes,
    sheet: str | None,
    now: datetime,
) -> StagedUpload:
    """Keep ``content`` for ``owner``; the token names it from now on."""
    _own_folder(directory)
    _forget_old(directory, owner, now)
    upload = StagedUpload(
        token=secrets.token_urlsafe(32),
        owner=owner,
        kind=kind,
        filename=Path(filename.replace("\\", "/")).name[-MAX_NAME:] or "upload",
        created_at=now.isoformat(),
        sheet=sheet,
    )
    folder = directory / upload.token
    folder.mkdir(mode=0o700)
    _write(folder / "content", content)
    save(directory, upload)
    return upload


def load(directory: Path, token: str, *, owner: str, now: datetime) -> StagedUpload:
    """The upload ``owner`` made under ``token``; anyone else's, or an expired one, is not
    found (404), so a token says nothing about other users' files."""
    folder = directory / token if TOKEN.match(token) else None
    if folder is None or not (folder / "meta.json").is_file():
        raise NotFound("this upload is not kept any more: upload the file again")
    upload = StagedUpload(**json.loads((folder / "meta.json").read_text("utf-8")))
    if upload.owner != owner:
        raise NotFound("this upload is not kept any more: upload the file again")
    if _expired(upload, now):
        shutil.rmtree(folder, ignore_errors=True)
        raise NotFound("this upload is not kept any more: upload the file again")
    return upload


def content(directory: Path, upload: StagedUpload) -> bytes:
    return (directory / upload.token / "content").read_bytes()


def save(directory: Path, upload: StagedUpload) -> None:
    data = json.dumps(asdict(upload), ensure_ascii=False).encode()
    _write(directory / upload.token / "meta.json", data)


def claim(directory: Path, upload: StagedUpload) -> None:
    """Mark the upload as being imported; a second confirmation (a double click, two tabs)
    is refused (409) instead of importing the file twice."""
    try:
        os.close(os.open(directory / upload.token / "claimed", os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise Conflict("this file is being imported or was imported already") from None


def release(directory: Path, upload: StagedUpload) -> None:
    """Let the upload be confirmed again (its import was refused, nothing written)."""
    (directory / upload.token / "claimed").unlink(missing_ok=True)


def _own_folder(directory: Path) -> None:
    """The upload folder, created if missing, readable by this server's account alone: in a
    shared temporary folder another account could have made it first to read the files."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise RuntimeError(
            f"the upload folder {directory} belongs to another account; "
            "set CRM_UPLOAD_DIRECTORY to a folder of this server's own"
        )
    if info.st_mode & 0o077:
        directory.chmod(0o700)


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _expired(upload: StagedUpload, now: datetime) -> bool:
    created = datetime.fromisoformat(upload.created_at)
    return not (created <= now < created + KEEP)


def _forget_old(directory: Path, owner: str, now: datetime) -> None:
    """Delete every expired upload, and the owner's oldest beyond ``KEPT_PER_USER - 1``."""
    mine: list[StagedUpload] = []
    for meta in directory.glob("*/meta.json"):
        try:
            upload = StagedUpload(**json.loads(meta.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if _expired(upload, now):
            shutil.rmtree(meta.parent, ignore_errors=True)
        elif upload.owner == owner:
            mine.append(upload)
    mine.sort(key=lambda upload: upload.created_at)
    for upload in mine[: max(0, len(mine) - KEPT_PER_USER + 1)]:
        shutil.rmtree(directory / upload.token, ignore_errors=True)
