"""Reading and writing tables: CSV in any of Excel's flavours, and XLSX.

Excel saves "CSV" as UTF-8 with a byte-order mark, as the ANSI code page (GBK/GB18030 on a
Chinese Windows), or as "Unicode text" (UTF-16, tab-separated); the delimiter may be a comma,
a semicolon or a tab. Reading detects all of these.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from python_calamine import CalamineWorkbook


class TableError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, 1-based; cells)
    sheet: str | None = None  # the workbook sheet read (None for CSV)


def read_table(content: bytes, filename: str, sheet: str | None = None) -> Table:
    """The file's header row and data rows; of a workbook, ``sheet`` (by default the first)."""
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return _read_workbook(content, sheet)
    if suffix in {".csv", ".txt", ".tsv", ""}:
        if sheet is not None:
            raise TableError(f"a {suffix or 'text'} file has no sheets: leave out the sheet")
        return _read_csv(content)
    raise TableError(f"unsupported file type '{suffix}': use .csv or .xlsx")


def decode_text(content: bytes) -> str:
    """The file's text; a file that is not text in any encoding we read is a ``TableError``."""
    for bom, encoding, name in (
        (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
        (b"\xff\xfe", "utf-16", "UTF-16"),
        (b"\xfe\xff", "utf-16", "UTF-16"),
    ):
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
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(reader)
    except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
        raise TableError(f"cannot read the file as CSV: {error}") from None


def _read_workbook(content: bytes, sheet_name: str | None = None) -> Table:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = list(workbook.sheet_names)
    except Exception as error:  # calamine raises its own types for corrupt files
        raise TableError(f"cannot read the workbook: {error}") from None
    listed = ", ".join(f"'{name}'" for name in names)
    if sheet_name is not None and sheet_name not in names:
        raise TableError(f"the workbook has no sheet '{sheet_name}': its sheets are {listed}")
    name = sheet_name if sheet_name is not None else (names[0] if names else None)
    if name is None:
        raise TableError("the workbook has no sheets")
    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:
        raise TableError(f"cannot read the workbook: {error}") from None
    try:
        table = _table(rows)
    except TableError:
        others = "" if len(names) == 1 else f"; the workbook's sheets are {listed}: pick one"
        raise TableError(f"sheet '{name}' (the one read) has no header row{others}") from None
    table.sheet = name
    return table


def _table(rows: Iterable[Sequence[Any]]) -> Table:
    iterator: Iterator[Sequence[Any]] = iter(rows)
    headers: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(iterator, start=1):
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


def write_table(path: Path, headers: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write CSV (UTF-8 with BOM, so Excel opens Chinese text right) or XLSX, by extension."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        path.write_bytes(xlsx_bytes(headers, rows))
    elif suffix == ".csv":
        path.write_bytes(csv_bytes(headers, rows))
    else:
        raise TableError(f"unsupported file type '{suffix}': use .csv or .xlsx")


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def table_bytes(file_format: str, headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The table as an ``xlsx`` or ``csv`` file's content."""
    if file_format == "xlsx":
        return xlsx_bytes(headers, rows)
    if file_format == "csv":
        return csv_bytes(headers, rows)
    raise TableError(f"unsupported file type '{file_format}': use csv or xlsx")


def csv_bytes(headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([_plain(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(headers: list[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append([_plain(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(cell: Any) -> Any:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None) if cell.tzinfo else cell
    if isinstance(cell, date):
        return cell
    if isinstance(cell, list | tuple):
        return ";".join(str(v) for v in cell)
    return cell
