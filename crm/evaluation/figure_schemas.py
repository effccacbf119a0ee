"""Request and response schemas of yearly figures (firms' and the city's)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm.fields import InputModel

Year = Annotated[int, Field(ge=1990, le=2100)]
Mu = Annotated[float, Field(ge=0, le=1e7)]
Money = Annotated[float, Field(ge=0, le=1e10)]  # 万元
Amount = Annotated[float, Field(ge=0, le=1e12)]
Employees = Annotated[int, Field(ge=0, le=10_000_000)]


class FigureFields(InputModel):
    model_config = ConfigDict(extra="forbid")

    land_own_mu: Mu | None = None
    land_rented_mu: Mu | None = None
    revenue: Money | None = None
    tax: Money | None = None
    added_value: Money | None = None
    energy_tce: Amount | None = None
    emissions: Amount | None = None
    rd_spend: Money | None = None
    employees: Employees | None = None
    fixed_asset_investment: Money | None = None
    above_size: bool | None = None


class FigureCreate(FigureFields):
    year: Year


class FigureUpdate(FigureFields):
    version: int
    year: Year | None = None


class FigurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    company_id: int
    company: str
    park_id: int | None
    year: int
    land_own_mu: float | None
    land_rented_mu: float | None
    land_mu: float
    revenue: float | None
    tax: float | None
    added_value: float | None
    energy_tce: float | None
    emissions: float | None
    rd_spend: float | None
    employees: int | None
    fixed_asset_investment: float | None
    above_size: bool
    tax_per_mu: float | None  # 亩均税收 (万元/亩)
    revenue_per_mu: float | None  # 亩均营收 (万元/亩)


class CityFields(InputModel):
    model_config = ConfigDict(extra="forbid")

    land_mu: Annotated[float, Field(gt=0, le=1e9)] | None = None
    gdp: Money | None = None
    industrial_output: Money | None = None
    tax_revenue: Money | None = None


class CityCreate(CityFields):
    year: Year


class CityUpdate(CityFields):
    version: int


class CityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    year: int
    land_mu: float | None
    gdp: float | None
    industrial_output: float | None
    tax_revenue: float | None
