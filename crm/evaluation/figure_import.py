"""Import and export of local firms' yearly figures (CSV/XLSX, Chinese or English headers),
with the row-by-row, all-or-nothing report of every import (crm.importing).

A row names its firm by credit code (first) or name (normalised, as the company register
matches names); the firm must be local. A row for a firm and year already stored updates it
(the columns the file has; a blank cell clears that figure); otherwise the year is created.
Rows are read, checked and written a batch at a time with Core statements, in bounded memory;
the audit trail holds one entry per import (the file, the ids created and changed).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload
from stdnum.cn import uscc

from crm.audit import record_import
from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.db import (
    btree_lookups,
    insert_returning_ids,
    take_write_lock,
    update_checking_versions,
    utcnow,
)
from crm.evaluation.models import CompanyYear
from crm.importing import (
    BatchWrites,
    ImportReport,
    Progress,
    RowError,
    chunks,
    count_refused,
    open_table,
    parse_bool,
    parse_int,
    parse_number,
    text_or_none,
    validate_row,
)
from crm.table_writing import batches

# field → (the Chinese header written on export and in the template, other accepted headers)
COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("年度", "年份", "year"),
    "name": ("企业名称", "名称", "name"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "land_own_mu": ("自有用地(亩)", "自有用地", "land_own_mu"),
    "land_rented_mu": ("租用用地(亩)", "租用用地", "land_rented_mu"),
    "revenue": ("营业收入(万元)", "营业收入", "revenue"),
    "tax": ("实缴税金(万元)", "实缴税金", "税收", "tax"),
    "added_value": ("工业增加值(万元)", "工业增加值", "added_value"),
    "energy_tce": ("综合能耗(吨标准煤)", "综合能耗", "energy_tce"),
    "emissions": ("排放当量", "主要污染物排放当量", "emissions"),
    "rd_spend": ("研发经费(万元)", "研发经费", "rd_spend"),
    "employees": ("年平均职工人数", "职工人数", "employees"),
    "fixed_asset_investment": ("固定资产投资(万元)", "固定资产投资", "fixed_asset_investment"),
    "above_size": ("是否规上", "规上", "above_size"),
}
BATCH = 2000
CHINESE_HEADERS = {field: names[0] for field, names in COLUMNS.items()}
FIGURES = tuple(f for f in COLUMNS if f not in ("year", "name", "credit_code", "above_size"))
PARSERS = {
    "year": parse_int,
    "name": text_or_none,
    "credit_code": text_or_none,
    "employees": parse_int,
    "above_size": parse_bool,
    **{field: parse_number for field in FIGURES if field != "employees"},
}


class FigureRow(BaseModel):
    year: int = Field(ge=1990, le=2100)
    name: str | None = Field(None, max_length=200)
    credit_code: str | None = Field(None, max_length=40)
    land_own_mu: float | None = Field(None, ge=0, le=1e7)
    land_rented_mu: float | None = Field(None, ge=0, le=1e7)
    revenue: float | None = Field(None, ge=0, le=1e10)
    tax: float | None = Field(None, ge=0, le=1e10)
    added_value: float | None = Field(None, ge=0, le=1e10)
    energy_tce: float | None = Field(None, ge=0, le=1e12)
    emissions: float | None = Field(None, ge=0, le=1e12)
    rd_spend: float | None = Field(None, ge=0, le=1e10)
    employees: int | None = Field(None, ge=0, le=10_000_000)
    fixed_asset_investment: float | None = Field(None, ge=0, le=1e10)
    above_size: bool | None = None

    @model_validator(mode="after")
    def _names_the_firm(self) -> "FigureRow":
        if self.name is None and self.credit_code is None:
            raise ValueError("name the firm: 企业名称 or 统一社会信用代码")
        return self


@dataclass(frozen=True)
class Firm:
    """What a row's firm is matched and checked on (a stored company, as plain values)."""

    id: int
    name: str
    is_local: bool


@dataclass
class Parsed:
    row: int
    data: FigureRow
    firm: Firm | None = None


