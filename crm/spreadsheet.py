"""Reading uploaded spreadsheets within limits, as a stream.

An upload is hostile until read: a 1.6 KB XLSX may declare cells at A1 and XFD1048576 (a reader
that builds a dense grid allocates 17 billion cells), a 3 MB one may unpack to gigabytes. So the
archive is checked from its directory before anything is unpacked, the sheet is parsed as a
stream of XML events (cells as they come, never a grid from a declared range), and every limit
is a refusal naming the limit, not a crash. The same caps hold for CSV (``crm.tabular``).
"""

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import IO, Any
from xml.parsers import expat

MAX_FILE_BYTES = 64 * 1024 * 1024  # an upload or a file given to the CLI
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ARCHIVE_MEMBERS = 1_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one unpacked part of an XLSX
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024  # all unpacked parts together
MAX_COMPRESSION_RATIO = 200  # checked for parts above RATIO_FLOOR unpacked
RATIO_FLOOR = 1024 * 1024
CHUNK = 64 * 1024

EXCEL_EPOCH = datetime(1899, 12, 30)
# Built-in number formats that show a date or time (ECMA-376 18.8.30, Chinese variants included).
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
DATE_TOKENS = re.compile(r"[dmyhs]|年|月|日", re.IGNORECASE)
FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class LimitExceeded(ValueError):
    """The file is beyond a limit; the message names the limit."""


class SheetError(ValueError):
    """The workbook cannot be read (corrupt, or not a workbook at all)."""


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise LimitExceeded(f"the file is larger than the limit of {MAX_FILE_BYTES // 2**20} MB")


