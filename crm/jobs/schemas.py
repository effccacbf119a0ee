from datetime import datetime

from pydantic import BaseModel, Field

from crm.importing import ImportReport
from crm.jobs.models import JobStatus


class ImportJobPublic(BaseModel):
    """An import running in the background, or its outcome."""

    id: int
    kind: str = Field(description="companies or leads")
    filename: str
    owner: str = Field(description="the user who uploaded the file")
    dry_run: bool = Field(
        False, description="a check of the file: its report says what an import would do"
    )
    status: JobStatus = Field(description="queued, running, done or failed")
    rows_done: int = Field(description="rows read so far")
    rows_total: int | None = Field(description="rows in the file, once counted")
    refused: bool = Field(description="done, but the file was refused: nothing was written")
    report: ImportReport | None = Field(description="the row-by-row report, once done")
    error: str | None = Field(description="why the import broke off (status failed)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
