from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel
from crm.parks.models import (
    DisposalPath,
    FactoryMode,
    FactoryStatus,
    LandUse,
    PlotStatus,
    SupplyMode,
)

Name = Annotated[str, Field(min_length=1, max_length=100)]
Ratio = Annotated[float, Field(ge=0, le=1)]
Mu = Annotated[float, Field(gt=0, le=1e6)]
Money = Annotated[float, Field(ge=0, le=1e8)]  # 万元


class PlotFields(InputModel):
    model_config = ConfigDict(extra="forbid")

    use: LandUse | None = None
    supply_mode: SupplyMode | None = None
    term_years: Annotated[int, Field(ge=1, le=70)] | None = None
    price: Money | None = None
    holder_company_id: int | None = None
    project_id: int | None = None
    contracted_start_on: date | None = None
    actual_start_on: date | None = None
    built_ratio: Ratio | None = None
    invested_ratio: Ratio | None = None
    work_stopped_on: date | None = None
    dual_power: bool | None = None
    pure_water: bool | None = None
    hazardous_chemicals: bool | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None


class PlotCreate(PlotFields):
    park: Name
    plot_no: Annotated[str, Field(min_length=1, max_length=64)]
    area_mu: Mu
    use: LandUse = LandUse.industrial
    status: Literal["reserve", "available"] = "available"


class PlotUpdate(PlotFields):
    version: int
    plot_no: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    area_mu: Mu | None = None


class PlotMove(InputModel):
    """A status change by hand: dated (default: today), with a note; a disposal names its path."""

    model_config = ConfigDict(extra="forbid")

    status: PlotStatus
    on: date | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    disposal_path: DisposalPath | None = None
    version: int | None = None


class GovernmentDelay(InputModel):
    model_config = ConfigDict(extra="forbid")

    government_delay: bool
    on: date | None = None
    version: int | None = None


class PlotStatusChangePublic(BaseModel):
    from_status: PlotStatus | None = Field(serialization_alias="from")
    to_status: PlotStatus = Field(serialization_alias="to")
    on: date
    by: str | None
    note: str | None


class ClockPublic(BaseModel):
    idle_since: date | None
    stopped: bool
    idle_days: int
    suspected_on: date | None
    reclaim_on: date | None
    fee_due: float | None


class PlotPublic(BaseModel):
    id: int
    park_id: int
    park: str
    plot_no: str
    area_mu: float
    use: LandUse
    supply_mode: SupplyMode | None
    term_years: int | None
    price: float | None
    holder_company_id: int | None
    holder: str | None
    project_id: int | None
    lead_id: int | None
    contracted_start_on: date | None
    actual_start_on: date | None
    built_ratio: float | None
    invested_ratio: float | None
    work_stopped_on: date | None
    status: PlotStatus
    status_on: date | None
    dual_power: bool
    pure_water: bool
    hazardous_chemicals: bool
    government_delay: bool
    government_delay_since: date | None
    idle_suspected_on: date | None
    fee_due: float | None
    fee_due_on: date | None
    reclaim_proposed_on: date | None
    disposal_path: DisposalPath | None
    notes: str | None
    clock: ClockPublic
    history: list[PlotStatusChangePublic] | None = None
    version: int


class FactoryFields(InputModel):
    model_config = ConfigDict(extra="forbid")

    clear_height_m: Annotated[float, Field(gt=0, le=100)] | None = None
    floor_load_kn: Annotated[float, Field(gt=0, le=1000)] | None = None
    dual_power: bool | None = None
    pure_water: bool | None = None
    clean_room: bool | None = None
    hazardous_chemicals: bool | None = None
    operator: Annotated[str, Field(max_length=200)] | None = None
    mode: FactoryMode | None = None
    tenant_company_id: int | None = None
    project_id: int | None = None
    rent: Annotated[float, Field(ge=0, le=10_000)] | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None


class FactoryCreate(FactoryFields):
    park: Name
    building: Annotated[str, Field(min_length=1, max_length=64)]
    floor: Annotated[str, Field(min_length=1, max_length=16)]
    area_m2: Annotated[float, Field(gt=0, le=1e7)]
    mode: FactoryMode = FactoryMode.rent
    status: FactoryStatus = FactoryStatus.vacant


class FactoryUpdate(FactoryFields):
    version: int
    building: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    floor: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    area_m2: Annotated[float, Field(gt=0, le=1e7)] | None = None
    status: FactoryStatus | None = None


class FactoryPublic(BaseModel):
    id: int
    park_id: int
    park: str
    building: str
    floor: str
    area_m2: float
    clear_height_m: float | None
    floor_load_kn: float | None
    dual_power: bool
    pure_water: bool
    clean_room: bool
    hazardous_chemicals: bool
    operator: str | None
    mode: FactoryMode
    status: FactoryStatus
    tenant_company_id: int | None
    tenant: str | None
    project_id: int | None
    lead_id: int | None
    rent: float | None
    notes: str | None
    version: int


class ThresholdPut(InputModel):
    """标准地 thresholds for a park, a chain (industry), or a park and chain."""

    model_config = ConfigDict(extra="forbid")

    park: Name | None = None
    chain: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    investment_per_mu: Money | None = None
    tax_per_mu: Money | None = None
    output_per_mu: Money | None = None


class ThresholdPublic(BaseModel):
    id: int
    park: str | None
    chain: str | None
    investment_per_mu: float | None
    tax_per_mu: float | None
    output_per_mu: float | None
    version: int


class NeedsPut(InputModel):
    model_config = ConfigDict(extra="forbid")

    land_mu: Annotated[float, Field(ge=0, le=1e6)] | None = None
    factory_m2: Annotated[float, Field(ge=0, le=1e7)] | None = None
    dual_power: bool = False
    pure_water: bool = False
    hazardous_chemicals: bool = False
    clean_room: bool = False
    floor_load_kn: Annotated[float, Field(gt=0, le=1000)] | None = None


class NeedsPublic(NeedsPut):
    pass


class SiteRef(InputModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["plot", "factory"]
    id: int


class Reason(BaseModel):
    code: str
    params: dict[str, float | str]
    text: str  # in Chinese; pages show it in the reader's language from code and params


class SiteMatch(BaseModel):
    kind: Literal["plot", "factory"]
    id: int
    park_id: int
    park: str
    label: str  # plot number, or building-floor
    area: float  # mu for a plot, m² for a factory
    tier: Literal["intended_park", "chain_park", "other"]
    fits: bool
    status: str
    reasons: list[Reason]  # why it fits
    problems: list[Reason]  # why it does not: a 标准地 threshold (hard needs are never listed)
    score: float


class SitesPublic(BaseModel):
    lead_id: int
    needs: NeedsPublic
    expected_investment: float | None
    items: list[SiteMatch] = Field(description="sites that fit, best first")
    unfit: list[SiteMatch] = Field(
        description="sites that meet every hard need but miss a 标准地 threshold"
    )
    reserved: list[SiteMatch] = Field(description="sites reserved for this lead")
