import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from crm.escalations.models import SubjectType
from crm.fields import InputModel, LongText


class Told(BaseModel):
    """One step of an escalation chain: who was told, at which level, when."""

    level: int = Field(description="1: task force leader at the due time; 2: city leader / 链长")
    to: str
    to_name: str
    due_at: dt.datetime = Field(description="when the subject became due for this level")
    notified_at: dt.datetime = Field(description="when the sweep recorded it")


class EscalationPublic(Told):
    id: int
    subject_type: SubjectType
    subject_id: int
    subject: str = Field(description="the ticket's title or the project's company")
    project_id: int | None
    company: str
    reason: str
    still_late: bool = Field(description="the ticket is still open (the project still red)")
    chain: list[Told] = Field(description="everyone told of this subject, oldest first")


class SweepResult(BaseModel):
    recorded: int = Field(description="escalations recorded by this sweep (0 when run again)")


class NoteCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    body: LongText = Field(min_length=1)


class NoteAnswer(InputModel):
    model_config = ConfigDict(extra="forbid")

    answer: LongText = Field(min_length=1)


class NotePublic(BaseModel):
    id: int
    subject_type: SubjectType
    subject_id: int
    subject: str
    project_id: int | None
    body: str
    sent_by: str
    sent_by_name: str
    sent_at: dt.datetime
    respondent: str = Field(description="who must answer: the specialist or the assignee")
    respondent_name: str
    answer: str | None
    answered_by: str | None
    answered_at: dt.datetime | None


class ChainLeaderSet(InputModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(max_length=64, description="the 链长; null: nobody")


class ChainLeaderPublic(BaseModel):
    chain: str
    name: str
    leader: str | None
    leader_name: str | None
