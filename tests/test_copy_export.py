"""The lead CSV export on PostgreSQL is written by ``COPY … TO STDOUT``: its bytes are the
Python writer's (``crm.table_writing``) for every kind of cell, hostile text included. On
SQLite the export keeps the Python writer, checked against the same expectation."""

import csv
import io

from sqlalchemy import select, update

from crm.leads import export as lead_export
from crm.leads.models import Lead
from crm.table_writing import csv_bytes
from tests.test_exports_streamed import as_exported, registry  # noqa: F401 (a fixture)

# Cells the two writers could disagree on: blanks, quotes, delimiters, line breaks, formula
# starts, control characters, a lone "\." and floats of every shape.
ODD_NOTES = [
    "",
    'a,"b"',
    "\t=1+1",
    "\r+2",
    "@SUM(A1)",
    "x\x01y\x1f",
    "\x0b-start",
    "line\r\nbreak",
    "尾部空格 ",
    " 前导空格",
    "'already quoted",
]
ODD_NUMBERS = [0.1, 1e-05, 123456789.5, 999999999.0, 0.0, 2.5e-07, 1 / 3]


def _python_file(engine) -> bytes:
    headers, rows = lead_export.export_rows(engine, select(Lead))
    return csv_bytes(headers, rows)


def _set(db, lead_id: int, **values) -> None:
    with db() as session:
        session.execute(update(Lead).where(Lead.id == lead_id).values(**values))
        session.commit()


def test_csv_export_is_the_python_writers_file_for_odd_cells(registry, staff, db):  # noqa: F811
    engine = db.kw["bind"]
    with db() as session:
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))
    for index, note in enumerate(ODD_NOTES):
        number = ODD_NUMBERS[index % len(ODD_NUMBERS)]
        _set(db, ids[index % len(ids)], notes=note, expected_investment=number)
        expected = _python_file(engine)
        response = staff.get("/api/leads/export", params={"format": "csv"})
        assert response.status_code == 200
        assert response.content == expected, (note, number)
        if engine.dialect.name == "postgresql":
            copied = b"".join(lead_export.copy_csv(engine, select(Lead)))
            assert copied == expected
        # the hostile note is in the file, written safely
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert as_exported(note) in {row[12] for row in rows[1:]}
    assert as_exported("x\x01y") == "x\ufffdy" and as_exported("\t=1") == "'\t=1"


def test_csv_export_keeps_a_filter_with_parameters(registry, staff):  # noqa: F811
    everything = staff.get("/api/leads/export", params={"format": "csv"}).content
    contacted = staff.get("/api/leads/export", params={"format": "csv", "stage": "contacted"})
    assert contacted.status_code == 200
    lines = contacted.content.decode("utf-8-sig").split("\r\n")
    assert len(lines) == 3 and lines[-1] == ""  # the header, one lead, the last line end
    assert lines[1] in everything.decode("utf-8-sig")
    assert "已接洽" in lines[1]
