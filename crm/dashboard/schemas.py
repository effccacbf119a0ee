from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm.fields import InputModel
from crm.leads.models import Stage

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[float, Field(ge=0, le=1e12)]
WAN_PER_YI = 10_000


def yi(wan: float | None) -> float | None:
    """万元 → 亿元, two decimals (the unit leadership reads)."""
    return None if wan is None else round(wan / WAN_PER_YI, 2)


YI = "the same money in 亿元 (two decimals); the 万元 field beside it is the stored unit"


class CountingRule(BaseModel):
    name: str = Field(description="'event_date': every figure counts its own event date")
    description: str


class StageFigures(BaseModel):
    stage: Stage
    reached: int = Field(description="leads whose furthest stage (in the range) is this or later")
    current: int = Field(description="leads in this stage now")
    amount: float = Field(
        description="万元 of the leads in this stage now: signed investment once signed, "
        "else expected investment"
    )
    amount_yi: float = Field(description=YI)


class Conversion(BaseModel):
    from_: Stage = Field(serialization_alias="from")
    to: Stage
    rate: float | None


class Signed(BaseModel):
    count: int = Field(
        description="新签约: projects signed by signing date (formal agreements only unless "
        "include_framework)"
    )
    investment: float = Field(description="their signed investment, 万元")
    investment_yi: float = Field(description=YI)
    at_least_1yi: int = Field(0, description="of them, signed investment ≥ 1亿元 (10,000 万元)")
    at_least_10yi: int = Field(0, description="of them, signed investment ≥ 10亿元")
    at_least_20yi: int = Field(0, description="of them, signed investment ≥ 20亿元")


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


class MoneyProgress(Progress):
    target_yi: float | None = Field(description=YI)
    actual_yi: float = Field(description=YI)


class TargetProgress(BaseModel):
    year: int
    signed_projects: Progress
    signed_investment: MoneyProgress = Field(description="万元, with 亿元 beside")
    started: Progress
    producing: Progress
    funding: MoneyProgress = Field(description="到位资金, 万元 with 亿元 beside")
    funding_outside_province: MoneyProgress = Field(description="of it 省外, 万元")
    signed_at_least_1yi: Progress = Field(description="projects signed at ≥ 1亿元")
    signed_at_least_10yi: Progress = Field(description="projects signed at ≥ 10亿元")
    signed_at_least_20yi: Progress = Field(description="projects signed at ≥ 20亿元")


class Figures(BaseModel):
    stages: list[StageFigures]
    conversion: list[Conversion]
    signed: Signed
    started: int = Field(
        description="开工: projects whose construction started (producing without a recorded "
        "start counts, on its production day); always equals stages[started].reached"
    )
    producing: int = Field(description="投产: projects whose production started")
    started_rate: float | None = Field(description="开工率: started / signed projects")
    producing_rate: float | None = Field(description="投产率: producing / signed projects")
    investment_in_place: float = Field(description="资金到位 by funding entry date, 万元")
    investment_in_place_yi: float = Field(description=YI)
    investment_in_place_rate: float | None = Field(description="资金到位率")
    investment_in_place_outside_province: float = Field(
        0.0, description="of 资金到位, 省外: entries whose source region is another province, 万元"
    )
    investment_in_place_outside_province_yi: float = Field(0.0, description=YI)
    lost: Halted
    paused: Halted
    overdue_tickets: int = Field(0, description="open tickets past due now (by due date)")


class Cohort(BaseModel):
    """Not the counting rule's figures: the projects signed in the period, followed to date."""

    label: str
    signed: int = Field(description="projects signed in the period")
    started: int = Field(description="of them, started by now (whenever)")
    producing: int = Field(description="of them, producing by now (whenever)")
    started_rate: float | None
    producing_rate: float | None


class Funnel(Figures):
    counting_rule: CountingRule
    targets: TargetProgress | None = None
    signed_cohort: Cohort | None = Field(
        None,
        description="with a period only: of the projects signed in it, how many have started "
        "and produced to date (a cohort, labelled as such; not the period's 开工/投产)",
    )


class Group(Figures):
    key: str | int | None = Field(description="None: the unassigned group")
    label: str
    unit_kind: str | None = Field(
        None, description="by task_force: the unit's kind (center, task_force, group)"
    )
    targets: TargetProgress | None = None


class Breakdown(BaseModel):
    by: str
    counting_rule: CountingRule
    groups: list[Group] = Field(
        description="every lead in exactly one group (key None: unassigned), so each count "
        "and sum of money adds up to the funnel's total for the same filters"
    )
    subtotals: list[Group] | None = Field(
        None, description="by task_force: the same figures per unit kind (驻外中心/招商专班/招商组)"
    )


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
    """One subject's targets for a year; a figure left out (null) has no target."""

    model_config = ConfigDict(extra="forbid")

    signed_projects: Count | None = Field(None, description="新签约项目 (formal agreements)")
    signed_investment: Money | None = Field(None, description="新签约金额, 万元")
    started: Count | None = Field(None, description="新开工项目")
    producing: Count | None = Field(None, description="新投产项目")
    funding: Money | None = Field(None, description="到位资金, 万元")
    funding_outside_province: Money | None = Field(
        None, description="其中省外到位资金, 万元 (at most `funding`)"
    )
    signed_at_least_1yi: Count | None = Field(None, description="亿元以上项目 (signed ≥ 1亿元)")
    signed_at_least_10yi: Count | None = Field(None, description="10亿元以上项目")
    signed_at_least_20yi: Count | None = Field(None, description="20亿元以上项目")

    @model_validator(mode="after")
    def _parts_within_wholes(self):
        pairs = [
            ("funding_outside_province", "funding"),
            ("signed_at_least_20yi", "signed_at_least_10yi"),
            ("signed_at_least_10yi", "signed_at_least_1yi"),
            ("signed_at_least_1yi", "signed_projects"),
        ]
        for part, whole in pairs:
            small, big = getattr(self, part), getattr(self, whole)
            if small is not None and big is not None and small > big:
                raise ValueError(f"{part} ({small:g}) is more than {whole} ({big:g})")
        return self


class TaskForceTarget(TargetValues):
    task_force_id: int


class ParkTarget(TargetValues):
    park: Annotated[str, Field(min_length=1, max_length=200, description="park name")]


class CountyTarget(TargetValues):
    county: Annotated[
        str,
        Field(
            min_length=1,
            max_length=50,
            description="a county (区县) of the home city: 江油 or 江油市; answered in full",
        ),
    ]


class TargetsIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    overall: TargetValues = Field(default_factory=TargetValues)
    task_forces: list[TaskForceTarget] = Field(default_factory=list, max_length=1000)
    parks: list[ParkTarget] = Field(default_factory=list, max_length=1000)
    counties: list[CountyTarget] = Field(default_factory=list, max_length=1000)


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
