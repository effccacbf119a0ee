"""Schemas of a project's milestone plan, funding schedule and lights."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm.fields import InputModel, LongText
from crm.projects.models import Light, MilestoneKind, Verification
from crm.projects.schemas import Link


class MilestoneUpdate(InputModel):
    """Change a milestone: its planned date, the actual date it happened (null: not yet),
    a link to the evidence, a note. A new actual date or evidence asks for verification again."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the milestone's version, as read")
    planned_on: dt.date | None = None
    actual_on: dt.date | None = None
    evidence_url: Link | None = None
    note: LongText | None = None


class VerificationDecision(InputModel):
    """Accept or reject a recorded milestone; a rejection says why (opinion)."""

    model_config = ConfigDict(extra="forbid")

    decision: Verification = Field(description="accepted or rejected")
    opinion: LongText | None = None

    @model_validator(mode="after")
    def _decided(self) -> "VerificationDecision":
        if self.decision == Verification.pending:
            raise ValueError("decision is accepted or rejected")
        return self


class EvidenceFilePublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str
    at: dt.datetime
    by: str | None


class MilestonePublic(BaseModel):
    kind: MilestoneKind
    version: int
    planned_on: dt.date
    actual_on: dt.date | None
    light: Light
    days_late: int = Field(description="days since the planned month ended, if not reached")
    evidence_url: str | None
    evidence_file: EvidenceFilePublic | None
    note: str | None
    recorded_by: str | None
    recorded_at: dt.datetime | None
    verification: Verification | None
    opinion: str | None
    verified_by: str | None
    verified_at: dt.datetime | None
    counts_in_reports: bool


class MilestonePlan(BaseModel):
    project_id: int
    signed_on: dt.date
    light: Light
    milestones: list[MilestonePublic]


class InstalmentCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    due_on: dt.date
    amount: Annotated[float, Field(gt=0, le=1e9, description="万元")]
    note: LongText | None = None


class InstalmentPublic(BaseModel):
    id: int
    due_on: dt.date
    amount: float
    due_to_date: float = Field(description="the schedule's total up to this instalment, 万元")
    met: bool = Field(description="the money in place covers the schedule up to here")
    days_late: int
    light: Light
    note: str | None
    by: str | None
    at: dt.datetime


class FundingSchedule(BaseModel):
    project_id: int
    scheduled: float
    received: float
    light: Light
    instalments: list[InstalmentPublic]


class WatchlistCounts(BaseModel):
    """How many projects are in each list, and how many are amber and red."""

    overdue_start: int
    not_started: int
    started_stalled: int
    not_completed: int
    amber: int
    red: int
