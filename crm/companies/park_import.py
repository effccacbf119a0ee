"""Importing parks (园区) from a CSV or XLSX file, English or Chinese headers.

Columns: name/园区名称, level/级别 (national/provincial/city or 国家级/省级/市级),
leading_chains/主导产业链 (chain codes or names, separated by ``;`` or ``、``),
area_mu/面积(亩), description/简介. A park already present (same name) is left as it is;
a file with a bad row is refused whole, with every bad row reported.
"""

import re
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.chains.models import Chain
from crm.companies import parks as park_service
from crm.companies.models import Park
from crm.companies.schemas import ParkCreate
from crm.tabular import read_table

COLUMNS = {
    "name": ("name", "园区名称", "园区"),
    "level": ("level", "级别", "园区级别"),
    "leading_chains": ("leading_chains", "主导产业链", "主导产业"),
    "area_mu": ("area_mu", "面积(亩)", "面积（亩）", "面积"),
    "description": ("description", "简介", "说明"),
}
LEVELS = {"国家级": "national", "省级": "provincial", "市级": "city"}


@dataclass
class ParkImport:
    rows: int = 0
    created: int = 0
    present: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row, message)


def import_parks(session: Session, content: bytes, filename: str) -> ParkImport:
    """Create the file's parks not present yet; nothing when a row is bad."""
    table = read_table(content, filename)
    columns = _columns(table.headers)
    result = ParkImport(rows=len(table.rows))
    missing = [key for key in ("name", "level") if key not in columns]
    if missing:
        result.errors.append((1, f"missing column: {', '.join(missing)}"))
        return result
    chains = _chain_codes(session)
    existing = set(session.scalars(select(Park.name)))
    wanted: list[ParkCreate] = []
    for number, cells in table.rows:
        values = {key: _cell(cells, index) for key, index in columns.items()}
        try:
            park = _park(values, chains)
        except (ValueError, ValidationError) as error:
            result.errors.append((number, _message(error)))
            continue
        if park.name in existing or any(p.name == park.name for p in wanted):
            result.present += 1
        else:
            wanted.append(park)
    if result.errors:
        return result
    for park in wanted:
        park_service.create(session, park)
    result.created = len(wanted)
    return result


def _columns(headers: list[str]) -> dict[str, int]:
    found = {}
    for index, header in enumerate(headers):
        text = str(header or "").strip()
        for key, names in COLUMNS.items():
            if text.lower() in {name.lower() for name in names}:
                found[key] = index
    return found


def _cell(cells: list, index: int):
    value = cells[index] if index < len(cells) else None
    return value.strip() if isinstance(value, str) else value


def _chain_codes(session: Session) -> dict[str, str]:
    """Chain code or name → code."""
    codes = {}
    for code, name in session.execute(select(Chain.code, Chain.name)):
        codes[code] = code
        codes[name] = code
    return codes


def _park(values: dict, chains: dict[str, str]) -> ParkCreate:
    level = values.get("level")
    chain_names = [c for c in re.split(r"[;；、,，]\s*", values.get("leading_chains") or "") if c]
    unknown = [c for c in chain_names if c not in chains]
    if unknown:
        raise ValueError(f"unknown chain '{unknown[0]}': import its chain map first")
    return ParkCreate(
        name=values.get("name") or "",
        level=LEVELS.get(level, level),
        leading_chains=[chains[c] for c in chain_names],
        area_mu=values.get("area_mu") or None,
        description=values.get("description") or None,
    )


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        )
    return str(error)