def import_figures(
    session: Session,
    content: bytes,
    filename: str,
    *,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the whole file (refused whole if a row is bad) or, if ``partial``, its good rows.

    The file is read as a stream, ``BATCH`` rows at a time, each batch checked and written
    (Core statements) before the next is read; a bad row stops the writing, the rest is still
    checked for the report, and what was written is rolled back. One audit entry per import.
    """
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, ("year",), report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    if "name" not in columns and "credit_code" not in columns:
        message = "no column naming the firm (企业名称 / 统一社会信用代码)"
        report.errors.append(RowError(row=1, column=None, message=message))
        report.file_refused = True
        return report
    header_of = {field: table.headers[index] for field, index in columns.items()}
    fields = [f for f in columns if f in FIGURES or f == "above_size"]
    take_write_lock(session, CompanyYear.__tablename__)
    writes = BatchWrites(session, report, partial=partial)
    seen: dict[tuple[int, int], int] = {}  # (firm, year) → the row that gave it first
    written = _Written()
    done = good = 0
    for batch in batches(table.rows, BATCH):
        rows = _parse(batch, columns, header_of, report)
        rows = _resolve(session, rows, seen, header_of, report)
        good += len(rows)
        if writes.keep_writing() and rows:
            _write(session, rows, fields, written)
        done += len(batch)
        if progress:
            progress(done, report.rows)
    count_refused(report)
    if not writes.active:
        return report
    report.created, report.merged = len(written.created), good - len(written.created)
    report.applied = good > 0
    if written.created or written.changed:
        changes = {"rows": report.rows, "created": written.created, "changed": written.changed}
        record_import(session, CompanyYear.__tablename__, filename, changes)
    writes.commit()
    return report


def _parse(
    batch: list[tuple[int, list[Any]]],
    columns: dict[str, int],
    header_of: dict[str, str],
    report: ImportReport,
) -> list[Parsed]:
    rows = []
    for number, cells in batch:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        data, errors = validate_row(number, raw, PARSERS, FigureRow, header_of)
        report.errors.extend(errors)
        if data is not None:
            rows.append(Parsed(number, data))
    return rows


def _code(credit_code: str) -> str:
    return uscc.compact(credit_code).upper()


def _firms(session: Session, rows: list[Parsed]) -> tuple[dict[str, Firm], dict[str, list[Firm]]]:
    """Stored companies by credit code and by name key, for the codes and names of the rows."""
    codes = sorted({_code(r.data.credit_code) for r in rows if r.data.credit_code})
    keys = sorted({normalise_name(r.data.name) for r in rows if r.data.name})
    columns = (Company.id, Company.name, Company.is_local)
    by_code: dict[str, Firm] = {}
    by_key: dict[str, list[Firm]] = {}
    with btree_lookups(session):
        for part in chunks(codes):
            query = select(*columns, Company.credit_code).where(Company.credit_code.in_(part))
            for id_, name, is_local, code in session.execute(query):
                by_code[code] = Firm(id_, name, is_local)
        for part in chunks(keys):
            query = (
                select(*columns, Company.name_key)
                .where(Company.name_key.in_(part))
                .order_by(Company.id)
            )
            for id_, name, is_local, key in session.execute(query):
                by_key.setdefault(key, []).append(Firm(id_, name, is_local))
    return by_code, by_key


def _resolve(
    session: Session,
    rows: list[Parsed],
    seen: dict[tuple[int, int], int],
    header_of: dict[str, str],
    report: ImportReport,
) -> list[Parsed]:
    """The rows whose firm is found, local and not given the same year by an earlier row
    of the file (``seen``), with their firm; the others' errors go into the report."""
    by_code, by_key = _firms(session, rows)
    good = []
    for parsed in rows:
        data, problem = parsed.data, None
        column = "credit_code" if data.credit_code else "name"
        if data.credit_code:
            parsed.firm = by_code.get(_code(data.credit_code))
        else:
            found = by_key.get(normalise_name(data.name or ""), [])
            parsed.firm = found[0] if len(found) == 1 else None
            if len(found) > 1:
                problem = f"more than one company is named '{data.name}': give its credit code"
        if parsed.firm is None and problem is None:
            problem = f"no company '{data.credit_code or data.name}' in the register"
        elif parsed.firm is not None and not parsed.firm.is_local:
            problem = f"{parsed.firm.name} is not a local company: only local firms have figures"
        elif parsed.firm is not None:
            key = (parsed.firm.id, data.year)
            if key in seen:
                column, problem = "year", f"the same firm and year as row {seen[key]}"
            seen.setdefault(key, parsed.row)
        if problem:
            where = header_of.get(column, column)
            report.errors.append(RowError(row=parsed.row, column=where, message=problem))
        else:
            good.append(parsed)
    return good


@dataclass
class _Written:
    """The ids of the firm-years an import created and changed, for its audit entry."""

    created: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)


