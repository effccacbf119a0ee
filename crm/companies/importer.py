"""Company import from CSV/XLSX (SPEC §5): validate every row, then write in one transaction.

Duplicates merge instead of doubling: a row matches a company by credit code, else by
normalised name. A file with any bad row is refused whole unless ``partial`` is asked for.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm import places
from crm.chains.models import Segment
from crm.companies.models import Company, CompanyTag, Park, Tag
from crm.companies.schemas import CompanyCreate, normalise_name
from crm.db import take_write_lock
from crm.importing import (
    ImportReport,
    Progress,
    RowError,
    SegmentNames,
    chunks,
    count_refused,
    open_table,
    parse_bool,
    parse_int,
    parse_number,
    split_list,
    text_or_none,
    validate_row,
)
from crm.tabular import Table

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "企业名称", "公司名称", "名称"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "province": ("province", "省份", "省"),
    "city": ("city", "城市", "市"),
    "segments": ("segments", "所属环节", "环节"),
    "tags": ("tags", "标签"),
    "revenue": ("revenue", "营业收入(亿元)", "营业收入", "revenue(亿元)"),
    "employees": ("employees", "从业人数", "员工人数"),
    "is_local": ("is_local", "是否本地"),
    "park": ("park", "所在园区", "园区"),
    "listing": ("listing", "上市情况", "上市板块"),
}
CHINESE_HEADERS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "province": "省份",
    "city": "城市",
    "segments": "所属环节",
    "tags": "标签",
    "revenue": "营业收入(亿元)",
    "employees": "从业人数",
    "is_local": "是否本地",
    "park": "所在园区",
    "listing": "上市情况",
}
# Tag words as registers spell them, compared after ``tag_key``; a trailing 企业 is optional
# (链主企业, 上市企业, 单项冠军企业 …). Note 专精特新"小巨人" is the national little giant, not srdi.
TAG_WORDS: dict[str, Tag] = {
    **{tag.value: tag for tag in Tag},
    "龙头": Tag.leader,
    "链主": Tag.leader,
    "行业龙头": Tag.leader,
    "产业链龙头": Tag.leader,
    "专精特新": Tag.srdi,
    "专精特新中小企业": Tag.srdi,
    "小巨人": Tag.little_giant,
    "专精特新小巨人": Tag.little_giant,
    "国家级小巨人": Tag.little_giant,
    "国家级专精特新小巨人": Tag.little_giant,
    "单项冠军": Tag.champion,
    "制造业单项冠军": Tag.champion,
    "单项冠军示范": Tag.champion,
    "制造业单项冠军示范": Tag.champion,
    "国家级单项冠军": Tag.champion,
    "国家级制造业单项冠军": Tag.champion,
    "上市": Tag.listed,
    "上市公司": Tag.listed,
    "世界500强": Tag.fortune500,
    "财富世界500强": Tag.fortune500,
    "世界五百强": Tag.fortune500,
    "500强": Tag.fortune500,
}
TAG_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


def tag_key(word: str) -> str:
    """A tag word compared without width, case, quotes or spaces: 专精特新“小巨人” is
    专精特新"小巨人" is 专精特新 小巨人 is 专精特新小巨人."""
    folded = unicodedata.normalize("NFKC", word).casefold().translate(TAG_QUOTES)
    return "".join(folded.split())


TAG_LOOKUP: dict[str, Tag] = {tag_key(word): tag for word, tag in TAG_WORDS.items()}


def find_tag(word: str) -> Tag | None:
    key = tag_key(word)
    tag = TAG_LOOKUP.get(key)
    if tag is None and key.endswith("企业"):
        tag = TAG_LOOKUP.get(key.removesuffix("企业"))
    return tag


BATCH = 2000


@dataclass
class CompanyRow:
    row: int
    data: CompanyCreate
    segments: list[Segment] = field(default_factory=list)
    park: Park | None = None


def import_companies(
    session: Session,
    content: bytes,
    filename: str,
    *,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate the whole file, then write all of it (or, if ``partial``, its good rows)."""
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, ("name",), report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    segments = SegmentNames(session, table, columns.get("segments"), many=True)
    rows = _parse_rows(table, columns, report, {**_PARSERS, "segments": segments.parse})
    rows = _resolve_references(session, rows, segments.by_key, table, columns, report)
    count_refused(report)
    if report.errors and not partial:
        return report
    created, merged = _write(session, _merge_duplicates(rows), progress)
    report.created, report.merged = created, merged + (len(rows) - _distinct(rows))
    report.applied = bool(rows)
    return report


