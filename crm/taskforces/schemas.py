from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel
from crm.taskforces.models import TaskForceKind

Name = Annotated[str, Field(min_length=1, max_length=100)]


class TaskForceCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: TaskForceKind
    leader: str | None = Field(default=None, description="username")
    members: list[str] = Field(default_factory=list, description="usernames")
    focus_chains: list[str] = Field(default_factory=list, description="chain codes")
    base_city: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None


class TaskForceUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    name: Name | None = None
    kind: TaskForceKind | None = None
    leader: str | None = None
    members: list[str] | None = None
    focus_chains: list[str] | None = None
    base_city: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None


class TaskForcePublic(BaseModel):
    id: int
    name: str
    kind: TaskForceKind
    leader: str | None
    members: list[str]
    focus_chains: list[str]
    base_city: str | None
    description: str | None
    lead_counts: dict[str, int] = Field(description="leads per stage")
    version: int
