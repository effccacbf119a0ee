"""The columns of a lead file (SPEC §5) and how a row's cells are read.

English or Chinese headers; enum cells take the English value or the Chinese word. Each bad
cell becomes a ``RowError`` naming the file's row and the column as the file spells it.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from crm.auth.models import User
from crm.chains.models import Segment
from crm.companies.models import Park
from crm.companies.schemas import CreditCode
from crm.fields import InputModel, LongText
from crm.i18n import label
from crm.importing import (
    ImportReport,
    parse_date,
    parse_int,
    parse_number,
    text_or_none,
    validate_row,
)
from crm.leads.models import PIPELINE, RANK, Priority, Source, Stage
from crm.leads.schemas import SegmentKey
from crm.taskforces.models import TaskForce

COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company", "company_name", "企业名称", "企业", "公司名称"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "city": ("city", "城市", "市"),
    "segment": ("segment", "所属环节", "环节"),
    "task_force": ("task_force", "招商专班", "专班"),
    "owner": ("owner", "负责人"),
    "priority": ("priority", "优先级"),
    "source": ("source", "线索来源", "来源"),
    "expected_investment": ("expected_investment", "预计投资(万元)", "预计投资"),
    "expected_jobs": ("expected_jobs", "预计就业", "预计就业(人)"),
    "next_follow_up": ("next_follow_up", "下次跟进", "下次跟进日期"),
    "stage": ("stage", "阶段"),
    "notes": ("notes", "备注"),
    "park": ("park", "意向园区", "园区"),
}
REQUIRED = ("company", "segment")
CHINESE_HEADERS = {
    "company": "企业名称",
    "credit_code": "统一社会信用代码",
    "city": "城市",
    "segment": "所属环节",
    "task_force": "招商专班",
    "owner": "负责人",
    "priority": "优先级",
    "source": "线索来源",
    "expected_investment": "预计投资(万元)",
    "expected_jobs": "预计就业",
    "next_follow_up": "下次跟进",
    "stage": "阶段",
    "notes": "备注",
    "park": "意向园区",
}
# Files carry the Chinese labels of the one catalogue the pages use too.
STAGE_NAMES = {stage: label("zh", "stage", stage) for stage in Stage}
SOURCE_NAMES = {source: label("zh", "source", source) for source in Source}
# Stages a lead may be imported at, or moved to by an import; signing creates a project, so it
# is never an import. A row at any other stage only merges into a lead already at that stage.
IMPORTABLE = frozenset(s for s in PIPELINE if RANK[s] < RANK[Stage.signed])


class LeadRowData(InputModel):
    """One row's values; a field is set only when its cell is not blank."""

    model_config = ConfigDict(extra="forbid")

    company: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: CreditCode | None = None
    city: Annotated[str, Field(max_length=50)] | None = None
    segment: SegmentKey
    task_force: Annotated[str, Field(max_length=100)] | None = None
    owner: Annotated[str, Field(max_length=64)] | None = None
    priority: Priority | None = None
    source: Source | None = None
    expected_investment: Annotated[float, Field(ge=0, le=1e9)] | None = None
    expected_jobs: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    next_follow_up: dt.date | None = None
    stage: Stage | None = None
    notes: LongText | None = None
    park: Annotated[str, Field(max_length=100)] | None = None


@dataclass(eq=False)
class CompanyRef:
    """A company a file names: stored (``id`` known) or new (``id`` set once inserted).

    Rows naming the same company share one; compared by identity, like the ORM object it
    stands for."""

    name_key: str
    credit_code: str | None
    id: int | None = None
    name: str | None = None
    city: str | None = None


@dataclass
class LeadRow:
    """A good row: its number in the file, its values, then what they name once looked up."""

    row: int
    data: LeadRowData
    segment: Segment | None = None
    task_force: TaskForce | None = None
    owner: User | None = None
    company: CompanyRef | None = None
    park: Park | None = None


def _choice(words: dict[str, Any], what: str, allowed: str):
    folded = {key.casefold(): value for key, value in words.items()}

    def parse(value: Any) -> Any:
        text = text_or_none(value)
        if text is None:
            return None
        found = folded.get("".join(text.casefold().split()))
        if found is None:
            raise ValueError(f"'{text}' is not a {what}: use {allowed}")
        return found

    return parse


def stage_refusal(stage: Stage) -> str:
    """Why a row at ``stage`` is refused when no stored lead of its company and segment is
    at that stage already (a row repeating a lead's stage, as exports do, is a merge)."""
    return (
        f"a lead cannot be imported as {STAGE_NAMES[stage]} ({stage.value}): signing and "
        "later stages need a project, paused and lost a reason; move it on the lead page "
        "(a row may only repeat this stage for a lead already at it)"
    )


_any_stage = _choice(
    {**{s.value: s for s in Stage}, **{name: s for s, name in STAGE_NAMES.items()}},
    "stage",
    "已识别, 已接洽, 已拜访, 洽谈中, 已签约, 已开工, 已投产, 暂缓 or 已流失",
)
_PARSERS = {
    "company": text_or_none,
    "credit_code": text_or_none,
    "city": text_or_none,
    "segment": text_or_none,  # replaced per file by ``SegmentNames.parse``
    "task_force": text_or_none,
    "owner": text_or_none,
    "priority": _choice({p.value: p for p in Priority}, "priority", "A, B or C"),
    "source": _choice(
        {
            **{s.value: s for s in Source},
            **{name: s for s, name in SOURCE_NAMES.items()},
            "驻外投资促进中心": Source.center,
            "专班": Source.task_force,
            "其它": Source.other,
        },
        "source",
        "驻外中心, 招商专班, 智库, 以商招商, 展会 or 其他",
    ),
    "expected_investment": parse_number,
    "expected_jobs": parse_int,
    "next_follow_up": parse_date,
    "stage": _any_stage,
    "notes": text_or_none,
    "park": text_or_none,
}


def parse_rows(
    rows: Iterable[tuple[int, list[Any]]],
    columns: dict[str, int],
    header: dict[str, str],
    report: ImportReport,
    parse_segment: Callable[[Any], Any],
) -> list[LeadRow]:
    """The good rows of ``rows`` (``(row number, cells)``); every bad cell of every other
    row goes into the report.

    ``parse_segment`` turns a segment cell into its ``chain:segment`` code (the names of these
    rows looked up first)."""
    parsers = {**_PARSERS, "segment": parse_segment}
    parsed: list[LeadRow] = []
    for number, cells in rows:
        raw = {name: (cells[i] if i < len(cells) else None) for name, i in columns.items()}
        data, errors = validate_row(number, raw, parsers, LeadRowData, header)
        if data is not None:
            parsed.append(LeadRow(row=number, data=data))
        report.errors.extend(errors)
    return parsed