def export_rows(session: Session) -> tuple[list[str], Iterable[list[Any]]]:
    """Every company as rows under Chinese headers; reads back through ``import_companies``."""
    headers = list(CHINESE_HEADERS.values())

    def rows():
        query = (
            select(Company)
            .options(
                selectinload(Company.park),
                selectinload(Company.segments).selectinload(Segment.chain),
                selectinload(Company.tag_rows),
            )
            .order_by(Company.id)
            .execution_options(yield_per=1000)
        )
        for company in session.scalars(query):
            yield [
                company.name,
                company.credit_code,
                company.province,
                company.city,
                ";".join(f"{s.chain.code}:{s.code}" for s in company.segments),
                ";".join(tag.value for tag in company.tags),
                company.revenue,
                company.employees,
                "是" if company.is_local else "否",
                company.park.name if company.park else None,
                company.listing,
            ]

    return headers, rows()


def _parse_rows(
    table: Table, columns: dict[str, int], report: ImportReport, parsers: dict
) -> list[CompanyRow]:
    header_of = {f: table.headers[i] for f, i in columns.items()}
    parsed: list[CompanyRow] = []
    for number, cells in table.rows:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        data, errors = validate_row(number, raw, parsers, CompanyCreate, header_of)
        if data is not None:
            parsed.append(CompanyRow(row=number, data=data))
        report.errors.extend(errors)
    return parsed


def _parse_tags(value: Any) -> list[str]:
    tags = []
    for word in split_list(value):
        tag = find_tag(word)
        if tag is None:
            raise ValueError(f"unknown tag '{word}'")
        if tag.value not in tags:
            tags.append(tag.value)
    return tags


_PARSERS = {
    "name": text_or_none,
    "credit_code": text_or_none,
    "province": text_or_none,
    "city": text_or_none,
    "segments": split_list,  # replaced per file by ``SegmentNames.parse``
    "tags": _parse_tags,
    "revenue": parse_number,
    "employees": parse_int,
    "is_local": parse_bool,
    "park": text_or_none,
    "listing": text_or_none,
}


def _resolve_references(
    session: Session,
    rows: list[CompanyRow],
    segments: dict[str, Segment],
    table: Table,
    columns: dict[str, int],
    report: ImportReport,
) -> list[CompanyRow]:
    """Attach segments (already looked up) and parks, looked up once for the whole file;
    drop rows naming unknown parks."""
    park_names = {row.data.park for row in rows if row.data.park}
    parks = {p.name: p for p in session.scalars(select(Park).where(Park.name.in_(park_names)))}
    header = {f: table.headers[i] for f, i in columns.items()}
    good = []
    for row in rows:
        errors = []
        if row.data.park and row.data.park not in parks:
            message = f"unknown park '{row.data.park}'"
            errors.append(RowError(row=row.row, column=header.get("park"), message=message))
        elif row.data.park and not row.data.is_local:
            message = "only a local company (是否本地 = 是) has a park"
            errors.append(RowError(row=row.row, column=header.get("park"), message=message))
        if errors:
            report.errors.extend(errors)
            continue
        row.segments = list({segments[ref].id: segments[ref] for ref in row.data.segments}.values())
        row.park = parks.get(row.data.park) if row.data.park else None
        good.append(row)
    return good


def _identity(data: CompanyCreate) -> tuple[str, str]:
    return ("code", data.credit_code) if data.credit_code else ("name", normalise_name(data.name))


def _distinct(rows: list[CompanyRow]) -> int:
    return len({_identity(row.data) for row in rows})


def _merge_duplicates(rows: list[CompanyRow]) -> list[CompanyRow]:
    """Rows naming the same company (same credit code, else same name) become one."""
    merged: dict[tuple[str, str], CompanyRow] = {}
    for row in rows:
        key = _identity(row.data)
        if key not in merged:
            merged[key] = row
            continue
        first = merged[key]
        updates = row.data.model_dump(exclude_unset=True, exclude={"segments", "tags"})
        first.data = first.data.model_copy(
            update={
                **updates,
                "tags": list(dict.fromkeys([*first.data.tags, *row.data.tags])),
            }
        )
        first.segments = list({s.id: s for s in [*first.segments, *row.segments]}.values())
        first.park = row.park or first.park
    return list(merged.values())


