import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from crm.companies.models import ParkLevel, Tag
from crm.fields import InputModel, SegmentKey


def normalise_name(name: str) -> str:
    """Fold a company name for duplicate detection: full/half width, case and spaces."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def valid_credit_code(value: str) -> str:
    """A unified social credit code (GB 32100-2015), compacted; refuse a bad check character."""
    try:
        return uscc.validate(value)
    except StdnumError as error:
        raise ValueError(f"invalid unified social credit code: {error}") from None


CreditCode = Annotated[str, Field(max_length=40), AfterValidator(valid_credit_code)]
Text50 = Annotated[str, Field(max_length=50)]


class CompanyCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: CreditCode | None = None
    province: Text50 | None = None
    city: Text50 | None = None
    is_local: bool = False
    park: Annotated[str, Field(max_length=100)] | None = None
    segments: list[SegmentKey] = Field(default_factory=list, max_length=200)
    tags: list[Tag] = Field(default_factory=list)
    revenue: Annotated[float, Field(ge=0, le=1e7)] | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    listing: Annotated[str, Field(max_length=100)] | None = None


class CompanyUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    credit_code: CreditCode | None = None
    province: Text50 | None = None
    city: Text50 | None = None
    is_local: bool | None = None
    park: Annotated[str, Field(max_length=100)] | None = None
    segments: list[SegmentKey] | None = Field(default=None, max_length=200)
    tags: list[Tag] | None = None
    revenue: Annotated[float, Field(ge=0, le=1e7)] | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    listing: Annotated[str, Field(max_length=100)] | None = None


class CompanyPublic(BaseModel):
    id: int
    name: str
    credit_code: str | None
    province: str | None
    city: str | None
    city_code: str | None = Field(description="administrative division code (GB/T 2260)")
    place_unrecognised: list[str] = Field(
        description="province/city fields kept as typed: not found among China's divisions"
    )
    is_local: bool
    park: str | None
    segments: list[str]
    tags: list[Tag]
    revenue: float | None
    employees: int | None
    listing: str | None
    leader_of: list[str]
    version: int


class ParkCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)]
    level: ParkLevel
    leading_chains: list[str] = Field(default_factory=list)
    area_mu: Annotated[float, Field(ge=0, le=1e9)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None


class ParkUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    level: ParkLevel | None = None
    leading_chains: list[str] | None = None
    area_mu: Annotated[float, Field(ge=0, le=1e9)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None


class ParkPublic(BaseModel):
    id: int
    name: str
    level: ParkLevel
    leading_chains: list[str]
    area_mu: float | None
    description: str | None
    company_count: int
    version: int
