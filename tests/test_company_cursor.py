"""Keyset paging of the company list: walking with ``cursor`` gives every company once, in id
order, with filters kept and the total of every match on each page; bad cursors are 400 and
change nothing."""

import base64
import json

import pytest

from tests.factories import company
from tests.test_lists_scale import add_companies, listed


@pytest.fixture
def companies(staff) -> list[int]:
    """Seven companies, three of them local (``is_local`` alternates)."""
    ids = []
    for i in range(7):
        body = {**company(f"游标企业{i}"), "is_local": i % 2 == 0}
        response = staff.post("/api/companies", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def walk(client, limit: int, **params) -> tuple[list[int], list[dict]]:
    pages = [listed(client, "/api/companies", limit=limit, **params)]
    while "next_cursor" in pages[-1]:
        cursor = pages[-1]["next_cursor"]
        pages.append(listed(client, "/api/companies", limit=limit, cursor=cursor, **params))
        assert len(pages) < 20, "the walk does not end"
    return [item["id"] for page in pages for item in page["items"]], pages


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_cursor_walks_every_company_once_in_order(staff, companies, limit):
    ids, pages = walk(staff, limit)
    assert ids == sorted(companies)
    assert {page["total"] for page in pages} == {7}, "the total counts every company, every page"
    assert all(len(page["items"]) == limit for page in pages[:-1])
    assert "next_cursor" not in pages[-1]


def test_cursor_pages_equal_offset_pages(staff, companies):
    first = listed(staff, "/api/companies", limit=3)
    second = listed(staff, "/api/companies", limit=3, cursor=first["next_cursor"])
    assert second["items"] == listed(staff, "/api/companies", limit=3, offset=3)["items"]


def test_cursor_keeps_the_filters(staff, companies):
    local = [company_id for i, company_id in enumerate(companies) if i % 2 == 0]
    ids, pages = walk(staff, 2, is_local=True)
    assert ids == local
    assert pages[-1]["total"] == len(local)
    add_companies(staff, "游标后加企业")  # not local: the walk above would not have met it
    assert walk(staff, 2, is_local=True)[0] == local


def forged(sort: str, key: list) -> str:
    raw = json.dumps({"sort": sort, "key": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "eyJzb3J0Ijo",  # truncated
        forged("-id", [3, 3]),  # a lead list cursor (another order)
        forged("id", ["3", 3]),
        forged("id", [3, "3"]),
        forged("id", [2**70, 2**70]),  # past a 64-bit integer
        forged("id", {"a": 1}),
    ],
)
def test_a_bad_cursor_is_refused_with_400(staff, companies, cursor, table_counts):
    before = table_counts()
    response = staff.get("/api/companies", params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["detail"]
    assert table_counts() == before


def test_a_cursor_with_an_offset_is_refused(staff, companies):
    cursor = listed(staff, "/api/companies", limit=2)["next_cursor"]
    response = staff.get("/api/companies", params={"cursor": cursor, "offset": 2})
    assert response.status_code == 400, response.text
    assert [c["id"] for c in listed(staff, "/api/companies", limit=2, cursor=cursor)["items"]] == (
        sorted(companies)[2:4]
    )