WRITE_ATTEMPTS = 3


def _write(session: Session, rows: list[CompanyRow], progress: Progress | None) -> tuple[int, int]:
    """Create or merge every row's company; ``(created, merged)``.

    The database holds each company once (unique credit code; unique normalised name among
    companies without one). An import running at the same time may store some of the same
    companies between our reading and our writing: its insert wins, ours fails on the unique
    index, and we roll back to a savepoint, read again and merge into what it stored.
    """
    take_write_lock(session, Company.__tablename__)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return _write_once(session, rows, progress)
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _write_once(
    session: Session, rows: list[CompanyRow], progress: Progress | None
) -> tuple[int, int]:
    existing_by_code, existing_by_name = _existing(session, rows)
    created = merged = 0
    for done, row in enumerate(rows, start=1):
        company = match_company(
            row.data.name, row.data.credit_code, existing_by_code, existing_by_name
        )
        if company is None:
            company = Company(name=row.data.name, name_key=normalise_name(row.data.name))
            _fill(company, row, new=True)
            session.add(company)
            created += 1
        else:
            if _fill(company, row, new=False):
                company.touch()
            merged += 1
        if company.credit_code:
            existing_by_code[company.credit_code] = company
        existing_by_name.setdefault(company.name_key, company)
        if done % BATCH == 0:
            session.flush()
            if progress:
                progress(done, len(rows))
    session.flush()
    if progress:
        progress(len(rows), len(rows))
    return created, merged


def match_company(
    name: str, credit_code: str | None, by_code: dict[str, Company], by_name: dict[str, Company]
) -> Company | None:
    """The stored company a row names: same credit code; else same normalised name, unless
    both carry different codes."""
    if credit_code and credit_code in by_code:
        return by_code[credit_code]
    candidate = by_name.get(normalise_name(name))
    if candidate is not None and (not credit_code or not candidate.credit_code):
        return candidate
    return None


def _fill(company: Company, row: CompanyRow, *, new: bool) -> bool:
    """Copy what the row says onto the company; True if anything changed.

    A merge only adds: blank cells keep stored values, segments and tags are united.
    """
    data = row.data
    changed = False
    stored_as = {"province": places.province_name, "city": places.city_name}
    for name in ("credit_code", "province", "city", "revenue", "employees", "listing"):
        value = getattr(data, name)
        if name in stored_as:  # 深圳 is the 深圳市 already stored: no change
            value = stored_as[name](value)
        if value is not None and getattr(company, name) != value:
            setattr(company, name, value)
            changed = True
    if (new or "is_local" in data.model_fields_set) and company.is_local != data.is_local:
        company.is_local = data.is_local
        changed = True
    if row.park is not None and company.park_id != row.park.id:
        company.park = row.park
        changed = True
    have_segments = set() if new else {s.id for s in company.segments}
    added_segments = [s for s in row.segments if s.id not in have_segments]
    if added_segments:
        company.segments = [*([] if new else company.segments), *added_segments]
        changed = True
    have_tags = set() if new else set(company.tags)
    for tag in data.tags:
        if tag not in have_tags:
            company.tag_rows.append(CompanyTag(tag=tag))
            have_tags.add(tag)
            changed = True
    return changed


def _existing(
    session: Session, rows: list[CompanyRow]
) -> tuple[dict[str, Company], dict[str, Company]]:
    """Companies already stored that rows may match, fetched in chunks, not per row."""
    codes = sorted({r.data.credit_code for r in rows if r.data.credit_code})
    names = sorted({normalise_name(r.data.name) for r in rows})
    load = (selectinload(Company.segments), selectinload(Company.tag_rows))
    by_code: dict[str, Company] = {}
    by_name: dict[str, Company] = {}
    for chunk in chunks(codes):
        for company in session.scalars(
            select(Company).where(Company.credit_code.in_(chunk)).options(*load)
        ):
            by_code[company.credit_code] = company
    for chunk in chunks(names):
        for company in session.scalars(
            select(Company).where(Company.name_key.in_(chunk)).options(*load).order_by(Company.id)
        ):
            by_name.setdefault(company.name_key, company)
    return by_code, by_name
