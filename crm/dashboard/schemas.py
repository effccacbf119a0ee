from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel
from crm.leads.models import Stage

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[float, Field(ge=0, le=1e12)]


class StageFigures(BaseModel):
    stage: Stage
    reached: int = Field(description="leads whose furthest stage (in the range) is this or later")
    current: int = Field(description="leads in this stage now")
    amount: float = Field(
        description="万元 of the leads in this stage now: signed investment once signed, "
        "else expected investment"
    )


class Conversion(BaseModel):
    from_: Stage = Field(serialization_alias="from")
    to: Stage
    rate: float | None


class Signed(BaseModel):
    count: int
    investment: float


class Reason(BaseModel):
    reason: str | None
    count: int


class Halted(BaseModel):
    count: int
    top_reasons: list[Reason]


class Progress(BaseModel):
    target: float | None
    actual: float
    rate: float | None


class TargetProgress(BaseModel):
    year: int
    signed_projects: Progress
    signed_investment: Progress
    started: Progress
    producing: Progress


class Figures(BaseModel):
    stages: list[StageFigures]
    conversion: list[Conversion]
    signed: Signed
    started: int
    producing: int
    started_rate: float | None = Field(description="开工率: started / signed projects")
    producing_rate: float | None = Field(description="投产率: producing / signed projects")
    investment_in_place: float
    investment_in_place_rate: float | None = Field(description="资金到位率")
    lost: Halted
    paused: Halted
    overdue_tickets: int = 0


class Funnel(Figures):
    targets: TargetProgress | None = None


class Group(Figures):
    key: str | int | None
    label: str
    targets: TargetProgress | None = None


class Breakdown(BaseModel):
    by: str
    groups: list[Group]


class VelocityRow(BaseModel):
    group: str
    label: str
    stage: Stage = Field(description="the stage moved into")
    moves: int
    median_days: float | None
    p90_days: float | None


class Velocity(BaseModel):
    by: str
    rows: list[VelocityRow]


class TargetValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signed_projects: Count | None = None
    signed_investment: Money | None = Field(None, description="万元")
    started: Count | None = None
    producing: Count | None = None


class TaskForceTarget(TargetValues):
    task_force_id: int


class TargetsIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    overall: TargetValues = Field(default_factory=TargetValues)
    task_forces: list[TaskForceTarget] = Field(default_factory=list)


class TargetsOut(TargetsIn):
    year: int


class ChainMonth(BaseModel):
    month: str
    completeness: float


class ChainGap(BaseModel):
    code: str
    name: str
    open_leads: int


class ChainProgress(BaseModel):
    chain: str
    name: str
    leaves: int
    completeness: float
    completeness_by_local_firms: float
    months: list[ChainMonth]
    open_gaps: list[ChainGap]
    signed_projects: int
