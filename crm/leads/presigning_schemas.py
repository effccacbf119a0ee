"""Requests and answers of a lead's pre-signing work: specialist, think-tank assessment,
planning links and the draft policy package (shaped as a project's)."""

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel, LongText
from crm.leads.models import PolicyStatus
from crm.projects.models import IncentiveType
from crm.projects.schemas import Assessment, Money, PlanningLink


class SpecialistPut(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the lead's version")
    specialist: str | None = Field(description="username of a specialist; null removes")


class AssessmentPut(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the lead's version")
    assessment: Assessment | None = Field(description="null removes it")


class PlanningLinksPut(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the lead's version")
    links: list[PlanningLink] = Field(max_length=100)


class DraftIncentiveIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    type: IncentiveType
    amount: Money | None = None
    conditions: LongText | None = None


class DraftPolicyPut(InputModel):
    """The whole draft package; any change makes it a draft again (approval is redone)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the lead's version")
    incentives: list[DraftIncentiveIn] = Field(max_length=100)


class PolicyApproval(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the lead's version")


class DraftIncentivePublic(BaseModel):
    id: int
    type: IncentiveType
    amount: float | None
    conditions: str | None


class DraftPolicyPublic(BaseModel):
    status: PolicyStatus
    approved_by: str | None
    approved_at: dt.datetime | None
    incentives: list[DraftIncentivePublic]
    amount: float = Field(description="sum of the incentives' amounts, 万元")


class PresigningPublic(BaseModel):
    lead_id: int
    version: int = Field(description="the lead's version")
    specialist: str | None
    specialist_required: bool = Field(
        description="the lead is negotiating with priority or investment that needs one"
    )
    assessment: Assessment | None
    planning_links: list[PlanningLink]
    policy: DraftPolicyPublic


class PauseDecision(InputModel):
    """Confirming or renewing a pause proposal."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="if given, must be the lead's version")
    note: LongText | None = None
