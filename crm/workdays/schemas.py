import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel


class ClosureCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    day: dt.date
    reason: str = Field(min_length=1, max_length=200)


class ClosurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    day: dt.date
    reason: str


class WorkingDay(BaseModel):
    day: dt.date
    working: bool
    closure: str | None = Field(description="the bureau's reason, when closed by a closure")


class CalendarInfo(BaseModel):
    statutory_years: tuple[int, int] = Field(
        description="first and last year whose holidays the installed calendar knows"
    )
    # Local wall-clock time as HH:MM (a JSON-schema "time" would demand a UTC offset).
    day_ends_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    days: list[WorkingDay]
