"""CSV exports through PostgreSQL's ``COPY (SELECT …) TO STDOUT``: the database writes the
CSV, Python only adds the header and sends the rows on as they arrive.

The file is the one ``crm.table_writing.csv_chunks`` writes, byte for byte, because the
SELECT does in SQL what the Python writer does per cell:

- text made safe as ``safe_text`` makes it (control characters replaced by U+FFFD, a quote
  before a formula start), see ``safe_text_sql``;
- an empty text written as nothing (COPY would write ``""`` for an empty, non-null string:
  ``NULLIF`` makes it null, which COPY writes as nothing, as the csv module does);
- numbers and dates written as Python writes them (``whole_number_sql``, ``iso_date_sql``);
- COPY ends a row with ``\\n`` and the csv module with ``\\r\\n``: each row COPY sends is one
  message, so its last byte is the row's end and is replaced here. Line breaks inside a
  quoted cell are written as they are by both.

Both quote a cell that holds the delimiter, a quote, CR or LF, and nothing else, with one
exception left as it is: a cell that is exactly ``\\.`` COPY quotes (both read back the same).
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import BigInteger, Engine, Select, String, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from crm.table_writing import CSV_CHUNK_ROWS, FORMULA_STARTS, csv_chunks

# The control characters ``UNSAFE_CONTROLS`` replaces (PostgreSQL text never holds NUL).
_CONTROLS = "[" + "".join(chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32))) + "]"


def safe_text_sql(value: ColumnElement) -> ColumnElement:
    """``safe_text`` in SQL, and an empty text as null (written as nothing)."""
    cleaned = func.regexp_replace(value, _CONTROLS, "\ufffd", "g")
    quoted = case(
        (func.left(cleaned, 1).in_(FORMULA_STARTS), literal("'") + cleaned), else_=cleaned
    )
    return func.nullif(quoted, "")


def whole_number_sql(value: ColumnElement) -> ColumnElement:
    """A float as the export writes it: ``50000`` rather than ``50000.0``, otherwise the
    shortest form that reads back exactly (PostgreSQL's with ``extra_float_digits = 1``,
    Python's ``repr``; they agree below 1e15, and larger values are refused on input)."""
    return case(
        (value == func.trunc(value), cast(cast(value, BigInteger), String)),
        else_=cast(value, String),
    )


def iso_date_sql(value: ColumnElement) -> ColumnElement:
    return func.to_char(value, "YYYY-MM-DD")


def mapped_sql(value: ColumnElement, names: dict[Any, str]) -> ColumnElement:
    """A stored enum's value as its label (labels are safe text already)."""
    return case({key.value: name for key, name in names.items()}, value=value)


def copy_csv_chunks(engine: Engine, headers: list[str], query: Select) -> Iterator[bytes]:
    """The header, then the rows of ``query`` as COPY writes them, ``CSV_CHUNK_ROWS`` rows a
    chunk. The COPY is started before the header is yielded, so a statement the database
    refuses fails the first ``next()`` (an error status, not a file cut short)."""
    header = next(csv_chunks(headers, []))
    with engine.connect() as connection:
        compiled = query.compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = _processed(compiled)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            # Floats in their shortest exact form whatever the server's setting.
            cursor.execute("SET LOCAL extra_float_digits = 1")
            statement = f"COPY ({compiled.string}) TO STDOUT (FORMAT csv)"
            with cursor.copy(statement, params) as copy:
                yield header
                rows: list[bytes] = []
                for row in copy:
                    rows.append(bytes(row[:-1]))
                    if len(rows) == CSV_CHUNK_ROWS:
                        yield b"\r\n".join(rows) + b"\r\n"
                        rows = []
                if rows:
                    yield b"\r\n".join(rows) + b"\r\n"
        connection.rollback()


def _processed(compiled) -> dict[str, Any]:
    """The statement's parameters as the driver would get them (enums as their stored
    text, and so on)."""
    params = compiled.construct_params()
    processors = compiled._bind_processors
    return {
        key: processors[key](value) if key in processors else value for key, value in params.items()
    }
