"""The yearly evaluation scheme (评价办法): populations, indicators, grade cuts, measures.

The default template follows the county schemes of Zhejiang's 亩均论英雄 reform: above-size
firms are judged on five indicators with tax per mu carrying the most weight, below-size firms
on tax per mu alone; grades are rank shares within each population (A the top 20 %, B to 60 %,
C to 90 %, D the last 10 %). See docs/evaluation.md.
"""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import Conflict, Invalid, NotFound
from crm.evaluation.grading_models import EvaluationScheme
from crm.updates import check_version


class Population(StrEnum):
    above = "above"  # 规上企业: above designated size, whatever their land
    land_3plus = "land_3plus"  # 规下, own land ≥ 3 亩
    land_under3 = "land_under3"  # 规下, own land > 0 and < 3 亩
    tenant = "tenant"  # 规下, no own land (rented premises only)


POPULATION_LABELS = {
    Population.above: "规上企业",
    Population.land_3plus: "规下企业（自有用地≥3亩）",
    Population.land_under3: "规下企业（自有用地<3亩）",
    Population.tenant: "租赁企业（无自有用地）",
}
BELOW_SIZE = (Population.land_3plus, Population.land_under3, Population.tenant)


class Indicator(StrEnum):
    tax_per_mu = "tax_per_mu"
    revenue_per_energy = "revenue_per_energy"
    revenue_per_emission = "revenue_per_emission"
    rd_intensity = "rd_intensity"
    labour_productivity = "labour_productivity"


INDICATOR_LABELS = {
    Indicator.tax_per_mu: ("亩均税收", "万元/亩"),
    Indicator.revenue_per_energy: ("单位能耗营收", "万元/吨标煤"),
    Indicator.revenue_per_emission: ("单位排放营收", "万元/当量"),
    Indicator.rd_intensity: ("研发经费投入强度", "%"),
    Indicator.labour_productivity: ("全员劳动生产率", "万元/人"),
}
GRADES = ("A", "B", "C", "D")
GRADE_LABELS = {"A": "优先发展", "B": "支持发展", "C": "提升发展", "D": "限制发展"}
MEASURE_AREAS = ("land", "energy", "emissions", "credit")
MEASURE_LABELS = {"land": "用地", "energy": "用能", "emissions": "排放", "credit": "信贷"}

Direction = Literal["higher", "lower"]


