"""What every file import shares: header aliases, cell parsing, the row-by-row report."""

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session, SessionTransaction

from crm.chains import service as chain_service
from crm.chains.models import Segment
from crm.errors import DomainError
from crm.tabular import StreamedTable, TableError, stream_table

Progress = Callable[[int, int], None]  # (rows done, rows in all)
CellParser = Callable[[Any], Any]  # a cell to a value (None: blank); ValueError when bad
Row = TypeVar("Row", bound=BaseModel)

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "本地", "√", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "外地", "非本地", "×"}
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
    file_refused: bool = Field(
        False,
        description="the file was refused as a whole (unreadable, or a column missing or "
        "unknown) before its rows were checked",
    )
    sheet: str | None = Field(None, description="the workbook sheet read (None for CSV)")
    columns: list[str] = Field([], description="the file's columns that were read")
    ignored: list[str] = Field([], description="the file's columns ignored, as asked")
    errors: list[RowError] = []


class BatchWrites:
    """The savepoint an import writes its batches in, a batch at a time as the file is read.

    Once a row is refused (unless ``partial``), what was written is rolled back and nothing
    more is written; the rest of the file is still read and checked, for the report.
    """

    def __init__(self, session: Session, report: ImportReport, *, partial: bool):
        self.report, self.partial = report, partial
        self.savepoint: SessionTransaction | None = session.begin_nested()

    @property
    def active(self) -> bool:
        return self.savepoint is not None

    def keep_writing(self) -> bool:
        """After a batch is checked: whether it may be written (a refused row, unless
        ``partial``, rolls back what was written and ends the writing)."""
        if self.report.errors and not self.partial and self.savepoint is not None:
            self.savepoint.rollback()
            self.savepoint = None
        return self.active

    def commit(self) -> None:
        assert self.savepoint is not None
        self.savepoint.commit()


class ImportRefused(DomainError):
    """A file refused with nothing written; the report is the ``detail`` (rendered as 422)."""

    status_code = 422

    def __init__(self, report: ImportReport):
        super().__init__(report.model_dump(mode="json"))
        self.report = report


def validate_row(
    number: int,
    cells: dict[str, Any],
    parsers: dict[str, CellParser],
    model: type[Row],
    header: dict[str, str],
) -> tuple[Row | None, list[RowError]]:
    """One row's values as ``model``, or every bad cell of the row.

    Each cell is parsed, then the cells that parsed are validated together, so a row with a
    bad number and a bad credit code reports both, not only the first kind of mistake.
    ``cells`` maps field names to raw cells; ``header`` maps them to the file's column names.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[RowError]] = {}
    for name, cell in cells.items():
        try:
            values[name] = parsers[name](cell)
        except ValueError as error:
            errors[name] = [RowError(row=number, column=header[name], message=str(error))]
    unparsed = set(errors)
    try:
        data = model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        data = None
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            if name in unparsed:
                continue  # left out because it did not parse: already reported
            if item["type"] == "missing":
                message = "required: the cell is blank"
            else:
                message = item["msg"].removeprefix("Value error, ")
            column = header.get(name, name or None)
            errors.setdefault(name, []).append(RowError(row=number, column=column, message=message))
    position = {name: index for index, name in enumerate(cells)}
    ordered = sorted(errors, key=lambda name: position.get(name, len(position)))
    found = [row_error for name in ordered for row_error in errors[name]]
    return (None if found else data), found


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


def parse_bool(value: Any) -> bool | None:
    """Yes/no in English or Chinese; a blank cell is None (not stated), as for numbers."""
    if isinstance(value, bool):
        return value
    word = "" if value is None else str(value).strip().casefold()
    if not word:
        return None
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


EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its 1900 leap bug)
DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_date(value: Any) -> date | None:
    """A date as Excel and people write it: a date cell, 2026-03-05, 2026/3/5, 2026年3月5日,
    or an Excel serial number (a date cell formatted as a number)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:  # Excel's last day is 9999-12-31
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"'{value}' is not a date")
    match = DATE_TEXT.match(str(value).strip())
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValueError(f"'{value}' is not a date (2026-03-05 or 2026/3/5)")


LOOKUP_CHUNK = 500


def chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    """``values`` in slices small enough for one ``IN (…)`` lookup each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def open_table(
    content: bytes,
    filename: str,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    report: ImportReport,
    *,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
) -> tuple[StreamedTable, dict[str, int]] | None:
    """Read the file's header and find its columns, then read its rows once through (not
    keeping them) to count them and check them against the limits; on failure, say why in
    the report and give None.

    Every column must be one we know or one the user chose to ignore: a misspelled header
    would otherwise drop that column's data from every row without a word.
    """
    try:
        table = stream_table(content, filename, sheet)
        columns = map_headers(table.headers, aliases)
        unnamed = _scan(table, columns, {header_key(name) for name in ignore}, report)
    except TableError as error:
        report.errors.append(RowError(row=1, column=None, message=str(error)))
        report.file_refused = True
        return None
    report.sheet = table.sheet
    report.columns = [table.headers[index] for index in sorted(columns.values())]
    _check_other_columns(table, columns, aliases, unnamed, {header_key(n) for n in ignore}, report)
    for name in required:
        if name not in columns:
            message = f"no {name} column ({' / '.join(aliases[name][:3])})"
            report.errors.append(RowError(row=1, column=None, message=message))
    if report.errors:
        report.file_refused = True
        return None
    return table, columns


def _scan(
    table: StreamedTable, columns: dict[str, int], ignore: set[str], report: ImportReport
) -> set[int]:
    """Count the rows; the unnamed, unread columns that hold data somewhere."""
    read = set(columns.values())
    blank = [
        index
        for index, header in enumerate(table.headers)
        if not header and index not in read and header_key(header) not in ignore
    ]
    holding: set[int] = set()
    count = 0
    for _, cells in table.rows:
        count += 1
        for index in blank:
            if index not in holding and index < len(cells) and cells[index] not in (None, ""):
                holding.add(index)
    report.rows = count
    return holding


def _check_other_columns(
    table: StreamedTable,
    columns: dict[str, int],
    aliases: dict[str, tuple[str, ...]],
    unnamed_with_data: set[int],
    ignore: set[str],
    report: ImportReport,
) -> None:
    """Report every column that is neither read nor ignored; list the ignored ones."""
    read = set(columns.values())
    known = [alias for names in aliases.values() for alias in names]
    by_key = {header_key(alias): field for field, names in aliases.items() for alias in names}
    for index, header in enumerate(table.headers):
        if index in read:
            continue
        if header_key(header) in ignore:
            report.ignored.append(header)
        elif not header:
            if index in unnamed_with_data:
                message = f"column {index + 1} has no header but holds data: name it or delete it"
                report.errors.append(RowError(row=1, column=None, message=message))
        elif header_key(header) in by_key:
            field = by_key[header_key(header)]
            first = table.headers[columns[field]]
            message = f"column '{header}' repeats '{first}' (both are {field}): keep one"
            report.errors.append(RowError(row=1, column=header, message=message))
        else:
            report.errors.append(RowError(row=1, column=header, message=_unknown(header, known)))


def _unknown(header: str, known: list[str]) -> str:
    close = difflib.get_close_matches(header, known, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(header_key(header), known, n=3, cutoff=0.5)
    hint = f" (did you mean {' or '.join(repr(name) for name in close)}?)" if close else ""
    return (
        f"unknown column '{header}'{hint}: rename it, or ignore it explicitly "
        "(--ignore-column NAME / ignore_column=NAME) to import the file without it"
    )


class SegmentNames:
    """A file's segment cells looked up a batch of rows at a time (codes or Chinese names,
    see ``chain_service.find_segments``): each part of a cell becomes its ``chain:segment``
    code, or a ``ValueError`` saying why it cannot. What was looked up is kept for later
    batches (a file names few distinct segments)."""

    def __init__(self, session: Session, *, many: bool):
        self.session = session
        self.many = many
        self.found: dict[str, Segment] = {}
        self.problems: dict[str, str] = {}
        self.by_key: dict[str, Segment] = {}

    def look_up(self, cells: Iterable[Any]) -> None:
        """Look up the parts of these cells not met before, in one go."""
        parts: set[str] = set()
        for cell in cells:
            parts.update(self._parts(cell))
        new = parts - self.found.keys() - self.problems.keys()
        if not new:
            return
        found, problems = chain_service.find_segments(self.session, new)
        self.found.update(found)
        self.problems.update(problems)
        self.by_key.update({self.key(segment): segment for segment in found.values()})

    @staticmethod
    def key(segment: Segment) -> str:
        return f"{segment.chain.code}:{segment.code}"

    def _parts(self, cell: Any) -> list[str]:
        if self.many:
            return split_list(cell)
        text = text_or_none(cell)
        return [] if text is None else [text]

    def parse(self, cell: Any) -> list[str] | str | None:
        """The cell's segment codes (a list if ``many``, else one code or None)."""
        parts = self._parts(cell)
        problems = [self.problems[part] for part in parts if part in self.problems]
        if problems:
            raise ValueError("; ".join(problems))
        keys = list(dict.fromkeys(self.key(self.found[part]) for part in parts))
        return keys if self.many else (keys[0] if keys else None)


def count_refused(report: ImportReport) -> None:
    """Put the errors in file order and count the rows they refuse."""
    report.errors.sort(key=lambda e: e.row)
    report.refused = len({e.row for e in report.errors})