def column_index(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def check_extent(rows: int, columns: int, where: str) -> None:
    if columns > MAX_COLUMNS:
        raise LimitExceeded(
            f"{where} reaches column {columns}, beyond the limit of {MAX_COLUMNS} columns"
        )
    if rows > MAX_ROWS:
        raise LimitExceeded(f"{where} reaches row {rows}, beyond the limit of {MAX_ROWS:,} rows")


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse from the archive's directory alone: too many parts, too large, too compressed."""
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise LimitExceeded(
            f"the workbook has {len(members)} parts, beyond the limit of {MAX_ARCHIVE_MEMBERS}"
        )
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise LimitExceeded(
                f"part {member.filename} unpacks to {size // 2**20} MB, beyond the limit of "
                f"{MAX_MEMBER_BYTES // 2**20} MB"
            )
        if size > RATIO_FLOOR and size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            ratio = size // max(member.compress_size, 1)
            raise LimitExceeded(
                f"part {member.filename} is compressed {ratio}:1, beyond the limit of "
                f"{MAX_COMPRESSION_RATIO}:1 (a zip bomb?)"
            )
    if total > MAX_ARCHIVE_BYTES:
        raise LimitExceeded(
            f"the workbook unpacks to {total // 2**20} MB, beyond the limit of "
            f"{MAX_ARCHIVE_BYTES // 2**20} MB"
        )


def _parse(stream: IO[bytes], parser: expat.XMLParserType) -> None:
    """Feed a part to ``parser`` in chunks; a DOCTYPE (entity expansion) is refused."""

    def no_doctype(*_args) -> None:
        raise SheetError("the workbook's XML declares a DOCTYPE")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    read = 0
    while chunk := stream.read(CHUNK):
        read += len(chunk)
        if read > MAX_MEMBER_BYTES:  # a directory that lies about the size
            raise LimitExceeded(
                f"a part unpacks beyond the limit of {MAX_MEMBER_BYTES // 2**20} MB"
            )
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    """``{namespace}c`` (expat's ``namespace}c``) → ``c``."""
    return name.rpartition("}")[2]


def _new_parser() -> expat.XMLParserType:
    return expat.ParserCreate(namespace_separator="}")


def _open(content: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise SheetError(f"not a workbook ({error})") from None
    check_archive(archive)
    return archive


def sheet_names(content: bytes) -> list[str]:
    """The workbook's sheets, in order (from its directory and workbook part only)."""
    with _open(content) as archive:
        try:
            return [name for name, _path in _sheets(archive)]
        except (zipfile.BadZipFile, KeyError, expat.ExpatError, EOFError, OSError) as error:
            raise SheetError(f"cannot read the workbook: {error}") from None


def read_xlsx_rows(content: bytes, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a sheet (by default the first) as ``(row number, cells)``, rows without
    cells left out."""
    with _open(content) as archive:
        try:
            sheets = _sheets(archive)
            paths = dict(sheets)
            if sheet is not None and sheet not in paths:
                raise SheetError(f"the workbook has no sheet '{sheet}'")
            sheet_path = paths[sheet] if sheet is not None else sheets[0][1]
            strings = _shared_strings(archive)
            date_styles = _date_styles(archive)
            with archive.open(sheet_path) as stream:
                yield from _sheet_rows(stream, strings, date_styles)
        except (zipfile.BadZipFile, KeyError, expat.ExpatError, EOFError, OSError) as error:
            raise SheetError(f"cannot read the workbook: {error}") from None


def _sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, part path) of every worksheet, in the workbook's order."""
    names = set(archive.namelist())
    listed: list[tuple[str, str]] = []  # (sheet name, relationship id)
    targets: dict[str, str] = {}

    def on_element(name, attrs):
        local = _local(name)
        if local == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            listed.append((attrs.get("name", ""), rel))
        elif local == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            parser = _new_parser()
            parser.StartElementHandler = on_element
            with archive.open(part) as stream:
                _parse(stream, parser)
    sheets = []
    for sheet_name, rel in listed:
        target = targets.get(rel, "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        path = str(PurePosixPath(path))
        if path in names:
            sheets.append((sheet_name, path))
    if not sheets and "xl/worksheets/sheet1.xml" in names:
        sheets.append(("Sheet1", "xl/worksheets/sheet1.xml"))
    if not sheets:
        raise SheetError("cannot read the workbook: it has no worksheet")
    return sheets


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    state = {"text": None, "in_t": False, "skip": 0}
    parts: list[str] = []

    def start(name, _attrs):
        local = _local(name)
        if local == "si":
            parts.clear()
        elif local in ("rPh", "phoneticPr"):  # phonetic guides are not the cell's text
            state["skip"] += 1
        elif local == "t" and not state["skip"]:
            state["in_t"] = True

    def end(name):
        local = _local(name)
        if local == "si":
            strings.append("".join(parts))
        elif local in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data):
        if state["in_t"]:
            parts.append(data)

    parser = _new_parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    with archive.open("xl/sharedStrings.xml") as stream:
        _parse(stream, parser)
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles that show a number as a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    where = {"cellXfs": False}

    def start(name, attrs):
        local = _local(name)
        if local == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            where["cellXfs"] = True
        elif local == "xf" and where["cellXfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name):
        if _local(name) == "cellXfs":
            where["cellXfs"] = False

    parser = _new_parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with archive.open("xl/styles.xml") as stream:
        _parse(stream, parser)

    def is_date(format_id: int) -> bool:
        if format_id in custom:
            return bool(DATE_TOKENS.search(FORMAT_NOISE.sub("", custom[format_id])))
        return format_id in DATE_FORMAT_IDS

    return {index for index, format_id in enumerate(formats) if is_date(format_id)}


class _SheetReader:
    """Expat handlers collecting one row at a time; rows are handed out as they complete."""

    def __init__(self, strings: list[str], date_styles: set[int]):
        self.strings, self.date_styles = strings, date_styles
        self.done: list[tuple[int, list[Any]]] = []
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.next_column = 1
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None
        self.text_size = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            column = self.next_column
            match = CELL_REF.match(attrs.get("r", ""))
            if match:
                column = column_index(match.group(1))
                if int(match.group(2)) != self.row_number:
                    check_extent(int(match.group(2)), column, "a cell of the sheet")
            check_extent(self.row_number, column, "the sheet")
            self.next_column = column + 1
            self.cell = {"column": column, "type": attrs.get("t", "n"), "style": attrs.get("s")}
        elif local == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number and number.isdigit() else self.row_number + 1
            check_extent(self.row_number, 1, "the sheet")
            self.cells, self.next_column = {}, 1
        elif local in ("v", "t") and self.cell is not None:
            self.text, self.text_size = [], 0
        elif local == "dimension":
            _check_dimension(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "t") and self.cell is not None and self.text is not None:
            self.cell.setdefault("value", []).append("".join(self.text))
            self.text = None
        elif local == "c" and self.cell is not None:
            value = self._value(self.cell)
            if value is not None and value != "":
                self.cells[self.cell["column"]] = value
            self.cell = None
        elif local == "row":
            if self.cells:
                width = max(self.cells)
                self.done.append(
                    (self.row_number, [self.cells.get(i) for i in range(1, width + 1)])
                )
            self.cells = {}

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text_size += len(data)
            if self.text_size > MAX_CELL_CHARS:
                raise LimitExceeded(
                    f"a cell in row {self.row_number} is longer than the limit of "
                    f"{MAX_CELL_CHARS} characters"
                )
            self.text.append(data)

    def _value(self, cell: dict[str, Any]) -> Any:
        parts = cell.get("value")
        kind = cell["type"]
        if kind == "inlineStr":
            return "".join(parts or [])
        if not parts:
            return None
        raw = parts[-1]  # for a formula, its cached value
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                raise SheetError(
                    f"a cell in row {self.row_number} names no shared string"
                ) from None
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        try:
            number = float(raw)
        except ValueError:
            return raw
        style = cell.get("style")
        if style and style.isdigit() and int(style) in self.date_styles:
            try:
                moment = EXCEL_EPOCH + timedelta(days=number)
            except OverflowError:
                return number
            return moment.date() if number.is_integer() else moment
        return number


def _check_dimension(ref: str) -> None:
    """The sheet's declared range, e.g. ``A1:XFD1048576``: refuse it before any cell."""
    corner = ref.rpartition(":")[2].replace("$", "").upper()
    match = CELL_REF.match(corner)
    if match:
        check_extent(
            int(match.group(2)), column_index(match.group(1)), f"the sheet's declared range {ref}"
        )


def _sheet_rows(
    stream: IO[bytes], strings: list[str], date_styles: set[int]
) -> Iterator[tuple[int, list[Any]]]:
    reader = _SheetReader(strings, date_styles)
    parser = _new_parser()
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.characters
    parser.StartDoctypeDeclHandler = lambda *_: _doctype()
    parser.EntityDeclHandler = lambda *_: _doctype()
    read = 0
    while chunk := stream.read(CHUNK):
        read += len(chunk)
        if read > MAX_MEMBER_BYTES:
            raise LimitExceeded(
                f"the sheet unpacks beyond the limit of {MAX_MEMBER_BYTES // 2**20} MB"
            )
        parser.Parse(chunk, False)
        yield from reader.done
        reader.done.clear()
    parser.Parse(b"", True)
    yield from reader.done


def _doctype() -> None:
    raise SheetError("the workbook's XML declares a DOCTYPE")
