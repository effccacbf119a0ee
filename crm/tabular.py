"""Reading tables: CSV in any of Excel's flavours, and XLSX (writing: crm.table_writing).

Excel saves "CSV" as UTF-8 with a byte-order mark, as the ANSI code page (GBK/GB18030 on a
Chinese Windows), or as "Unicode text" (UTF-16, tab-separated); the delimiter may be a comma,
a semicolon or a tab. Reading detects all of these.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from crm import spreadsheet
from crm.spreadsheet import MAX_CELL_CHARS, LimitExceeded, SheetError

# The csv module's limit is for the whole process; no other reader here wants longer cells.
csv.field_size_limit(MAX_CELL_CHARS)


class TableError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, 1-based; cells)
    sheet: str | None = None  # the workbook sheet read (None for CSV)


def read_table(content: bytes, filename: str, sheet: str | None = None) -> Table:
    """The file's header and rows, read within the limits of ``crm.spreadsheet``; of a
    workbook, ``sheet`` (by default the first)."""
    suffix = Path(filename).suffix.lower()
    try:
        spreadsheet.check_size(len(content))
        if suffix in {".xlsx", ".xlsm"}:
            return _read_workbook(content, sheet)
        if suffix in {".xls", ".ods"}:
            # Their reader builds the whole grid a file declares, so a hostile file could
            # exhaust memory: only XLSX is read, as a stream.
            raise TableError(f"'{suffix}' files are not read: save the file as .xlsx or .csv")
        if suffix in {".csv", ".txt", ".tsv", ""}:
            if sheet is not None:
                raise TableError(f"a {suffix or 'text'} file has no sheets: leave out the sheet")
            return _read_csv(content)
    except (LimitExceeded, SheetError) as error:
        raise TableError(str(error)) from None
    raise TableError(f"unsupported file type '{suffix}': use .csv or .xlsx")


BYTE_ORDER_MARKS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def decode_text(content: bytes) -> str:
    """The file's text; a file that is not text in any encoding we read is a ``TableError``."""
    for bom, encoding, name in BYTE_ORDER_MARKS:
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                raise TableError(
                    f"the file starts with a {name} byte-order mark but is not {name} text: "
                    "save it again as CSV or XLSX"
                ) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:  # Excel on a Chinese Windows saves CSV in the ANSI code page
        return content.decode("gb18030")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content).best()
    if best is None:
        raise TableError("cannot tell the file's text encoding")
    try:
        return str(best)
    except (UnicodeDecodeError, LookupError):
        raise TableError("cannot tell the file's text encoding") from None


def _read_csv(content: bytes) -> Table:
    text = decode_text(content)
    delimiter = _delimiter(text[:20_000])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(_csv_rows(reader))
    except csv.Error as error:  # a cell longer than the field limit, a broken quote
        raise TableError(f"cannot read the file as CSV: {error}") from None


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[Any]]]:
    """Numbered records within the row and column caps (the field cap is the csv module's)."""
    for number, row in enumerate(reader, start=1):
        spreadsheet.check_extent(number, len(row), "the file")
        yield number, row


def _read_workbook(content: bytes, sheet_name: str | None = None) -> Table:
    names = spreadsheet.sheet_names(content)
    listed = ", ".join(f"'{name}'" for name in names)
    if sheet_name is not None and sheet_name not in names:
        raise TableError(f"the workbook has no sheet '{sheet_name}': its sheets are {listed}")
    name = sheet_name if sheet_name is not None else names[0]
    try:
        table = _table(spreadsheet.read_xlsx_rows(content, name))
    except TableError:
        others = "" if len(names) == 1 else f"; the workbook's sheets are {listed}: pick one"
        raise TableError(f"sheet '{name}' (the one read) has no header row{others}") from None
    table.sheet = name
    return table


