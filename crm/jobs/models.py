"""An import run in the background: what was asked, how far it got, what it reported."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"  # the import ran: its report says what it wrote, or why it refused the file
    failed = "failed"  # the import broke off (an error of the server): nothing was written


class ImportJob(Base):
    __tablename__ = "import_job"
    __audit__ = False  # the import itself is audited when it writes

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # companies | leads
    filename: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str] = mapped_column(String(64), index=True)  # the username who uploaded
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # partial, ignore, sheet
    # The file, kept in the database so any worker process can read it.
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16), default=JobStatus.queued, index=True
    )
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
