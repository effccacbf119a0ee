"""Reading and writing tables: CSV in any of Excel's flavours, and XLSX.

Excel saves "CSV" as UTF-8 with a byte-order mark, as the ANSI code page (GBK/GB18030 on a
Chinese Windows), or as "Unicode text" (UTF-16, tab-separated); the delimiter may be a comma,
a semicolon or a tab. Reading detects all of these.
"""

import codecs
import csv
import io
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

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


def write_table(path: Path, headers: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write CSV (UTF-8 with BOM, so Excel opens Chinese text right) or XLSX, by extension,
    as the rows come: nothing but the current chunk is held in memory."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(path, headers, rows)
    elif suffix == ".csv":
        with path.open("wb") as file:
            for chunk in csv_chunks(headers, rows):
                file.write(chunk)
    else:
        raise TableError(f"unsupported file type '{suffix}': use .csv or .xlsx")


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MEDIA_TYPES = {"xlsx": XLSX_MEDIA_TYPE, "csv": CSV_MEDIA_TYPE}


def table_bytes(file_format: str, headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The table as an ``xlsx`` or ``csv`` file's content."""
    return b"".join(table_chunks(file_format, headers, rows))


def table_chunks(
    file_format: str, headers: list[str], rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    """The table as an ``xlsx`` or ``csv`` file, in pieces to send as they come.

    CSV is encoded a chunk of rows at a time, so its first bytes leave before the rows are
    read. A workbook is a zip whose directory comes last: it is written to a temporary file
    in openpyxl's write-only mode (rows never held), then sent from there.
    """
    if file_format == "csv":
        return csv_chunks(headers, rows)
    if file_format == "xlsx":
        return _xlsx_chunks(headers, rows)
    raise TableError(f"unsupported file type '{file_format}': use csv or xlsx")


# A cell starting with one of these is a formula to Excel, LibreOffice and WPS (OWASP, "CSV
# Injection"): exported text that starts so is prefixed with a quote and kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX cell cannot hold (openpyxl refuses them); tab, newline and
# carriage return it can.
UNSAFE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(text: str) -> str:
    """Text as an export writes it: never read as a formula, no control characters."""
    text = UNSAFE_CONTROLS.sub("\ufffd", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_CHUNK_ROWS = 2000


def csv_chunks(headers: list[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel then reads Chinese right), ``CSV_CHUNK_ROWS`` rows
    a piece; the first piece (the header) is ready before any row is read."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([safe_text(header) for header in headers])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    for batch in batches(rows, CSV_CHUNK_ROWS):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_exported(cell) for cell in row] for row in batch)
        yield buffer.getvalue().encode("utf-8")


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last may be shorter), read as they are needed."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def csv_bytes(headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(csv_chunks(headers, rows))


def xlsx_bytes(headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows)
    return buffer.getvalue()


FILE_CHUNK_BYTES = 256 * 1024


def _xlsx_chunks(headers: list[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as file:
        write_xlsx(file, headers, rows)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK_BYTES):
            yield chunk


def write_xlsx(target: Path | BinaryIO, headers: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """A one-sheet workbook in openpyxl's write-only mode: each row goes to the sheet's
    temporary stream as it comes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cells(values: Iterable[Any]) -> list[Any]:
        row = []
        for value in values:
            value = _exported(value)
            # openpyxl takes "=…" for a formula and "#N/A" for an error: such text is written
            # as a string cell (safe_text already quoted every formula start).
            if isinstance(value, str) and (value in ERROR_CODES or value.startswith("=")):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            row.append(value)
        return row

    try:
        sheet.append(cells(headers))
        for row in rows:
            sheet.append(cells(row))
    finally:
        # Saving ends the sheet's stream and deletes its temporary file, also when reading the
        # rows failed (a query refused by the database); the half-written workbook is dropped.
        workbook.save(target)


def _exported(cell: Any) -> Any:
    cell = _plain(cell)
    return safe_text(cell) if isinstance(cell, str) else cell


def _plain(cell: Any) -> Any:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None) if cell.tzinfo else cell
    if isinstance(cell, date):
        return cell
    if isinstance(cell, list | tuple):
        return ";".join(str(v) for v in cell)
    return cell
