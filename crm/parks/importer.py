"""Import and export of land plots and standard factories (CSV/XLSX, Chinese headers), with
the same row-by-row, all-or-nothing report as the company import (crm.importing).

A row matches a stored plot by park and plot number (a factory by park, building and floor)
and updates it; otherwise it is created. A status that changes is written to the plot's dated
history on the day of the import.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from crm.companies.models import Company, Park
from crm.db import take_write_lock
from crm.i18n import translate
from crm.importing import (
    ImportReport,
    Progress,
    RowError,
    count_refused,
    open_table,
    validate_row,
)
from crm.parks.import_rows import (
    FACTORY_COLUMNS,
    FACTORY_PARSERS,
    PLOT_COLUMNS,
    PLOT_PARSERS,
    Column,
    FactoryRow,
    PlotRow,
    aliases,
)
from crm.parks.models import (
    Factory,
    FactoryStatus,
    LandPlot,
    PlotStatus,
    PlotStatusChange,
)
from crm.parks.plots import HELD


@dataclass
class Parsed:
    row: int
    data: Any
    park: Park | None = None
    company: Company | None = None


def import_plots(
    session: Session,
    content: bytes,
    filename: str,
    *,
    today: date,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate the whole file, then write all of it (or, if ``partial``, its good rows)."""
    return _import(
        session,
        content,
        filename,
        _PLOTS,
        today=today,
        partial=partial,
        ignore=ignore,
        sheet=sheet,
        progress=progress,
    )


