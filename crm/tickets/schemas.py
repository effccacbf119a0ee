import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel, LongText
from crm.tickets.models import TicketCategory, TicketPriority, TicketStatus

Title = Annotated[str, Field(min_length=1, max_length=200)]
Satisfaction = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")]


class TicketCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    category: TicketCategory
    title: Title
    description: LongText | None = None
    priority: TicketPriority = TicketPriority.normal
    assignee: str | None = Field(
        default=None, description="username; the project's specialist when left out"
    )


class TicketUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    status: TicketStatus | None = None
    resolution: LongText | None = None
    assignee: str | None = None
    satisfaction: Satisfaction | None = None
    category: TicketCategory | None = None
    title: Title | None = None
    description: LongText | None = None
    priority: TicketPriority | None = Field(
        default=None, description="a new priority moves the due time (SLA from when raised)"
    )


class TicketPublic(BaseModel):
    id: int
    project_id: int | None = Field(description="null for a local company's own ticket")
    company_id: int | None = Field(description="the local company of a ticket raised for it")
    company: str
    card_no: str | None
    category: TicketCategory
    title: str
    description: str | None
    priority: TicketPriority
    status: TicketStatus
    assignee: str | None
    raised_by: str | None
    raised_at: dt.datetime
    due_at: dt.datetime
    overdue: bool = Field(description="open or in progress past its due time")
    escalated_to: str | None = Field(
        description="while overdue: the leader of the task force pursuing the project's lead; "
        "for a local company's ticket, the city leader who keeps in touch with the firm"
    )
    resolution: str | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    satisfaction: int | None
    version: int
