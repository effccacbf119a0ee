from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.chains.models import Stage
from crm.fields import InputModel

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
# A segment reference: "segment-code" within the chain at hand, or "chain-code:segment-code".
SegmentRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=129,
        pattern=r"^([A-Za-z0-9][A-Za-z0-9_.\-]*:)?[A-Za-z0-9][A-Za-z0-9_.\-]*$",
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class SegmentFile(InputModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    stage: Stage
    parent: SegmentRef | None = None
    direction: bool = False
    products: list[Annotated[str, Field(max_length=200)]] = []


class LinkFile(InputModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: SegmentRef = Field(alias="from")
    to: SegmentRef


class ChainFile(InputModel):
    """A chain file: what POST /api/chains takes and /export gives back."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    name_en: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    focus: bool = False
    segments: list[SegmentFile] = Field(default_factory=list, max_length=2000)
    links: list[LinkFile] = Field(default_factory=list, max_length=20_000)


class ChainUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    name: Name | None = None
    name_en: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    focus: bool | None = None


class SegmentPublic(BaseModel):
    id: int
    code: str
    name: str
    stage: Stage
    parent: str | None
    direction: bool
    products: list[str]
    is_leaf: bool


class LinkPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(serialization_alias="from")
    to: str


class ChainSummary(BaseModel):
    id: int
    code: str
    name: str
    name_en: str | None
    description: str | None
    focus: bool
    segment_count: int
    direction_count: int
    version: int


class ChainDetail(ChainSummary):
    segments: list[SegmentPublic]
    links: list[LinkPublic]
