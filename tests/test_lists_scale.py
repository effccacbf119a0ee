"""Lists at scale, as a client sees them: paging to the last page, sorts with nulls, the
total and whether it is exact, name search by text, pinyin, initials and short terms."""

import csv
import re
from pathlib import Path

import sqlalchemy as sa
from pypinyin import lazy_pinyin

from crm import listing, migrate
from crm.companies.search import name_pinyin
from tests.factories import chain_file, company


def add_companies(client, *names: str) -> list[int]:
    ids = []
    for name in names:
        response = client.post("/api/companies", json=company(name))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def add_leads(client, company_ids: list[int], values: list[dict]) -> list[int]:
    ids = []
    for company_id, fields in zip(company_ids, values, strict=True):
        body = {"company_id": company_id, "segment": "new-display:panel", **fields}
        response = client.post("/api/leads", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def listed(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def lead_ids(client, **params) -> list[int]:
    return [lead["id"] for lead in listed(client, "/api/leads", **params)["items"]]


def names_found(client, q: str) -> set[str]:
    body = listed(client, "/api/companies", q=q)
    assert body["total"] == len(body["items"]) and body["total_exact"] is True
    return {item["name"] for item in body["items"]}


def test_pages_cover_the_list_once_down_to_the_last(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    companies = add_companies(staff, *(f"翻页测试{i}公司" for i in range(7)))
    leads = add_leads(staff, companies, [{}] * 7)
    newest_first = sorted(leads, reverse=True)
    pages = [listed(staff, "/api/leads", limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [lead["id"] for page in pages for lead in page["items"]] == newest_first
    assert [page["total"] for page in pages] == [7, 7, 7]
    assert all(page["total_exact"] for page in pages)
    beyond = listed(staff, "/api/leads", limit=3, offset=9)
    assert beyond == {"items": [], "total": 7, "total_exact": True}
    # The same through the ascending sort and a deep offset of a filtered list.
    assert lead_ids(staff, sort="id", limit=2, offset=5) == sorted(leads)[5:7]


def test_sorts_put_nulls_last_both_ways_and_break_ties_by_id(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    companies = add_companies(staff, "排序甲公司", "排序乙公司", "排序丙公司", "排序丁公司")
    none, small, big, big_too = add_leads(
        staff,
        companies,
        [
            {},
            {"expected_investment": 100, "next_follow_up": "2027-01-02"},
            {"expected_investment": 900, "next_follow_up": "2027-01-01"},
            {"expected_investment": 900},
        ],
    )
    assert lead_ids(staff, sort="expected_investment") == [small, big, big_too, none]
    assert lead_ids(staff, sort="-expected_investment") == [big_too, big, small, none]
    assert lead_ids(staff, sort="next_follow_up") == [big, small, none, big_too]
    assert lead_ids(staff, sort="-next_follow_up")[:2] == [small, big]
    assert lead_ids(staff, sort="-created_at") == [big_too, big, small, none]
    assert lead_ids(staff, sort="priority", limit=2, offset=2) == [big, big_too]


def test_a_count_past_the_exact_limit_says_whether_it_is_exact(staff, monkeypatch, app):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    companies = add_companies(staff, "计数甲公司", "计数乙公司", "计数丙公司", "计数丁公司")
    add_leads(staff, companies, [{}] * 4)
    monkeypatch.setattr(listing, "EXACT_COUNT_LIMIT", 2)
    body = listed(staff, "/api/leads", limit=1)
    assert len(body["items"]) == 1
    if app.state.engine.dialect.name == "postgresql":
        # Past the limit PostgreSQL's planner estimates; never below what was counted.
        assert body["total_exact"] is False and body["total"] >= 3
    else:
        assert body["total_exact"] is True and body["total"] == 4
    whole = listed(staff, "/api/leads", limit=10)
    assert (whole["total"], whole["total_exact"]) == (4, True)  # the page showed them all


def test_search_by_name_pinyin_initials_and_short_terms(staff):
    add_companies(
        staff,
        "青岛卓华光电精密科技有限公司",
        "济南卓越光电有限公司",
        "Qingdao Harbour Trading",
        "上海100%精密制造",
    )
    assert names_found(staff, "光电精密") == {"青岛卓华光电精密科技有限公司"}
    assert names_found(staff, "光电") == {"青岛卓华光电精密科技有限公司", "济南卓越光电有限公司"}
    assert names_found(staff, "卓") == {"青岛卓华光电精密科技有限公司", "济南卓越光电有限公司"}
    assert names_found(staff, "qdzh") == {"青岛卓华光电精密科技有限公司"}
    assert names_found(staff, "QDZH") == {"青岛卓华光电精密科技有限公司"}
    assert names_found(staff, "qingdaozhuohua") == {"青岛卓华光电精密科技有限公司"}
    assert names_found(staff, "qingdao") == {
        "青岛卓华光电精密科技有限公司",
        "Qingdao Harbour Trading",
    }
    assert names_found(staff, "harbour trading") == {"Qingdao Harbour Trading"}
    assert names_found(staff, "１００％") == {"上海100%精密制造"}  # full width folds
    assert names_found(staff, "%") == {"上海100%精密制造"}  # a wildcard taken literally
    assert names_found(staff, "jnzy") == {"济南卓越光电有限公司"}
    assert names_found(staff, "xyz") == set()


def test_a_renamed_company_is_found_by_its_new_pinyin(staff):
    (company_id,) = add_companies(staff, "青岛卓华科技")
    version = staff.get(f"/api/companies/{company_id}").json()["version"]
    renamed = staff.patch(
        f"/api/companies/{company_id}", json={"name": "烟台恒瑞科技", "version": version}
    )
    assert renamed.status_code == 200, renamed.text
    assert names_found(staff, "ythr") == {"烟台恒瑞科技"}
    assert names_found(staff, "qdzh") == set()


def test_lead_search_uses_the_company_name_search(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    companies = add_companies(staff, "青岛卓华光电有限公司", "成都天府软件有限公司")
    zhuohua, _ = add_leads(staff, companies, [{}, {}])
    assert lead_ids(staff, q="qdzh") == [zhuohua]
    assert lead_ids(staff, q="卓华") == [zhuohua]


def test_the_migration_fills_pinyin_of_existing_companies(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "ccf200ea854b")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO company (name, name_key, is_local, version, created_at, updated_at)"
                " VALUES ('青岛卓华', '青岛卓华', 0, 1, '2026-01-01', '2026-01-01')"
            )
        )
    migrate.upgrade(url)
    with engine.connect() as connection:
        pinyin = connection.execute(sa.text("SELECT name_pinyin FROM company")).scalar_one()
    engine.dispose()
    assert pinyin == "qingdaozhuohua qdzh"


def test_list_items_read_the_same_as_the_records(staff, login):
    """The lists read plain rows; each item must say what the record's own page says."""
    login("leader", "chen")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    task_force = staff.post(
        "/api/taskforces", json={"name": "显示专班", "kind": "task_force", "leader": "chen"}
    ).json()
    (company_id,) = add_companies(staff, "青岛卓华显示有限公司")
    version = staff.get(f"/api/companies/{company_id}").json()["version"]
    staff.patch(
        f"/api/companies/{company_id}",
        json={"version": version, "segments": ["new-display:panel"], "tags": ["srdi", "listed"]},
    )
    assert staff.put(f"/api/chains/new-display/leaders/{company_id}").status_code == 200
    (lead_id,) = add_leads(
        staff,
        [company_id],
        [
            {
                "task_force_id": task_force["id"],
                "owner": "chen",
                "expected_investment": 12.5,
                "expected_jobs": 30,
                "next_follow_up": "2020-01-01",
                "notes": "备注",
            }
        ],
    )
    (item,) = listed(staff, "/api/leads")["items"]
    record = staff.get(f"/api/leads/{lead_id}").json()
    for detail_only in ("history", "specialist", "pause_proposed"):
        record.pop(detail_only)
    assert item == record and item["follow_up_overdue"] is True
    (company_item,) = listed(staff, "/api/companies", q="卓华")["items"]
    assert company_item == staff.get(f"/api/companies/{company_id}").json()
    assert company_item["tags"] == ["leader", "listed", "srdi"]


def test_pinyin_reads_phrases_as_pypinyin_does_the_whole_name(staff):
    """Polyphonic characters take their phrase's reading (重庆 chongqing, 银行 yinhang, 长沙
    changsha), also when a phrase comes back in later names, whose readings are remembered."""
    add_companies(staff, "重庆银行股份有限公司", "长沙银行行长培训中心", "重庆长安汽车")
    assert names_found(staff, "chongqingyinhang") == {"重庆银行股份有限公司"}
    assert names_found(staff, "cqyh") == {"重庆银行股份有限公司"}
    assert names_found(staff, "changshayinhang") == {"长沙银行行长培训中心"}
    assert names_found(staff, "cqca") == {"重庆长安汽车"}
    assert names_found(staff, "zhongqing") == set()


def test_pinyin_of_every_seeded_name_equals_pypinyin_on_the_whole_name():
    seeds = Path(__file__).resolve().parent.parent / "seeds" / "companies.csv"
    with seeds.open(encoding="utf-8-sig") as handle:
        names = [row[0] for row in csv.reader(handle)][1:]
    assert len(names) > 100
    for name in names * 2:  # the second pass reads remembered phrases
        full = "".join(lazy_pinyin(name, errors="default")).lower()
        assert name_pinyin(name).split(" ")[0] == re.sub("[^a-z0-9]", "", full)