def _table(rows: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    headers: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    for number, row in rows:
        cells = [_clean(cell) for cell in row]
        if headers is None:
            if any(cell not in (None, "") for cell in cells):
                headers = [str(cell or "").strip() for cell in cells]
            continue
        if all(cell in (None, "") for cell in cells):
            continue
        data.append((number, cells))
    if headers is None:
        raise TableError("the file has no header row")
    return Table(headers=headers, rows=data)


def _clean(cell: Any) -> Any:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


@dataclass
class StreamedTable:
    """A table whose rows are read from the file each time they are iterated, never held:
    ``rows`` gives ``(row number, cells)`` of the non-blank rows below the header."""

    headers: list[str]
    open_rows: Callable[[], Iterator[tuple[int, list[Any]]]]
    sheet: str | None = None

    @property
    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        return self.open_rows()


def stream_table(content: bytes, filename: str, sheet: str | None = None) -> StreamedTable:
    """As ``read_table``, but only the header is read now; an error met later in the rows
    is a ``TableError`` raised while iterating them."""
    suffix = Path(filename).suffix.lower()
    try:
        spreadsheet.check_size(len(content))
        if suffix in {".xlsx", ".xlsm"}:
            names = spreadsheet.sheet_names(content)
            name = sheet if sheet is not None else names[0]
            if name not in names:
                _read_workbook(content, sheet)  # raises, naming the sheets
            table = _streamed(lambda: spreadsheet.read_xlsx_rows(content, name))
            table.sheet = name
            return table
        if suffix in {".csv", ".txt", ".tsv", ""} and sheet is None:
            encoding = text_encoding(content)
            with _text_stream(content, encoding) as text:
                delimiter = _delimiter(text.read(20_000))

            def records() -> Iterator[tuple[int, list[Any]]]:
                with _text_stream(content, encoding) as text:
                    yield from _csv_rows(csv.reader(text, delimiter=delimiter))

            return _streamed(records)
    except (LimitExceeded, SheetError) as error:
        raise TableError(str(error)) from None
    except TableError as error:
        if suffix in {".xlsx", ".xlsm"} and "no header row" in str(error):
            _read_workbook(content, sheet)  # raises, naming the sheet and the others
        raise
    return read_table(content, filename, sheet)  # refused there, with the reason


def _streamed(records: Callable[[], Iterator[tuple[int, Sequence[Any]]]]) -> StreamedTable:
    header_number = 0
    headers: list[str] | None = None
    with _read_errors():
        for number, row in records():
            cells = [_clean(cell) for cell in row]
            if any(cell not in (None, "") for cell in cells):
                headers, header_number = [str(cell or "").strip() for cell in cells], number
                break
    if headers is None:
        raise TableError("the file has no header row")

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        with _read_errors():
            for number, row in records():
                if number <= header_number:
                    continue
                cells = [_clean(cell) for cell in row]
                if any(cell not in (None, "") for cell in cells):
                    yield number, cells

    return StreamedTable(headers=headers, open_rows=data_rows)


@contextmanager
def _read_errors() -> Iterator[None]:
    try:
        yield
    except (LimitExceeded, SheetError) as error:
        raise TableError(str(error)) from None
    except csv.Error as error:  # a cell longer than the field limit, a broken quote
        raise TableError(f"cannot read the file as CSV: {error}") from None


def _text_stream(content: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")


DECODE_SLICE = 1024 * 1024


def text_encoding(content: bytes) -> str:
    """The encoding ``decode_text`` would read the file in, found without holding its text."""
    for bom, encoding, name in BYTE_ORDER_MARKS:
        if content.startswith(bom):
            if not _decodes(content, encoding):
                raise TableError(
                    f"the file starts with a {name} byte-order mark but is not {name} text: "
                    "save it again as CSV or XLSX"
                )
            return encoding
    for encoding in ("utf-8", "gb18030"):
        if _decodes(content, encoding):
            return encoding
    best = from_bytes(content).best()
    if best is None or not _decodes(content, best.encoding):
        raise TableError("cannot tell the file's text encoding")
    return best.encoding


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return False
    view = memoryview(content)
    try:
        for start in range(0, len(content), DECODE_SLICE):
            decoder.decode(view[start : start + DECODE_SLICE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(sample: str) -> str:
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t")
    except csv.Error:
        return ","
    return dialect.delimiter
