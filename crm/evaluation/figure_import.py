"""Import and export of local firms' yearly figures (CSV/XLSX, Chinese or English headers),
with the row-by-row, all-or-nothing report of every import (crm.importing).

A row names its firm by credit code (first) or name (normalised, as the company register
matches names); the firm must be local. A row for a firm and year already stored updates it
(the columns the file has; a blank cell clears that figure); otherwise the year is created.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload
from stdnum.cn import uscc

from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.db import btree_lookups, take_write_lock
from crm.evaluation.models import CompanyYear
from crm.importing import (
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


@dataclass
class Parsed:
    row: int
    data: FigureRow
    company: Company | None = None


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
    """Validate the whole file, then write all of it (or, if ``partial``, its good rows)."""
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
    rows: list[Parsed] = []
    for number, cells in table.rows:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        data, errors = validate_row(number, raw, PARSERS, FigureRow, header_of)
        report.errors.extend(errors)
        if data is not None:
            rows.append(Parsed(number, data))
    rows = _resolve(session, rows, header_of, report)
    count_refused(report)
    if report.errors and not partial:
        return report
    take_write_lock(session, "company_year")
    written = [f for f in columns if f in FIGURES or f == "above_size"]
    report.created, report.merged = _write(session, rows, written, progress)
    report.applied = bool(rows)
    return report


def _code(credit_code: str) -> str:
    return uscc.compact(credit_code).upper()


def _companies(session: Session, rows: list[Parsed]) -> tuple[dict, dict]:
    """Companies by credit code and by name key, for the codes and names the file has."""
    codes = list({_code(r.data.credit_code) for r in rows if r.data.credit_code})
    keys = list({normalise_name(r.data.name) for r in rows if r.data.name})
    by_code: dict[str, Company] = {}
    by_key: dict[str, list[Company]] = {}
    with btree_lookups(session):
        for part in chunks(codes):
            for company in session.scalars(select(Company).where(Company.credit_code.in_(part))):
                by_code[company.credit_code] = company
        for part in chunks(keys):
            for company in session.scalars(select(Company).where(Company.name_key.in_(part))):
                by_key.setdefault(company.name_key, []).append(company)
    return by_code, by_key


def _resolve(session: Session, rows: list[Parsed], header_of, report) -> list[Parsed]:
    by_code, by_key = _companies(session, rows)
    seen: dict[tuple[int, int], int] = {}
    good = []
    for parsed in rows:
        data, problem = parsed.data, None
        column = "credit_code" if data.credit_code else "name"
        if data.credit_code:
            parsed.company = by_code.get(_code(data.credit_code))
        else:
            found = by_key.get(normalise_name(data.name or ""), [])
            parsed.company = found[0] if len(found) == 1 else None
            if len(found) > 1:
                problem = f"more than one company is named '{data.name}': give its credit code"
        if parsed.company is None and problem is None:
            problem = f"no company '{data.credit_code or data.name}' in the register"
        elif parsed.company is not None and not parsed.company.is_local:
            problem = f"{parsed.company.name} is not a local company: only local firms have figures"
        elif parsed.company is not None:
            key = (parsed.company.id, data.year)
            if key in seen:
                column, problem = "year", f"the same firm and year as row {seen[key]}"
            seen.setdefault(key, parsed.row)
        if problem:
            where = header_of.get(column, column)
            report.errors.append(RowError(row=parsed.row, column=where, message=problem))
        else:
            good.append(parsed)
    return good


def _write(session: Session, rows: list[Parsed], fields: list[str], progress) -> tuple[int, int]:
    keys = [(r.company.id, r.data.year) for r in rows]
    existing: dict[tuple[int, int], CompanyYear] = {}
    for part in chunks(keys):
        query = select(CompanyYear).where(
            tuple_(CompanyYear.company_id, CompanyYear.year).in_(part)
        )
        existing.update({(row.company_id, row.year): row for row in session.scalars(query)})
    created = 0
    for done, parsed in enumerate(rows, start=1):
        row = existing.get((parsed.company.id, parsed.data.year))
        if row is None:
            row = CompanyYear(company=parsed.company, year=parsed.data.year, above_size=False)
            session.add(row)
            created += 1
        for field in fields:
            value = getattr(parsed.data, field)
            if field == "above_size" and value is None:
                continue  # a blank 规上 cell leaves the flag as it was
            setattr(row, field, value)
        if progress and done % 500 == 0:
            progress(done, len(rows))
    session.flush()
    return created, len(rows) - created


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
