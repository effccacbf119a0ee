"""The monthly bulletin's answer: rows of indicators, each 本月 / 累计 / 目标 / 完成率 / 同比."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from crm.dashboard.schemas import CountingRule

Status = Literal["ahead", "behind", "far_behind"]


class ReportIndicator(BaseModel):
    """One indicator of one row. Money is in 万元 with ``*_yi`` (亿元, two decimals) beside."""

    month: float = Field(description="本月: the month's figure")
    ytd: float = Field(description="累计: 1 January to the month's end")
    target: float | None = Field(description="目标: the year's target, null when none is set")
    completion: float | None = Field(description="完成率 = 累计 / 目标 (null without a target)")
    last_year_ytd: float = Field(description="the same period last year")
    yoy: float | None = Field(
        description="同比 = (累计 − last year's) / last year's; null when last year's is 0"
    )
    status: Status | None = Field(
        description="完成率 against 序时进度: ahead (≥), behind (≤ 10 points), far_behind "
        "(more); null without a target"
    )
    schedule_gap: float | None = Field(
        description="完成率 − 序时进度 in percentage points (negative: behind); null without a target"
    )
    month_yi: float | None = None
    ytd_yi: float | None = None
    target_yi: float | None = None
    last_year_ytd_yi: float | None = None


class Row(BaseModel):
    section: Literal["city", "unit_kind", "unit", "park", "county", "chain"]
    key: str | int | None = Field(
        description="unit id, unit kind, park name, county name or chain code"
    )
    label: str
    unit_kind: str | None = None
    rank: int | None = Field(
        None, description="a unit's place among all units by 新签约金额 完成率 (then 累计)"
    )
    indicators: dict[str, ReportIndicator]
    rates: dict[str, float | None] = Field(
        description="开工率, 投产率, 资金到位率 of 累计 (see definitions)"
    )


class Definition(BaseModel):
    key: str
    name: str
    unit: str
    definition: str


class MonthlyReport(BaseModel):
    year: int
    month: int
    title: str
    month_from: date
    month_to: date
    ytd_from: date
    ytd_to: date
    last_year_from: date
    last_year_to: date
    schedule: float = Field(description="序时进度: the share of the year elapsed, month / 12")
    counting_rule: CountingRule
    indicators: list[Definition]
    rates: list[Definition]
    colour_rule: str
    targets_note: str
    rows: list[Row]
