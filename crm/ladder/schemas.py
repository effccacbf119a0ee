import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel, LongText
from crm.ladder.models import MeasureStatus, PlanStatus, Tier

Year = Annotated[int, Field(ge=2000, le=2100)]
Document = Annotated[str, Field(min_length=1, max_length=200)]


class TierCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    tier: Tier
    entered_on: dt.date
    left_on: dt.date | None = None
    source_document: Document | None = Field(default=None, description="文号 or the list's title")
    note: LongText | None = None


class TierUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    entered_on: dt.date | None = None
    left_on: dt.date | None = None
    source_document: Document | None = None
    note: LongText | None = None


class TierEnd(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    left_on: dt.date
    note: LongText | None = None


class TierPublic(BaseModel):
    id: int
    company_id: int
    company: str
    tier: Tier
    entered_on: dt.date
    left_on: dt.date | None
    current: bool
    source_document: str | None
    note: str | None
    version: int


class LiaisonSet(InputModel):
    model_config = ConfigDict(extra="forbid")

    leader: str = Field(min_length=1, max_length=64, description="username of a city leader")
    since: dt.date


class LiaisonPublic(BaseModel):
    id: int
    leader: str
    leader_name: str
    since: dt.date
    until: dt.date | None
    version: int


class MeasureIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    responsible_unit: Annotated[str, Field(max_length=100)] | None = None
    due_on: dt.date | None = None
    status: MeasureStatus = MeasureStatus.planned


class PlanPut(InputModel):
    """The whole plan of a year; ``version`` is required once the plan exists."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    status: PlanStatus = PlanStatus.draft
    summary: LongText | None = None
    measures: list[MeasureIn] = Field(default_factory=list, max_length=100)


class MeasurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str
    responsible_unit: str | None
    due_on: dt.date | None
    status: MeasureStatus


class PlanPublic(BaseModel):
    id: int
    company_id: int
    year: int
    status: PlanStatus
    summary: str | None
    measures: list[MeasurePublic]
    version: int


class CompanyLadder(BaseModel):
    """Everything of the ladder about one company."""

    company_id: int
    company: str
    tiers: list[TierPublic]
    liaison: LiaisonPublic | None
    liaison_history: list[LiaisonPublic]
    plans: list[PlanPublic]


class TargetsPut(InputModel):
    model_config = ConfigDict(extra="forbid")

    targets: dict[Tier, Annotated[int, Field(ge=0, le=100_000)]]


class TierTargetProgress(BaseModel):
    tier: Tier
    target: int | None
    entered: int = Field(description="firms that entered the tier in the year")


class TargetsPublic(BaseModel):
    year: int
    items: list[TierTargetProgress]


class PyramidRow(BaseModel):
    tier: Tier
    current: int = Field(description="firms in the tier at the end of the year")
    entered: int = Field(description="entries into the tier during the year")
    left: int = Field(description="exits from the tier during the year")
    moved_up: int = Field(
        description="firms that entered this tier in the year from a lower tier they left "
        "(or still hold) — a move up the ladder"
    )
    target: int | None


class Pyramid(BaseModel):
    year: int
    as_of: dt.date
    rows: list[PyramidRow]


class TierFirm(BaseModel):
    company_id: int
    company: str
    park: str | None
    tier: Tier
    entered_on: dt.date
    left_on: dt.date | None
    source_document: str | None
    liaison: str | None
    plan_status: PlanStatus | None


class LeaderFirm(BaseModel):
    company_id: int
    company: str
    tiers: list[Tier]
    plan_status: PlanStatus | None
    open_tickets: int
    overdue_tickets: int


class LeaderFirms(BaseModel):
    leader: str
    leader_name: str
    firms: list[LeaderFirm]