class IndicatorWeight(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: Indicator
    weight: int = Field(ge=0, le=100)
    direction: Direction = "higher"


class MeasureSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    land: str = Field("", max_length=500)
    energy: str = Field("", max_length=500)
    emissions: str = Field("", max_length=500)
    credit: str = Field("", max_length=500)


class SchemePut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None  # required when the scheme exists (optimistic locking)
    indicators: dict[Population, list[IndicatorWeight]]
    a_pct: int = Field(ge=1, le=100)
    b_pct: int = Field(ge=1, le=100)
    c_pct: int = Field(ge=1, le=100)
    measures: dict[Literal["A", "B", "C", "D"], MeasureSet]


class SchemePublic(BaseModel):
    year: int
    version: int
    indicators: dict[str, list[IndicatorWeight]]
    a_pct: int
    b_pct: int
    c_pct: int
    measures: dict[str, MeasureSet]
    run_at: datetime | None
    run_by: str | None
    published: bool
    published_at: datetime | None
    published_by: str | None


def _w(indicator: Indicator, weight: int) -> dict:
    return {"indicator": indicator.value, "weight": weight, "direction": "higher"}


TEMPLATE_INDICATORS = {
    Population.above.value: [
        _w(Indicator.tax_per_mu, 40),
        _w(Indicator.revenue_per_energy, 20),
        _w(Indicator.revenue_per_emission, 15),
        _w(Indicator.rd_intensity, 15),
        _w(Indicator.labour_productivity, 10),
    ],
    **{population.value: [_w(Indicator.tax_per_mu, 100)] for population in BELOW_SIZE},
}
TEMPLATE_CUTS = {"a_pct": 20, "b_pct": 60, "c_pct": 90}
TEMPLATE_MEASURES = {
    "A": {
        "land": "新增用地指标优先保障，优先安排标准地",
        "energy": "用能指标优先保障，执行正常电价",
        "emissions": "排污权优先配置",
        "credit": "列入信贷白名单，优先授信、利率优惠",
    },
    "B": {
        "land": "支持合理用地需求，鼓励零增地技改",
        "energy": "用能指标正常保障",
        "emissions": "排污权按需配置",
        "credit": "正常授信支持",
    },
    "C": {
        "land": "制定亩均提升计划，新增用地从严审核",
        "energy": "实施节能诊断，用能指标不予新增",
        "emissions": "限期减排整改",
        "credit": "维持授信，跟踪提升计划",
    },
    "D": {
        "land": "不予新增用地，开展土地利用核查",
        "energy": "执行差别化电价（加价），压减用能指标",
        "emissions": "削减排污权配额",
        "credit": "收紧授信，不予新增贷款",
    },
}


def template() -> SchemePut:
    """The documented default scheme (docs/evaluation.md)."""
    return SchemePut(indicators=TEMPLATE_INDICATORS, measures=TEMPLATE_MEASURES, **TEMPLATE_CUTS)


def validate(data: SchemePut) -> None:
    """The rules a scheme must keep, each refused as a 422 naming the field."""
    for population in Population:
        rows = data.indicators.get(population)
        if not rows:
            raise Invalid(("indicators", population.value), "每个群体至少需要一个指标")
        names = [row.indicator for row in rows]
        if len(set(names)) != len(names):
            raise Invalid(("indicators", population.value), "同一指标不能重复")
        total = sum(row.weight for row in rows)
        if total != 100:
            raise Invalid(
                ("indicators", population.value),
                f"{POPULATION_LABELS[population]}的指标权重之和须为100，现为{total}",
            )
        if population in BELOW_SIZE and names != [Indicator.tax_per_mu]:
            raise Invalid(
                ("indicators", population.value), "规下企业只按亩均税收评价（不报送能耗、排放等）"
            )
    if not data.a_pct <= data.b_pct <= data.c_pct:
        raise Invalid("c_pct", "等级分界须满足 A ≤ B ≤ C（累计排名百分比）")
    missing = [grade for grade in GRADES if grade not in data.measures]
    if missing:
        raise Invalid(("measures", missing[0]), "每个等级都需要差别化措施")


def find(session: Session, year: int) -> EvaluationScheme | None:
    return session.scalar(select(EvaluationScheme).where(EvaluationScheme.year == year))


def get(session: Session, year: int) -> EvaluationScheme:
    scheme = find(session, year)
    if scheme is None:
        raise NotFound(f"no evaluation scheme for {year}")
    return scheme


def refuse_if_published(scheme: EvaluationScheme) -> None:
    if scheme.published:
        raise Conflict(f"{scheme.year}年评价结果已发布，已冻结：请管理员先撤回发布再修改或重算")


def _apply(scheme: EvaluationScheme, data: SchemePut) -> None:
    scheme.indicators = {
        population.value: [row.model_dump(mode="json") for row in rows]
        for population, rows in data.indicators.items()
    }
    scheme.a_pct, scheme.b_pct, scheme.c_pct = data.a_pct, data.b_pct, data.c_pct
    scheme.measures = {grade: data.measures[grade].model_dump() for grade in GRADES}


def put(session: Session, year: int, data: SchemePut) -> EvaluationScheme:
    """Create the year's scheme, or replace the one there (409 if stale or published)."""
    scheme = find(session, year)
    if scheme is None:
        scheme = EvaluationScheme(year=year)
        session.add(scheme)
    else:
        refuse_if_published(scheme)
        if data.version is None:
            raise Invalid("version", "修改已有方案须带上版本号 version")
        check_version(scheme, data.version, f"the {year} evaluation scheme")
    validate(data)
    _apply(scheme, data)
    session.flush()
    return scheme


def create_default(session: Session, year: int) -> EvaluationScheme:
    """The year's scheme from the template; 409 if the year has one."""
    if find(session, year) is not None:
        raise Conflict(f"{year}年已有评价方案")
    return put(session, year, template())


def public(scheme: EvaluationScheme) -> SchemePublic:
    return SchemePublic.model_validate(scheme, from_attributes=True)
