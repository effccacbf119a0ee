"""Keyset paging of the lead list: walking with ``cursor`` gives every lead once, in the
order of each sort (nulls last both ways, ties by id), with filters; bad cursors are 400."""

import base64
import json

import pytest

from tests.factories import chain_file
from tests.test_lists_scale import add_companies, add_leads, listed

SORTS = ["id", "created_at", "updated_at", "priority", "stage_changed_at"]
SORTS += ["expected_investment", "next_follow_up"]
NULLABLE = {"expected_investment", "next_follow_up"}


@pytest.fixture
def leads(staff, clock) -> list[dict]:
    """Eleven leads with repeated, missing and distinct sort values, made over a few days."""
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    companies = add_companies(staff, *(f"游标测试{i}公司" for i in range(11)))
    values = []
    for i in range(11):
        fields = {"priority": "ABC"[i % 3]}
        if i % 3:
            fields["expected_investment"] = [500, 100, 500, 900][i % 4]
        if i % 4:
            fields["next_follow_up"] = f"2027-01-0{1 + i % 3}"
        values.append(fields)
    for chunk in (values[:4], values[4:8], values[8:]):
        start = len([v for v in values if "id" in v])
        ids = add_leads(staff, companies[start : start + len(chunk)], chunk)
        for fields, lead_id in zip(chunk, ids, strict=True):
            fields["id"] = lead_id
        clock.advance(days=1)
    return listed(staff, "/api/leads", sort="id", limit=100)["items"]


def expected_order(leads: list[dict], sort: str) -> list[int]:
    """Each sort as a user expects it: by the field, nulls last both ways, then by id."""
    name, descending = sort.lstrip("-"), sort.startswith("-")
    present = [lead for lead in leads if lead[name] is not None]
    missing = [lead for lead in leads if lead[name] is None]
    present.sort(key=lambda lead: (lead[name], lead["id"]), reverse=descending)
    missing.sort(key=lambda lead: lead["id"], reverse=descending)
    return [lead["id"] for lead in present + missing]


def walk(client, limit: int, **params) -> tuple[list[int], list[dict]]:
    pages = [listed(client, "/api/leads", limit=limit, **params)]
    while "next_cursor" in pages[-1]:
        cursor = pages[-1]["next_cursor"]
        pages.append(listed(client, "/api/leads", limit=limit, cursor=cursor, **params))
        assert len(pages) < 20, "the walk does not end"
    return [lead["id"] for page in pages for lead in page["items"]], pages


@pytest.mark.parametrize("sort", [s for name in SORTS for s in (name, f"-{name}")])
def test_cursor_walks_every_sort_once_in_order(staff, leads, sort):
    ids, pages = walk(staff, 3, sort=sort)
    assert ids == expected_order(leads, sort)
    assert {page["total"] for page in pages} == {11}, "the total counts every lead, every page"
    assert all(len(page["items"]) == 3 for page in pages[:-1])


def test_cursor_keeps_the_filters_and_ends_with_no_next_cursor(staff, leads):
    wanted = [lead for lead in leads if lead["priority"] == "A"]
    ids, pages = walk(staff, 2, sort="-expected_investment", priority="A")
    assert ids == expected_order(wanted, "-expected_investment")
    assert pages[-1]["total"] == len(wanted)
    assert "next_cursor" not in pages[-1]


def test_a_full_last_page_is_followed_by_an_empty_one(staff, leads):
    first = listed(staff, "/api/leads", limit=11)
    assert len(first["items"]) == 11 and "next_cursor" in first
    after = listed(staff, "/api/leads", limit=11, cursor=first["next_cursor"])
    assert after["items"] == [] and after["total"] == 11 and "next_cursor" not in after


def forged(sort: str, key: list) -> str:
    raw = json.dumps({"sort": sort, "key": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "eyJzb3J0Ijo",  # truncated
        forged("-id", ["x", 3]),  # a sort the request does not use
        forged("created_at", ["yesterday", 3]),
        forged("created_at", ["2027-01-01T00:00:00", 3]),  # no time zone
        forged("created_at", [None, 3]),  # created_at has no nulls
        forged("created_at", ["2027-01-01T00:00:00+00:00", "3"]),
        forged("created_at", [12, 3]),
        forged("created_at", {"a": 1}),
    ],
)
def test_a_bad_cursor_is_refused_with_400(staff, leads, cursor):
    response = staff.get("/api/leads", params={"sort": "created_at", "cursor": cursor})
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["detail"]


def test_a_cursor_with_an_offset_is_refused(staff, leads):
    cursor = listed(staff, "/api/leads", limit=2)["next_cursor"]
    response = staff.get("/api/leads", params={"cursor": cursor, "offset": 4})
    assert response.status_code == 400, response.text
    # The refusal changed nothing: the cursor still reads its page.
    assert listed(staff, "/api/leads", limit=2, cursor=cursor)["items"]


def test_a_lead_cursor_is_refused_by_the_company_list(staff, leads):
    cursor = listed(staff, "/api/leads", limit=2)["next_cursor"]  # made for sort "-id"
    response = staff.get("/api/companies", params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["detail"]
