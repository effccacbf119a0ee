import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel, LongText, SegmentKey
from crm.leads.models import Priority, Source, Stage, VisitKind, VisitStatus


class LeadCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    company_id: int
    segment: SegmentKey
    task_force_id: int | None = None
    owner: str | None = Field(default=None, description="username")
    specialist: str | None = Field(
        default=None, description="the specialist (项目专员) who will carry the project"
    )
    priority: Priority = Priority.B
    source: Source = Source.other
    expected_investment: Annotated[float, Field(ge=0, le=1e9)] | None = Field(
        default=None, description="万元"
    )
    expected_jobs: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    next_follow_up: dt.date | None = None
    notes: LongText | None = None
    park: str | None = Field(
        default=None,
        description="intended park (意向园区) by name; defaults to the one park leading the "
        "lead's chain, when exactly one does",
    )


class LeadUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    segment: SegmentKey | None = None
    task_force_id: int | None = None
    owner: str | None = None
    specialist: str | None = Field(default=None, description="null removes the specialist")
    priority: Priority | None = None
    source: Source | None = None
    expected_investment: Annotated[float, Field(ge=0, le=1e9)] | None = None
    expected_jobs: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    next_follow_up: dt.date | None = None
    notes: LongText | None = None
    park: str | None = Field(default=None, description="intended park (意向园区); null clears it")


class StageMove(InputModel):
    model_config = ConfigDict(extra="forbid")

    stage: Stage | Literal["resume"] = Field(
        description="the stage to move to; 'resume' returns a paused lead to the stage it left"
    )
    reason: LongText | None = None
    note: LongText | None = None
    # For signing (SPEC §3): the project's specialist, signed investment (万元) and park.
    specialist: str | None = None
    investment: Annotated[float, Field(ge=0, le=1e9)] | None = None
    park: str | None = None
    project_name: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="the project's name; by default the company and segment"
    )
    agreement_type: Literal["framework", "formal"] | None = Field(
        default=None, description="framework (框架协议) or formal (正式协议, the default)"
    )
    version: int | None = Field(default=None, description="if given, must be the lead's version")


class CompanyRef(BaseModel):
    id: int
    name: str
    city: str | None
    province: str | None


class TaskForceRef(BaseModel):
    id: int
    name: str


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: Stage | None = Field(serialization_alias="from")
    to: Stage
    at: dt.datetime
    by: str | None
    reason: str | None
    note: str | None


class LeadPublic(BaseModel):
    id: int
    company: CompanyRef
    segment: str
    chain: str
    task_force: TaskForceRef | None
    owner: str | None
    stage: Stage
    left_stage: Stage | None = Field(description="the stage a paused or lost lead left")
    halt_reason: str | None
    highest_stage: Stage
    stage_changed_at: dt.datetime
    priority: Priority
    source: Source
    expected_investment: float | None
    expected_jobs: int | None
    next_follow_up: dt.date | None
    follow_up_overdue: bool
    notes: str | None
    park: str | None = Field(description="intended park (意向园区)")
    project_id: int | None = None
    last_contact_on: dt.date | None = Field(
        None, description="the last stage move or done visit (the lead's clock)"
    )
    last_visit_on: dt.date | None = Field(None, description="the last done visit")
    light: Literal["green", "amber", "red"] | None = Field(
        None,
        description="days without contact against the priority's thresholds; "
        "none once signed, paused or lost",
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadDetail(LeadPublic):
    history: list[HistoryEntry]
    specialist: str | None = Field(None, description="the specialist named before signing")
    pause_proposed: bool = Field(
        False, description="no progress for the pause threshold (180 days): proposed for a pause"
    )


class LeadCreated(LeadDetail):
    warnings: list[str] = []


class StageMoved(LeadDetail):
    project_id: int | None = None


class VisitCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    lead_id: int
    date: dt.date
    city: Annotated[str, Field(max_length=50)] | None = None
    task_force_id: int | None = None
    participants: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    purpose: LongText | None = None
    outcome: LongText | None = None
    next_step: LongText | None = None
    status: VisitStatus = VisitStatus.planned
    kind: VisitKind = VisitKind.outbound
    received_by: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="inbound inspection (来访考察): the city leader who received it"
    )


class VisitUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    date: dt.date | None = None
    city: Annotated[str, Field(max_length=50)] | None = None
    task_force_id: int | None = None
    participants: list[Annotated[str, Field(max_length=100)]] | None = None
    purpose: LongText | None = None
    outcome: LongText | None = None
    next_step: LongText | None = None
    status: VisitStatus | None = None
    kind: VisitKind | None = None
    received_by: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class VisitPublic(BaseModel):
    id: int
    lead_id: int
    company: CompanyRef
    task_force: TaskForceRef | None
    date: dt.date
    city: str | None
    participants: list[str]
    purpose: str | None
    outcome: str | None
    next_step: str | None
    status: VisitStatus
    kind: VisitKind
    received_by: str | None
    lead_stage: Stage
    suggested_stage: Stage | None = Field(
        None, description="a done visit of a lead below 'visited' offers this move; not applied"
    )
    version: int


class LeadFilters(InputModel):
    """What GET /api/leads and its export select (query parameters)."""

    q: str | None = Field(None, description="text in the company name")
    stage: Stage | None = None
    chain: str | None = Field(None, description="chain code")
    segment: str | None = Field(None, description="'chain:segment'")
    task_force_id: int | None = None
    owner: str | None = Field(None, description="username")
    priority: Priority | None = None
    source: Source | None = None
    company_id: int | None = None
    city: str | None = Field(None, max_length=50, description="the company's city: 深圳 or 深圳市")
    province: str | None = Field(None, max_length=50, description="the company's province")
    overdue: bool | None = Field(None, description="follow-up date passed")
    not_visited_days: int | None = Field(
        None, ge=1, le=3650, description="open leads with no done visit in this many days"
    )
    not_moved_days: int | None = Field(
        None, ge=1, le=3650, description="open leads whose stage has not moved in this many days"
    )
    light: Literal["green", "amber", "red"] | None = Field(None, description="the lead's light")
    pause_proposed: bool | None = Field(None, description="proposed for a pause (长期无进展)")