def _write(session: Session, rows: list[Parsed], fields: list[str], written: _Written) -> None:
    """Insert the years not stored, update the others: the columns the file has (a blank
    cell clears that figure; a blank 规上 cell leaves the flag as it was)."""
    stored = _stored_years(session, [(r.firm.id, r.data.year) for r in rows if r.firm])
    now = utcnow()
    new, changed = [], []
    for parsed in rows:
        assert parsed.firm is not None
        values = {name: getattr(parsed.data, name) for name in fields}
        year = stored.get((parsed.firm.id, parsed.data.year))
        if year is None:
            new.append(_new_year(parsed, values, now))
        elif _differs(year, values):
            params = {"year_id": year["id"], "read_version": year["version"]}
            changed.append({**params, **_prefixed(values)})
    written.created += insert_returning_ids(session, CompanyYear.__table__, new)
    _update_years(session, changed, fields, now)
    written.changed += [row["year_id"] for row in changed]


def _differs(stored: dict[str, Any], values: dict[str, Any]) -> bool:
    """Whether the row changes the stored firm-year (an unchanged one is not written, so its
    version stays and nobody editing it meanwhile is refused); a blank 规上 changes nothing."""
    return any(
        stored[name] != value
        for name, value in values.items()
        if not (name == "above_size" and value is None)
    )


def _stored_years(session: Session, keys: list[tuple[int, int]]) -> dict[tuple, dict[str, Any]]:
    """``{(company id, year): {id, version and the figures}}`` of the firm-years already
    stored (read by company id, which the unique index on (company, year) serves, and the
    batch's years)."""
    table = CompanyYear.__table__
    wanted = set(keys)
    years = sorted({year for _, year in keys})
    columns = [table.c[name] for name in ("id", "version", *FIGURES, "above_size")]
    found: dict[tuple, dict[str, Any]] = {}
    for part in chunks(sorted({company for company, _ in keys})):
        query = select(table.c.company_id, table.c.year, *columns).where(
            table.c.company_id.in_(part), table.c.year.in_(years)
        )
        for row in session.execute(query).mappings():
            if (row["company_id"], row["year"]) in wanted:
                found[(row["company_id"], row["year"])] = dict(row)
    return found


def _new_year(parsed: Parsed, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Every column of a new firm-year, as the ORM with the model's defaults wrote it."""
    assert parsed.firm is not None
    row: dict[str, Any] = {name: None for name in FIGURES}
    row.update(values)
    return {
        **row,
        "company_id": parsed.firm.id,
        "year": parsed.data.year,
        "above_size": bool(values.get("above_size")),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _prefixed(values: dict[str, Any]) -> dict[str, Any]:
    return {f"new_{name}": value for name, value in values.items()}


def _update_years(
    session: Session, params: list[dict[str, Any]], fields: list[str], now: datetime
) -> None:
    """One executemany UPDATE, each row checked against the version read and bumped, as the
    ORM's optimistic locking does: a firm-year changed meanwhile is a ``StaleDataError``."""
    if not params:
        return
    table = CompanyYear.__table__
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in fields}
    if "above_size" in values:  # blank: the flag as it was
        values["above_size"] = func.coalesce(bindparam("new_above_size"), table.c.above_size)
    statement = (
        update(table)
        .where(table.c.id == bindparam("year_id"), table.c.version == bindparam("read_version"))
        .values(version=table.c.version + 1, updated_at=now, **values)
    )
    update_checking_versions(session, statement, params)


def export_figures(
    session: Session, *, year: int | None = None
) -> tuple[list[str], Iterable[list[Any]]]:
    """Yearly figures under Chinese headers (one year, or all); reads back through
    ``import_figures``."""
    query = (
        select(CompanyYear)
        .options(selectinload(CompanyYear.company))
        .order_by(CompanyYear.year, CompanyYear.company_id)
    )
    if year is not None:
        query = query.where(CompanyYear.year == year)
    rows = (
        [
            row.year,
            row.company.name,
            row.company.credit_code,
            *(getattr(row, field) for field in FIGURES),
            "是" if row.above_size else "否",
        ]
        for row in session.scalars(query)
    )
    return list(CHINESE_HEADERS.values()), rows
