"""Writing tables: CSV (UTF-8 with a byte-order mark, as Excel opens it) and XLSX, whole or
streamed in chunks, with every text cell made safe for a spreadsheet (no formula injection,
no control characters)."""

import csv
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from crm.tabular import TableError


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
