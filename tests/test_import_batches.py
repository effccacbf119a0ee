"""A company file longer than one write batch (2,000 rows): the first batch is written
(on PostgreSQL with COPY) before a bad row late in the file is read; the file is still
refused whole and nothing stays written. Partial, the good rows of every batch are written
and the import is one audit entry with the ids it created."""

from sqlalchemy import select

from crm.audit import AuditEntry
from crm.companies.importer import BATCH
from tests.factories import chain_file, credit_code
from tests.test_company_import import csv_text

HEADERS = ["企业名称", "统一社会信用代码", "城市", "所属环节", "标签"]
ROWS = 2_100
BAD_ROW = 2_050  # in the second batch


def _file() -> bytes:
    rows = [
        [
            f"云江第{n}精密制造有限公司",
            credit_code(5_000 + n),
            "绵阳",
            "new-display:panel",
            "专精特新",
        ]
        for n in range(ROWS)
    ]
    rows[BAD_ROW][3] = "new-display:nowhere"
    return csv_text(HEADERS, rows).encode("utf-8-sig")


def test_a_bad_row_after_the_first_batch_refuses_the_file_whole(staff, table_counts, db):
    assert ROWS > BATCH > BAD_ROW - BATCH
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    before = table_counts()
    files = {"file": ("企业名录.csv", _file(), "text/csv")}
    refused = staff.post("/api/import/companies", files=files, params={"background": "false"})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(BAD_ROW + 2, "所属环节")]
    assert table_counts() == before

    partial = staff.post(
        "/api/import/companies", files=files, params={"background": "false", "partial": "true"}
    )
    assert partial.status_code == 200, partial.text
    assert (partial.json()["created"], partial.json()["refused"]) == (ROWS - 1, 1)
    assert staff.get("/api/companies", params={"limit": 1}).json()["total"] == ROWS - 1
    tagged = staff.get("/api/companies", params={"tag": "srdi", "limit": 1}).json()
    assert tagged["total"] == ROWS - 1  # the tag rows went in with the companies
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(entries) == 1
    assert len(entries[0].changes["created"]) == ROWS - 1
