"""Large imports run in the background: ``POST /api/import/…`` answers 202 with a job, and
``GET /api/imports/{id}`` says how far it got and, once done, gives the report the import
would have given in the foreground. On PostgreSQL procrastinate runs the job, on SQLite a
thread of the server; the test waits for the runner to be idle (no sleeping)."""

import pytest

from tests.factories import chain_file, credit_code
from tests.test_company_import import csv_text

HEADERS = ["企业名称", "统一社会信用代码", "城市", "所属环节", "标签"]
GOOD = [
    [f"云江第{n}精密制造有限公司", credit_code(100 + n), "绵阳", "new-display:panel", "专精特新"]
    for n in range(1, 31)
]
BAD = [
    [*GOOD[0]],
    ["云江坏行一公司", "123", "绵阳", "new-display:panel", ""],
    [*GOOD[2]],
    ["云江坏行二公司", "", "绵阳", "new-display:nowhere", "龙头"],
]


@pytest.fixture
def chain(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201


def upload(client, path: str, rows, **params):
    content = csv_text(HEADERS, rows).encode("utf-8-sig")
    files = {"file": ("企业名录.csv", content, "text/csv")}
    return client.post(path, files=files, params=params)


def finished(app, client, job_id: int) -> dict:
    app.state.jobs.work_until_idle()
    response = client.get(f"/api/imports/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def counts_but_jobs(table_counts) -> dict[str, int]:
    return {table: n for table, n in table_counts().items() if table != "import_job"}


def test_a_background_company_import_reports_as_the_foreground_one(app, staff, chain):
    submitted = upload(staff, "/api/import/companies", GOOD, background="true")
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert submitted.headers["location"] == f"/api/imports/{job['id']}"
    assert job["status"] == "queued" and job["kind"] == "companies"
    assert job["owner"] == "staff1" and job["report"] is None

    done = finished(app, staff, job["id"])
    assert done["status"] == "done", done
    assert (done["rows_done"], done["rows_total"]) == (30, 30)
    assert done["refused"] is False and done["error"] is None
    report = done["report"]
    assert (report["rows"], report["created"], report["merged"], report["refused"]) == (
        30,
        30,
        0,
        0,
    )
    assert report["applied"] is True and report["errors"] == []
    listed = staff.get("/api/companies", params={"limit": 100}).json()
    assert listed["total"] == 30
    assert {c["name"] for c in listed["items"]} == {row[0] for row in GOOD}
    assert all(c["tags"] == ["srdi"] and c["city"] == "绵阳市" for c in listed["items"])

    again = upload(staff, "/api/import/companies", GOOD, background="true").json()
    report = finished(app, staff, again["id"])["report"]
    assert (report["created"], report["merged"]) == (0, 30)  # the same file merges


def test_a_file_over_the_size_setting_goes_to_the_background(app, staff, chain):
    small = upload(staff, "/api/import/companies", GOOD[:1])
    assert small.status_code == 200  # under the default size: imported at once
    app.state.settings.import_background_bytes = 100
    large = upload(staff, "/api/import/companies", GOOD[1:])
    assert large.status_code == 202, large.text
    assert finished(app, staff, large.json()["id"])["report"]["created"] == 29
    foreground = upload(staff, "/api/import/companies", GOOD[:1], background="false")
    assert foreground.status_code == 200


def test_a_refused_background_file_changes_nothing(app, staff, chain, table_counts):
    before = counts_but_jobs(table_counts)
    job = upload(staff, "/api/import/companies", BAD, background="true").json()
    done = finished(app, staff, job["id"])
    assert done["status"] == "done" and done["refused"] is True
    report = done["report"]
    assert report["applied"] is False and (report["created"], report["merged"]) == (0, 0)
    assert report["refused"] == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (3, "统一社会信用代码"),
        (5, "所属环节"),
    ]
    assert counts_but_jobs(table_counts) == before


def test_partial_background_import_writes_the_good_rows(app, staff, chain):
    job = upload(staff, "/api/import/companies", BAD, background="true", partial="true").json()
    report = finished(app, staff, job["id"])["report"]
    assert (report["created"], report["refused"], report["applied"]) == (2, 2, True)


def test_a_background_lead_import(app, staff, chain):
    headers = ["企业名称", "所属环节", "预计投资(万元)"]
    rows = [["云江甲公司", "new-display:panel", "5000"], ["云江乙公司", "new-display:panel", ""]]
    content = csv_text(headers, rows).encode("utf-8-sig")
    files = {"file": ("线索.csv", content, "text/csv")}
    submitted = staff.post("/api/import/leads", files=files, params={"background": "true"})
    assert submitted.status_code == 202, submitted.text
    report = finished(app, staff, submitted.json()["id"])["report"]
    assert (report["rows"], report["created"], report["applied"]) == (2, 2, True)
    leads = staff.get("/api/leads").json()["items"]
    assert sorted(lead["expected_investment"] or 0 for lead in leads) == [0, 5000]


def test_only_the_uploader_or_an_admin_sees_a_job(app, staff, chain, login):
    job = upload(staff, "/api/import/companies", GOOD[:2], background="true").json()
    path = f"/api/imports/{job['id']}"
    assert login("admin").get(path).status_code == 200
    assert login("staff", "staff2").get(path).status_code == 404  # another user's job
    viewer = login("viewer")
    assert viewer.get(path).status_code == 403  # may not import at all
    assert login("leader").get(path).status_code == 403
    assert staff.get("/api/imports/999999").status_code == 404
    assert (
        viewer.post(
            "/api/import/companies",
            files={"file": ("x.csv", b"name\nx\n", "text/csv")},
            params={"background": "true"},
        ).status_code
        == 403
    )
    app.state.jobs.work_until_idle()
