"""What every file import shares: header aliases, cell parsing, the row-by-row report."""

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

Progress = Callable[[int, int], None]  # (rows done, rows in all)

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "本地", "√", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "外地", "非本地", "×", ""}
LIST_SEPARATORS = re.compile(r"[;；,，、|\n]+")


class RowError(BaseModel):
    row: int = Field(description="row number in the file (the header is row 1)")
    column: str | None
    message: str


class ImportReport(BaseModel):
    rows: int = 0
    created: int = 0
    merged: int = 0
    refused: int = Field(0, description="rows left out because of errors")
    applied: bool = Field(False, description="whether anything was written")
    errors: list[RowError] = []


def header_key(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).casefold().split())


def map_headers(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """``{field: column index}`` for the headers a file has, matched by any alias."""
    lookup = {header_key(alias): field for field, names in aliases.items() for alias in names}
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = lookup.get(header_key(header))
        if field is not None and field not in found:
            found[field] = index
    return found


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in LIST_SEPARATORS.split(str(value)) if part.strip()]


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = str(value).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'{value}' is not yes/no (是/否)")


def parse_number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace(",", "").replace("，", "").strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"'{value}' is not a number") from None


def parse_int(value: Any) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"'{value}' is not a whole number")
    return int(number)


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