def import_factories(
    session: Session,
    content: bytes,
    filename: str,
    *,
    today: date,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    return _import(
        session,
        content,
        filename,
        _FACTORIES,
        today=today,
        partial=partial,
        ignore=ignore,
        sheet=sheet,
        progress=progress,
    )


@dataclass(frozen=True)
class Kind:
    columns: tuple[Column, ...]
    parsers: dict[str, Callable]
    model: type[BaseModel]
    required: tuple[str, ...]
    company_field: str  # holder / tenant
    key: Callable[[Any], tuple]
    check: Callable[[Parsed], str | None]
    write: Callable[..., tuple[int, int]]


def _import(session, content, filename, kind: Kind, *, today, partial, ignore, sheet, progress):
    report = ImportReport()
    opened = open_table(
        content, filename, aliases(kind.columns), kind.required, report, ignore=ignore, sheet=sheet
    )
    if opened is None:
        return report
    table, columns = opened
    header_of = {f: table.headers[i] for f, i in columns.items()}
    rows: list[Parsed] = []
    for number, cells in table.rows:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        data, errors = validate_row(number, raw, kind.parsers, kind.model, header_of)
        report.errors.extend(errors)
        if data is not None:
            rows.append(Parsed(number, data))
    rows = _resolve(session, rows, kind, header_of, report)
    count_refused(report)
    if report.errors and not partial:
        return report
    take_write_lock(session, kind.model is PlotRow and "land_plot" or "factory")
    report.created, report.merged = kind.write(session, rows, today, progress)
    report.applied = bool(rows)
    return report


def _resolve(session: Session, rows: list[Parsed], kind: Kind, header_of, report) -> list[Parsed]:
    """Parks and companies by name (one query each), duplicates within the file, and the
    rules a row must meet whole (a held plot names its holder)."""
    parks = {p.name: p for p in session.scalars(select(Park))}
    names = {getattr(r.data, kind.company_field) for r in rows} - {None}
    companies: dict[str, Company] = {}
    if names:
        for company in session.scalars(select(Company).where(Company.name.in_(names))):
            companies.setdefault(company.name, company)
    seen: dict[tuple, int] = {}
    good = []
    for parsed in rows:
        problems: list[tuple[str, str]] = []
        parsed.park = parks.get(parsed.data.park)
        if parsed.park is None:
            problems.append(("park", f"unknown park '{parsed.data.park}'"))
        company_name = getattr(parsed.data, kind.company_field)
        parsed.company = companies.get(company_name) if company_name else None
        if company_name and parsed.company is None:
            problems.append((kind.company_field, f"unknown company '{company_name}'"))
        key = kind.key(parsed.data)
        if key in seen:
            problems.append(("park", f"the same site as row {seen[key]}"))
        seen.setdefault(key, parsed.row)
        rule = kind.check(parsed)
        if rule:
            problems.append(("status", rule))
        for field, message in problems:
            column = header_of.get(field, field)
            report.errors.append(RowError(row=parsed.row, column=column, message=message))
        if not problems:
            good.append(parsed)
    return good


def _check_plot(parsed: Parsed) -> str | None:
    data: PlotRow = parsed.data
    if data.status == PlotStatus.reserved:
        return "a plot is reserved for a lead from the lead's sites, not by import"
    if data.status in HELD and parsed.company is None:
        return f"a {data.status.value} plot names its holder (用地单位)"
    return None


def _check_factory(parsed: Parsed) -> str | None:
    data: FactoryRow = parsed.data
    if data.status == FactoryStatus.reserved:
        return "a factory is reserved for a lead from the lead's sites, not by import"
    if data.status in (FactoryStatus.let, FactoryStatus.sold) and parsed.company is None:
        return f"a {data.status.value} factory names its tenant (入驻企业)"
    return None


PLOT_FIELDS = [f for f in PlotRow.model_fields if f not in ("park", "holder")]
FACTORY_FIELDS = [f for f in FactoryRow.model_fields if f not in ("park", "tenant")]


def _write_plots(session: Session, rows: list[Parsed], today: date, progress) -> tuple[int, int]:
    keys = [(r.park.id, r.data.plot_no) for r in rows]
    existing = (
        {
            (p.park_id, p.plot_no): p
            for p in session.scalars(
                select(LandPlot).where(tuple_(LandPlot.park_id, LandPlot.plot_no).in_(keys))
            )
        }
        if keys
        else {}
    )
    created = 0
    history = []
    for done, parsed in enumerate(rows, start=1):
        plot = existing.get((parsed.park.id, parsed.data.plot_no))
        before = plot.status if plot else None
        if plot is None:
            plot = LandPlot(park_id=parsed.park.id, status_on=today)
            session.add(plot)
            created += 1
        for field in PLOT_FIELDS:
            setattr(plot, field, getattr(parsed.data, field))
        plot.holder_id = parsed.company.id if parsed.company else None
        if before != plot.status:
            plot.status_on = today
            history.append((plot, before))
        if progress and done % 500 == 0:
            progress(done, len(rows))
    session.flush()
    for plot, before in history:
        session.add(
            PlotStatusChange(
                plot_id=plot.id,
                from_status=before,
                to_status=plot.status,
                on=today,
                by=session.info.get("actor"),
                note="import",
            )
        )
    session.flush()
    return created, len(rows) - created


def _write_factories(
    session: Session, rows: list[Parsed], today: date, progress
) -> tuple[int, int]:
    keys = [(r.park.id, r.data.building, r.data.floor) for r in rows]
    existing = (
        {
            (f.park_id, f.building, f.floor): f
            for f in session.scalars(
                select(Factory).where(
                    tuple_(Factory.park_id, Factory.building, Factory.floor).in_(keys)
                )
            )
        }
        if keys
        else {}
    )
    created = 0
    for parsed in rows:
        factory = existing.get((parsed.park.id, parsed.data.building, parsed.data.floor))
        if factory is None:
            factory = Factory(park_id=parsed.park.id)
            session.add(factory)
            created += 1
        for field in FACTORY_FIELDS:
            setattr(factory, field, getattr(parsed.data, field))
        factory.tenant_id = parsed.company.id if parsed.company else None
    session.flush()
    return created, len(rows) - created


_PLOTS = Kind(
    PLOT_COLUMNS,
    PLOT_PARSERS,
    PlotRow,
    ("park", "plot_no", "area_mu"),
    "holder",
    lambda d: (d.park, d.plot_no),
    _check_plot,
    _write_plots,
)
_FACTORIES = Kind(
    FACTORY_COLUMNS,
    FACTORY_PARSERS,
    FactoryRow,
    ("park", "building", "floor", "area_m2"),
    "tenant",
    lambda d: (d.park, d.building, d.floor),
    _check_factory,
    _write_factories,
)


def _label(kind: str, value: StrEnum | None) -> str | None:
    return translate("zh", f"{kind}.{value.value}") if value is not None else None


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def export_plots(session: Session) -> tuple[list[str], Iterable[list[Any]]]:
    """Every plot under Chinese headers; reads back through ``import_plots``."""
    query = (
        select(LandPlot)
        .options(selectinload(LandPlot.park), selectinload(LandPlot.holder))
        .order_by(LandPlot.park_id, LandPlot.plot_no)
    )
    rows = (
        [
            p.park.name,
            p.plot_no,
            p.area_mu,
            _label("plotuse", p.use),
            _label("supplymode", p.supply_mode),
            p.term_years,
            p.price,
            p.holder.name if p.holder else None,
            p.contracted_start_on,
            p.actual_start_on,
            p.built_ratio,
            p.invested_ratio,
            p.work_stopped_on,
            _label("plotstatus", p.status),
            _yes(p.government_delay),
            _yes(p.dual_power),
            _yes(p.pure_water),
            _yes(p.hazardous_chemicals),
            p.notes,
        ]
        for p in session.scalars(query)
    )
    return [c.header for c in PLOT_COLUMNS], rows


def export_factories(session: Session) -> tuple[list[str], Iterable[list[Any]]]:
    query = (
        select(Factory)
        .options(selectinload(Factory.park), selectinload(Factory.tenant))
        .order_by(Factory.park_id, Factory.building, Factory.floor)
    )
    rows = (
        [
            f.park.name,
            f.building,
            f.floor,
            f.area_m2,
            f.clear_height_m,
            f.floor_load_kn,
            _yes(f.dual_power),
            _yes(f.pure_water),
            _yes(f.clean_room),
            _yes(f.hazardous_chemicals),
            f.operator,
            _label("factorymode", f.mode),
            _label("factorystatus", f.status),
            f.tenant.name if f.tenant else None,
            f.rent,
            f.notes,
        ]
        for f in session.scalars(query)
    )
    return [c.header for c in FACTORY_COLUMNS], rows
