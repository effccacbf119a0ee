"""The columns of the plot and factory files (Chinese headers, English aliases), how each
cell is read, and the row models they validate into."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from crm.i18n import translate
from crm.importing import (
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
    text_or_none,
)
from crm.parks.models import (
    FactoryMode,
    FactoryStatus,
    LandUse,
    PlotStatus,
    SupplyMode,
)


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Chinese header written on export
    aliases: tuple[str, ...] = ()


PLOT_COLUMNS = (
    Column("park", "所在园区", ("园区", "park")),
    Column("plot_no", "地块编号", ("地块号", "plot_no")),
    Column("area_mu", "面积(亩)", ("面积", "area_mu")),
    Column("use", "用途", ("土地用途", "use")),
    Column("supply_mode", "供地方式", ("supply_mode",)),
    Column("term_years", "年期(年)", ("年期", "term_years")),
    Column("price", "土地价款(万元)", ("土地价款", "price")),
    Column("holder", "用地单位", ("受让人", "holder")),
    Column("contracted_start_on", "约定动工日", ("约定动工日期", "contracted_start_on")),
    Column("actual_start_on", "实际动工日", ("实际动工日期", "actual_start_on")),
    Column("built_ratio", "建成比例", ("built_ratio",)),
    Column("invested_ratio", "投资比例", ("invested_ratio",)),
    Column("work_stopped_on", "停工日期", ("work_stopped_on",)),
    Column("status", "状态", ("status",)),
    Column("government_delay", "政府原因延迟", ("政府原因", "government_delay")),
    Column("dual_power", "双回路供电", ("dual_power",)),
    Column("pure_water", "纯水", ("pure_water",)),
    Column("hazardous_chemicals", "危化品", ("hazardous_chemicals",)),
    Column("notes", "备注", ("notes",)),
)
FACTORY_COLUMNS = (
    Column("park", "所在园区", ("园区", "park")),
    Column("building", "楼栋", ("building",)),
    Column("floor", "楼层", ("floor",)),
    Column("area_m2", "面积(㎡)", ("面积(m2)", "面积", "area_m2")),
    Column("clear_height_m", "净高(m)", ("净高", "clear_height_m")),
    Column("floor_load_kn", "楼面荷载(kN/㎡)", ("楼面荷载", "floor_load_kn")),
    Column("dual_power", "双回路供电", ("dual_power",)),
    Column("pure_water", "纯水", ("pure_water",)),
    Column("clean_room", "洁净室", ("clean_room",)),
    Column("hazardous_chemicals", "危化品", ("hazardous_chemicals",)),
    Column("operator", "运营方", ("operator",)),
    Column("mode", "方式", ("建租售", "mode")),
    Column("status", "状态", ("status",)),
    Column("tenant", "入驻企业", ("承租方", "tenant")),
    Column("rent", "租金(元/㎡·月)", ("租金", "rent")),
    Column("notes", "备注", ("notes",)),
)


def aliases(columns: tuple[Column, ...]) -> dict[str, tuple[str, ...]]:
    return {c.field: (c.header, *c.aliases) for c in columns}


def enum_parser(enum: type[StrEnum], kind: str) -> Callable[[Any], StrEnum | None]:
    """A cell as an enum value, by its code or its Chinese label (出让, 疑似闲置 …)."""
    words = {member.value: member for member in enum}
    words.update({translate("zh", f"{kind}.{m.value}"): m for m in enum})

    def parse(cell: Any) -> StrEnum | None:
        text = text_or_none(cell)
        if text is None:
            return None
        if text in words:
            return words[text]
        raise ValueError(f"'{text}' is not one of {', '.join(k for k in words if not k.isascii())}")

    return parse


def parse_ratio(cell: Any) -> float | None:
    """0–1, or a percentage written as such (30%)."""
    text = text_or_none(cell)
    if text is None:
        return None
    if text.endswith(("%", "％")):
        return parse_number(text[:-1]) / 100
    value = parse_number(cell)
    if value is not None and not 0 <= value <= 1:
        raise ValueError(f"'{text}' is not a ratio: write 0.3 or 30%")
    return value


class PlotRow(BaseModel):
    park: str
    plot_no: str = Field(max_length=64)
    area_mu: float = Field(gt=0, le=1e6)
    use: LandUse = LandUse.industrial
    supply_mode: SupplyMode | None = None
    term_years: int | None = Field(None, ge=1, le=70)
    price: float | None = Field(None, ge=0, le=1e8)
    holder: str | None = None
    contracted_start_on: date | None = None
    actual_start_on: date | None = None
    built_ratio: float | None = Field(None, ge=0, le=1)
    invested_ratio: float | None = Field(None, ge=0, le=1)
    work_stopped_on: date | None = None
    status: PlotStatus = PlotStatus.available
    government_delay: bool = False
    dual_power: bool = False
    pure_water: bool = False
    hazardous_chemicals: bool = False
    notes: str | None = Field(None, max_length=4000)


class FactoryRow(BaseModel):
    park: str
    building: str = Field(max_length=64)
    floor: str = Field(max_length=16)
    area_m2: float = Field(gt=0, le=1e7)
    clear_height_m: float | None = Field(None, gt=0, le=100)
    floor_load_kn: float | None = Field(None, gt=0, le=1000)
    dual_power: bool = False
    pure_water: bool = False
    clean_room: bool = False
    hazardous_chemicals: bool = False
    operator: str | None = Field(None, max_length=200)
    mode: FactoryMode = FactoryMode.rent
    status: FactoryStatus = FactoryStatus.vacant
    tenant: str | None = None
    rent: float | None = Field(None, ge=0, le=10_000)
    notes: str | None = Field(None, max_length=4000)


def _text(cell: Any) -> str | None:
    value = text_or_none(cell)
    return str(int(float(value))) if _is_whole_number(cell) else value


def _is_whole_number(cell: Any) -> bool:
    return isinstance(cell, float) and cell.is_integer()


PLOT_PARSERS = {
    "park": text_or_none,
    "plot_no": _text,
    "area_mu": parse_number,
    "use": enum_parser(LandUse, "plotuse"),
    "supply_mode": enum_parser(SupplyMode, "supplymode"),
    "term_years": parse_int,
    "price": parse_number,
    "holder": text_or_none,
    "contracted_start_on": parse_date,
    "actual_start_on": parse_date,
    "built_ratio": parse_ratio,
    "invested_ratio": parse_ratio,
    "work_stopped_on": parse_date,
    "status": enum_parser(PlotStatus, "plotstatus"),
    "government_delay": parse_bool,
    "dual_power": parse_bool,
    "pure_water": parse_bool,
    "hazardous_chemicals": parse_bool,
    "notes": text_or_none,
}
FACTORY_PARSERS = {
    "park": text_or_none,
    "building": _text,
    "floor": _text,
    "area_m2": parse_number,
    "clear_height_m": parse_number,
    "floor_load_kn": parse_number,
    "dual_power": parse_bool,
    "pure_water": parse_bool,
    "clean_room": parse_bool,
    "hazardous_chemicals": parse_bool,
    "operator": text_or_none,
    "mode": enum_parser(FactoryMode, "factorymode"),
    "status": enum_parser(FactoryStatus, "factorystatus"),
    "tenant": text_or_none,
    "rent": parse_number,
    "notes": text_or_none,
}
