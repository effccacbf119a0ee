import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel, LongText
from crm.leads.models import Stage
from crm.leads.schemas import CompanyRef, TaskForceRef
from crm.places import InvestorOrigin
from crm.projects.models import AgreementType, CardStatus, IncentiveType, Light

Money = Annotated[float, Field(ge=0, le=1e9, description="万元")]
ProjectName = Annotated[str, Field(min_length=1, max_length=200)]
Jobs = Annotated[int, Field(ge=0, le=10_000_000)]
# Web links or paths inside the application; no javascript: or data: URLs in pages.
Link = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^(https?://|/)\S+$")]


class PlanningLink(InputModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    url: Link


class Assessment(InputModel):
    """The think-tank assessment (研判报告)."""

    model_config = ConfigDict(extra="forbid")

    organisation: Annotated[str, Field(min_length=1, max_length=200)]
    date: dt.date | None = None
    conclusion: LongText | None = None
    attachment: Link | None = None


class ProjectUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    specialist: str | None = Field(default=None, description="username of a specialist")
    specialist_reason: LongText | None = Field(
        default=None, description="why the specialist changes; kept in the history"
    )
    park: Annotated[str, Field(max_length=100)] | None = Field(default=None, description="name")
    name: ProjectName | None = Field(default=None, description="e.g. 年产10GWh储能电池项目")
    agreement_type: AgreementType | None = Field(
        default=None, description="framework (框架协议) or formal (正式协议): only formal is 新签约"
    )
    investor_origin: InvestorOrigin | None = Field(
        default=None,
        description="境外 overseas, 省外 other_province, 省内市外 other_city, 市内 local",
    )
    fixed_asset_investment: Money | None = Field(default=None, description="固定资产投资, 万元")
    county: Annotated[str, Field(max_length=50)] | None = Field(
        default=None, description="区县 of the home city where the project lands: 江油 or 江油市"
    )
    signed_investment: Money | None = None
    jobs_planned: Jobs | None = None
    jobs_created: Jobs | None = None
    signed_on: dt.date | None = None
    land_on: dt.date | None = None
    construction_started_on: dt.date | None = None
    production_started_on: dt.date | None = None
    assessment: Assessment | None = None
    planning_links: list[PlanningLink] | None = Field(default=None, max_length=100)
    notes: LongText | None = None


class FundingCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    amount: Annotated[float, Field(gt=0, le=1e9, description="万元")]
    source_region: InvestorOrigin | None = Field(
        default=None, description="where the money comes from; by default the investor's origin"
    )
    note: LongText | None = None


class FundingPublic(BaseModel):
    id: int
    date: dt.date
    amount: float
    source_region: InvestorOrigin | None
    note: str | None
    by: str | None
    at: dt.datetime


class FundingRecorded(FundingPublic):
    investment_in_place: float


class IncentiveIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, description="keep and update this incentive")
    type: IncentiveType
    amount: Money | None = None
    conditions: LongText | None = None
    honoured_at: dt.date | None = Field(default=None, description="when it was honoured (兑现)")
    honoured_amount: Money | None = None
    compliance: LongText | None = Field(
        default=None, description="why it would not pass a fair-competition review, if so"
    )


class PolicyPut(InputModel):
    """The whole policy package: incentives with an ``id`` are kept, new ones added,
    the ones left out removed."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the project's version")
    incentives: list[IncentiveIn] = Field(max_length=100)


class IncentivePatch(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the project's version")
    type: IncentiveType | None = None
    amount: Money | None = None
    conditions: LongText | None = None
    honoured_at: dt.date | None = None
    honoured_amount: Money | None = None
    compliance: LongText | None = None


class IncentivePublic(BaseModel):
    id: int
    type: IncentiveType
    amount: float | None
    conditions: str | None
    honoured: bool
    honoured_at: dt.date | None
    honoured_amount: float | None
    compliance: str | None = Field(
        description="a warning: why this incentive would not pass a fair-competition review"
    )


class PolicyTotals(BaseModel):
    count: int
    amount: float = Field(description="sum of incentive amounts, 万元")
    by_type: dict[IncentiveType, float]
    honoured_count: int
    honoured_amount: float


class PolicyPublic(BaseModel):
    incentives: list[IncentivePublic]
    totals: PolicyTotals


class SpecialistChangePublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(serialization_alias="from")
    to: str
    by: str | None
    at: dt.datetime
    reason: str | None


class GreenCardUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the card's version")
    status: CardStatus | None = None
    closed_reason: LongText | None = None
    task_force_id: int | None = None
    members: list[str] | None = Field(default=None, description="usernames", max_length=100)


class GreenCardPublic(BaseModel):
    id: int
    card_no: str
    issued_at: dt.datetime
    status: CardStatus
    closed_at: dt.datetime | None
    closed_reason: str | None
    task_force: TaskForceRef | None
    members: list[str]
    version: int


class ProjectPublic(BaseModel):
    id: int
    lead_id: int
    company: CompanyRef
    segment: str
    chain: str
    task_force: TaskForceRef | None
    park: str | None
    stage: Stage = Field(description="the lead's stage")
    specialist: str
    name: str | None
    agreement_type: AgreementType
    investor_origin: InvestorOrigin | None
    fixed_asset_investment: float | None
    county: str | None
    county_code: str | None
    signed_investment: float | None
    investment_in_place: float
    jobs_planned: int | None
    jobs_created: int | None
    signed_on: dt.date
    land_on: dt.date | None
    construction_started_on: dt.date | None
    production_started_on: dt.date | None
    construction_start_inferred: bool = Field(
        description="the start was not recorded: it is taken to be the production day"
    )
    assessment: Assessment | None
    planning_links: list[PlanningLink]
    notes: str | None
    policy_totals: PolicyTotals
    green_card: GreenCardPublic | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    light: Light | None = Field(
        default=None, description="红黄绿灯 from its milestones and funding schedule (lists)"
    )


class ProjectDetail(ProjectPublic):
    specialist_history: list[SpecialistChangePublic]
    funding: list[FundingPublic]
    policy: PolicyPublic


class Division(BaseModel):
    code: str = Field(description="administrative division code (GB/T 2260)")
    name: str


class HomeCounties(BaseModel):
    city: Division = Field(description="the city the bureau serves (settings)")
    counties: list[Division]
