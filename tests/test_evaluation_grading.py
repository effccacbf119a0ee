"""亩均论英雄 (issue 23): a hand-built population graded by the API, checked against the
definition in docs/evaluation.md computed here in plain Python; re-runs, publishing, the
freeze, visibility and the land check of D-grade plot holders."""

import copy
import re

import pytest
from sqlalchemy import func, select

from crm.db import transaction
from crm.evaluation.grading_models import EvaluationResult
from crm.evaluation.models import CompanyYear
from crm.pages import evaluation as evaluation_pages

YEAR = 2025
PARK = "亩均测试园区"
CAP = 2.0
ABOVE_WEIGHTS = {
    "tax_per_mu": 40,
    "revenue_per_energy": 20,
    "revenue_per_emission": 15,
    "rd_intensity": 15,
    "labour_productivity": 10,
}
CUTS = (20, 60, 90)

# name: (land_own, land_rented, revenue, tax, added_value, energy, emissions, rd, employees, 规上)
FIRMS = {
    "甲精密制造": (50, None, 60000, 3000, 15000, 3000, 300, 2400, 400, True),
    "乙新材料": (80, 10, 40000, 1200, 9000, 8000, 900, 600, 500, True),
    "丙电子": (20, None, 30000, 1500, 8000, 1000, 100, 1800, 150, True),
    "丁化工": (120, None, 50000, 900, 10000, 20000, 2500, 200, 600, True),
    "戊装备": (40, 5, 20000, 800, 5000, 1500, 200, 500, 250, True),
    # No emissions reported, zero energy (a missing figure and a zero denominator).
    "己科技": (10, None, 8000, 400, 2000, 0, None, 640, 60, True),
    "庚一厂": (5, None, 1500, 30, 300, None, None, None, 30, False),
    "庚二厂": (8, None, 1800, 80, 350, None, None, None, 35, False),
    "辛小作坊": (2, None, 900, 20, 150, None, None, None, 12, False),
    "壬租户": (None, 4, 1200, 60, 200, None, None, None, 20, False),
    "癸租户": (None, 6, 1600, 30, 250, None, None, None, 25, False),
    # A tenant with no land on record: no tax per mu, no points.
    "子租户": (None, None, 500, 10, 80, None, None, None, 8, False),
}
FIELDS = (
    "land_own_mu",
    "land_rented_mu",
    "revenue",
    "tax",
    "added_value",
    "energy_tce",
    "emissions",
    "rd_spend",
    "employees",
    "above_size",
)


# --- the definition, independently ------------------------------------------------------------


def population(f: dict) -> str:
    own = f["land_own_mu"] or 0
    if f["above_size"]:
        return "above"
    return "land_3plus" if own >= 3 else "land_under3" if own > 0 else "tenant"


def value(f: dict, indicator: str) -> float | None:
    def ratio(top, bottom, scale=1.0):
        return None if top is None or not bottom or bottom <= 0 else top * scale / bottom

    land = (f["land_own_mu"] or 0) + (f["land_rented_mu"] or 0)
    return {
        "tax_per_mu": lambda: ratio(f["tax"], land),
        "revenue_per_energy": lambda: ratio(f["revenue"], f["energy_tce"]),
        "revenue_per_emission": lambda: ratio(f["revenue"], f["emissions"]),
        "rd_intensity": lambda: ratio(f["rd_spend"], f["revenue"], 100.0),
        "labour_productivity": lambda: ratio(f["added_value"], f["employees"]),
    }[indicator]()


def expected_grades(firms: dict[str, dict]) -> dict[str, dict]:
    groups: dict[str, list[str]] = {}
    for name, f in firms.items():
        groups.setdefault(population(f), []).append(name)
    out = {}
    for pop, names in groups.items():
        weights = ABOVE_WEIGHTS if pop == "above" else {"tax_per_mu": 100}
        scores = dict.fromkeys(names, 0.0)
        points = {name: {} for name in names}
        for indicator, weight in weights.items():
            values = {name: value(firms[name], indicator) for name in names}
            known = [v for v in values.values() if v is not None]
            average = sum(known) / len(known) if known else None
            for name, v in values.items():
                if v is None or v <= 0:
                    n = 0.0
                elif average <= 0:
                    n = 1.0
                else:
                    n = min(v / (CAP * average), 1.0)
                points[name][indicator] = weight * n
                scores[name] += weight * n
        for name in names:
            rank = 1 + sum(1 for other in names if scores[other] > scores[name] + 1e-9)
            size = len(names)
            grade = next(
                (g for g, cut in zip("ABC", CUTS, strict=True) if rank * 100 <= size * cut), "D"
            )
            out[name] = {
                "population": pop,
                "score": scores[name],
                "rank": rank,
                "grade": grade,
                "points": points[name],
            }
    return out


# --- the world --------------------------------------------------------------------------------


@pytest.fixture
def world(login, db):
    staff = login("staff")
    assert staff.post("/api/parks", json={"name": PARK, "level": "city"}).status_code == 201
    ids = {}
    for serial, name in enumerate(FIRMS):
        body = {"name": name, "is_local": True, "park": PARK, "revenue": 1.0 + serial}
        response = staff.post("/api/companies", json=body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    with transaction(db) as session:
        for name, figures in FIRMS.items():
            session.add(
                CompanyYear(
                    company_id=ids[name], year=YEAR, **dict(zip(FIELDS, figures, strict=True))
                )
            )
    return staff, ids


def _firms() -> dict[str, dict]:
    return {name: dict(zip(FIELDS, figures, strict=True)) for name, figures in FIRMS.items()}


def _graded(staff) -> dict[str, dict]:
    assert staff.post(f"/api/evaluation/{YEAR}/scheme/default").status_code == 201
    response = staff.post(f"/api/evaluation/{YEAR}/run")
    assert response.status_code == 200, response.text
    assert response.json()["graded"] == len(FIRMS)
    return _results(staff)


def _results(client, **params) -> dict[str, dict]:
    response = client.get(f"/api/evaluation/{YEAR}/results", params=params)
    assert response.status_code == 200, response.text
    return {row["company"]: row for row in response.json()}


def test_scores_ranks_and_grades_follow_the_documented_definition(world):
    staff, _ = world
    stored = _graded(staff)
    expected = expected_grades(_firms())
    assert set(stored) == set(expected)
    for name, want in expected.items():
        got = stored[name]
        assert got["population"] == want["population"], name
        assert got["score"] == pytest.approx(want["score"], abs=1e-9), name
        assert (got["rank"], got["grade"]) == (want["rank"], want["grade"]), name
        points = {item["indicator"]: item["points"] for item in got["contributions"]}
        assert points == pytest.approx(want["points"], abs=1e-9), name
        assert got["score"] == pytest.approx(sum(points.values()), abs=1e-9)
    # Every grade occurs among the six above-size firms; the gaps score nothing.
    assert {stored[name]["grade"] for name in list(FIRMS)[:6]} == {"A", "B", "C", "D"}
    gaps = {item["indicator"]: item for item in stored["己科技"]["contributions"]}
    assert gaps["revenue_per_energy"]["value"] is None and gaps["revenue_per_energy"]["points"] == 0
    assert gaps["revenue_per_emission"]["value"] is None
    assert stored["子租户"]["score"] == 0 and stored["子租户"]["grade"] == "D"
    # Filters: grade, population, park.
    assert set(_results(staff, grade="A")) == {n for n, w in expected.items() if w["grade"] == "A"}
    assert set(_results(staff, population="tenant")) == {"壬租户", "癸租户", "子租户"}
    park_id = staff.get("/api/parks").json()["items"][0]["id"]
    assert len(_results(staff, park=park_id)) == len(FIRMS)
    assert _results(staff, park=park_id + 999) == {}


def test_a_figure_change_and_a_rerun_move_the_grade_and_the_measures(world, db, browser_login):
    staff, ids = world
    before = _graded(staff)
    loser = "丁化工"
    assert before[loser]["grade"] == "D"
    assert "差别化电价" in before[loser]["measures"]["energy"]
    with transaction(db) as session:
        row = session.scalar(select(CompanyYear).where(CompanyYear.company_id == ids[loser]))
        row.tax, row.energy_tce, row.emissions, row.rd_spend = 30000, 1000, 50, 5000
    assert staff.post(f"/api/evaluation/{YEAR}/run").status_code == 200
    after = _results(staff)
    assert after[loser]["grade"] == "A"
    assert after[loser]["measures"]["land"].startswith("新增用地指标优先保障")
    firm = staff.get(f"/api/companies/{ids[loser]}/grades").json()
    assert [(g["year"], g["grade"]) for g in firm] == [(YEAR, "A")]
    assert "信贷白名单" in firm[0]["measures"]["credit"]
    page = browser_login("staff").get(f"/companies/{ids[loser]}")
    assert page.status_code == 200 and "信贷白名单" in page.text


def test_weights_must_sum_to_100_and_a_refused_scheme_changes_nothing(world):
    staff, _ = world
    scheme = staff.post(f"/api/evaluation/{YEAR}/scheme/default").json()
    keys = ("version", "indicators", "a_pct", "b_pct", "c_pct", "measures")
    body = copy.deepcopy({key: scheme[key] for key in keys})
    body["indicators"]["above"][0]["weight"] = 45  # 105 in all
    response = staff.put(f"/api/evaluation/{YEAR}/scheme", json=body)
    assert response.status_code == 422
    assert "权重之和须为100" in response.json()["detail"][0]["msg"]
    body["indicators"]["above"][0]["weight"] = 40
    body["indicators"]["tenant"] = [{"indicator": "rd_intensity", "weight": 100}]
    assert staff.put(f"/api/evaluation/{YEAR}/scheme", json=body).status_code == 422
    assert staff.get(f"/api/evaluation/{YEAR}/scheme").json() == scheme
    # A valid edit (grade cuts) is kept; a stale version is 409.
    body["indicators"]["tenant"] = scheme["indicators"]["tenant"]
    body["a_pct"] = 10
    changed = staff.put(f"/api/evaluation/{YEAR}/scheme", json=body)
    assert changed.status_code == 200 and changed.json()["a_pct"] == 10
    assert staff.put(f"/api/evaluation/{YEAR}/scheme", json=body).status_code == 409


def test_unpublished_results_are_hidden_from_a_viewer_and_published_ones_frozen(world, login, db):
    staff, ids = world
    _graded(staff)
    viewer = login("viewer")
    assert viewer.get(f"/api/evaluation/{YEAR}/results").status_code == 403
    assert viewer.get(f"/api/evaluation/{YEAR}/results.xlsx").status_code == 403
    assert viewer.get(f"/api/companies/{ids['甲精密制造']}/grades").json() == []
    assert viewer.post(f"/api/evaluation/{YEAR}/publish").status_code == 403

    published = staff.post(f"/api/evaluation/{YEAR}/publish")
    assert published.status_code == 200
    assert published.json()["published"] and published.json()["published_by"] == "staff1"
    assert len(_results(viewer)) == len(FIRMS)
    assert viewer.get(f"/api/companies/{ids['甲精密制造']}/grades").json()[0]["year"] == YEAR

    # Frozen: no re-run, no scheme edit; staff may not unpublish, an administrator may.
    with db() as session:
        before = session.scalar(select(func.count()).select_from(EvaluationResult))
    refused = staff.post(f"/api/evaluation/{YEAR}/run")
    assert refused.status_code == 409 and "已发布" in refused.json()["detail"]
    scheme = staff.get(f"/api/evaluation/{YEAR}/scheme").json()
    body = {k: scheme[k] for k in ("version", "indicators", "a_pct", "b_pct", "c_pct", "measures")}
    assert staff.put(f"/api/evaluation/{YEAR}/scheme", json=body).status_code == 409
    assert staff.post(f"/api/evaluation/{YEAR}/unpublish").status_code == 403
    admin = login("admin")
    assert admin.post(f"/api/evaluation/{YEAR}/unpublish").status_code == 200
    assert viewer.get(f"/api/evaluation/{YEAR}/results").status_code == 403
    with db() as session:
        assert session.scalar(select(func.count()).select_from(EvaluationResult)) == before


def test_publishing_needs_a_run_and_bad_input_is_a_clear_4xx(world):
    staff, _ = world
    assert staff.post(f"/api/evaluation/{YEAR}/run").status_code == 404  # no scheme yet
    assert staff.post(f"/api/evaluation/{YEAR}/scheme/default").status_code == 201
    assert staff.post(f"/api/evaluation/{YEAR}/scheme/default").status_code == 409
    refused = staff.post(f"/api/evaluation/{YEAR}/publish")
    assert refused.status_code == 422 and "请先运行评价" in refused.text
    assert staff.get(f"/api/evaluation/{YEAR}/results", params={"grade": "E"}).status_code == 422
    assert staff.get("/api/evaluation/1800/scheme").status_code == 422


def test_a_d_grade_firm_holding_a_plot_is_listed_for_a_land_check(world, browser_login):
    staff, ids = world
    holder, other = ids["丁化工"], ids["甲精密制造"]
    for company_id, plot_no in ((holder, "DJ-01"), (other, "DJ-02")):
        body = {"park": PARK, "plot_no": plot_no, "area_mu": 120, "holder_company_id": company_id}
        plot = staff.post("/api/land", json=body)
        assert plot.status_code == 201, plot.text
        moved = staff.post(f"/api/land/{plot.json()['id']}/status", json={"status": "supplied"})
        assert moved.status_code == 200, moved.text
    grades = _graded(staff)
    assert grades["丁化工"]["grade"] == "D" and grades["甲精密制造"]["grade"] != "D"
    checks = staff.get(f"/api/evaluation/{YEAR}/land-checks").json()
    assert [(c["company_id"], c["plot_no"]) for c in checks] == [(holder, "DJ-01")]
    web = browser_login("staff")
    assert "DJ-01" in web.get("/evaluation", params={"year": YEAR}).text
    assert "土地利用核查" in web.get(f"/companies/{holder}").text
    assert "土地利用核查" not in web.get(f"/companies/{other}").text


def test_the_grading_list_is_an_xlsx_with_one_row_per_firm(world):
    from io import BytesIO

    from openpyxl import load_workbook

    staff, _ = world
    stored = _graded(staff)
    response = staff.get(f"/api/evaluation/{YEAR}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == ("企业名称", "统一社会信用代码", "所在园区", "评价群体")
    assert {row[0] for row in body} == set(FIRMS)
    grade_at = header.index("等级")
    by_name = {row[0]: row for row in body}
    assert by_name["丁化工"][grade_at] == "D 限制发展"
    assert by_name["丁化工"][header.index("亩均税收(万元/亩)")] == round(900 / 120, 2)
    assert by_name["丁化工"][header.index("得分")] == round(stored["丁化工"]["score"], 2)


def _scheme_form(scheme: dict, **changes) -> dict:
    form = {"version": scheme["version"], **{k: scheme[k] for k in ("a_pct", "b_pct", "c_pct")}}
    for population, rows in scheme["indicators"].items():
        for row in rows:
            form[f"w-{population}-{row['indicator']}"] = row["weight"]
            form[f"d-{population}-{row['indicator']}"] = row["direction"]
    for grade, measures in scheme["measures"].items():
        for area, text in measures.items():
            form[f"m-{grade}-{area}"] = text
    return {**form, **changes}


def test_the_page_edits_runs_and_publishes_and_a_viewer_may_not(world, browser_login):
    staff, _ = world
    web = browser_login("staff")
    assert web.post(f"/evaluation/{YEAR}/scheme/default").status_code == 303
    scheme = staff.get(f"/api/evaluation/{YEAR}/scheme").json()
    refused = web.post(
        f"/evaluation/{YEAR}/scheme", data=_scheme_form(scheme, **{"w-above-rd_intensity": 20})
    )
    assert refused.status_code == 422 and "权重之和须为100" in refused.text
    form = _scheme_form(scheme, **{"m-D-credit": "压降授信额度"})
    assert web.post(f"/evaluation/{YEAR}/scheme", data=form).status_code == 303
    assert (
        staff.get(f"/api/evaluation/{YEAR}/scheme").json()["measures"]["D"]["credit"]
        == "压降授信额度"
    )
    assert web.post(f"/evaluation/{YEAR}/run").status_code == 303
    page = web.get("/evaluation", params={"year": YEAR, "grade": "D"})
    assert page.status_code == 200 and "丁化工" in page.text and "甲精密制造" not in page.text
    viewer = browser_login("viewer")
    assert "尚未发布" in viewer.get("/evaluation", params={"year": YEAR}).text
    assert viewer.post(f"/evaluation/{YEAR}/publish").status_code == 403
    assert web.post(f"/evaluation/{YEAR}/publish").status_code == 303
    shown = viewer.get("/evaluation", params={"year": YEAR})
    assert "丁化工" in shown.text and "压降授信额度" in shown.text


def test_a_refused_scheme_form_shows_the_page_again_with_the_message(world, browser_login):
    staff, _ = world
    web = browser_login("staff")
    assert web.post(f"/evaluation/{YEAR}/scheme/default").status_code == 303
    scheme = staff.get(f"/api/evaluation/{YEAR}/scheme").json()
    typed = _scheme_form(scheme, **{"w-above-rd_intensity": 20, "m-D-credit": "压降授信额度"})
    refused = web.post(f"/evaluation/{YEAR}/scheme", data=typed)
    assert refused.status_code == 422
    assert 'id="scheme"' in refused.text and "规上企业的指标权重之和须为100" in refused.text
    assert 'name="w-above-rd_intensity" min="0" max="100" step="1"\n' in refused.text
    assert 'value="20"' in refused.text and "压降授信额度" in refused.text  # as typed
    assert staff.get(f"/api/evaluation/{YEAR}/scheme").json() == scheme

    not_a_number = web.post(f"/evaluation/{YEAR}/scheme", data={**typed, "a_pct": "二十"})
    assert not_a_number.status_code == 422 and "请填写整数" in not_a_number.text

    body = {k: scheme[k] for k in ("indicators", "a_pct", "b_pct", "c_pct", "measures")}
    assert staff.put(
        f"/api/evaluation/{YEAR}/scheme", json={**body, "version": scheme["version"], "a_pct": 15}
    ).is_success
    stale = web.post(f"/evaluation/{YEAR}/scheme", data=_scheme_form(scheme))
    assert stale.status_code == 409
    assert "修改了这条记录" in stale.text and 'value="15"' in stale.text  # the current scheme
    assert staff.get(f"/api/evaluation/{YEAR}/scheme").json()["a_pct"] == 15


def test_refused_run_and_publish_show_the_page_with_the_reason(world, browser_login):
    staff, _ = world
    web = browser_login("staff")
    assert web.post(f"/evaluation/{YEAR}/scheme/default").status_code == 303
    not_run = web.post(f"/evaluation/{YEAR}/publish")
    assert not_run.status_code == 422
    assert 'id="scheme"' in not_run.text and "请先运行评价" in not_run.text
    assert staff.get(f"/api/evaluation/{YEAR}/scheme").json()["published"] is False
    assert web.post(f"/evaluation/{YEAR}/run").status_code == 303
    assert web.post(f"/evaluation/{YEAR}/publish").status_code == 303
    frozen = web.post(f"/evaluation/{YEAR}/run")
    assert frozen.status_code == 409 and "已冻结：请管理员先撤回发布" in frozen.text
    unpublish = web.post(f"/evaluation/{YEAR}/unpublish")
    assert unpublish.status_code == 403 and 'id="scheme"' in unpublish.text
    assert staff.get(f"/api/evaluation/{YEAR}/scheme").json()["published"] is True


def test_the_english_page_names_populations_indicators_and_grades_in_english(world, browser_login):
    staff, _ = world
    assert staff.post(f"/api/evaluation/{YEAR}/scheme/default").status_code == 201
    assert staff.post(f"/api/evaluation/{YEAR}/run").status_code == 200
    web = browser_login("staff")
    web.get("/lang/en", params={"next": "/"})
    page = web.get("/evaluation", params={"year": YEAR}).text
    for english in ("Above designated size", "Tenants (no own land)", "Tax per mu", "Restricted"):
        assert english in page
    for chinese in ("规上企业", "亩均税收", "限制发展", "租赁企业"):
        assert chinese not in page
    firm = staff.get("/api/companies", params={"q": "丁化工"}).json()["items"][0]
    company = web.get(f"/companies/{firm['id']}").text
    assert "Tax per mu（10k yuan/mu）" in company and "Restricted" in company


def test_the_page_lists_results_a_page_at_a_time_with_the_filters_kept(
    world, browser_login, monkeypatch
):
    staff, _ = world
    graded = _graded(staff)
    monkeypatch.setattr(evaluation_pages, "RESULTS_PER_PAGE", 5)
    web = browser_login("staff")
    shown: list[str] = []
    for offset in (0, 5, 10):
        page = web.get("/evaluation", params={"year": YEAR, "offset": offset})
        assert page.status_code == 200, page.text
        assert f"（{len(FIRMS)}）" in page.text  # the heading counts every result
        rows = re.findall(r'<tr><td><a href="/companies/\d+">([^<]+)</a>', page.text)
        assert len(rows) == min(5, len(FIRMS) - offset)
        shown += rows
        assert f"共 {len(FIRMS)} 条，第 {offset // 5 + 1}/3 页" in page.text
        assert (f"offset={offset + 5}" in page.text) == (offset + 5 < len(FIRMS))
    assert sorted(shown) == sorted(graded)  # each firm once, none left out

    monkeypatch.setattr(evaluation_pages, "RESULTS_PER_PAGE", 1)
    d_count = sum(1 for row in graded.values() if row["grade"] == "D")
    assert d_count >= 2
    d_only = web.get("/evaluation", params={"year": YEAR, "grade": "D", "offset": 1})
    assert f"（{d_count}）" in d_only.text
    assert "grade=D&offset=2" in d_only.text or d_count == 2
    assert "grade=D&offset=0" in d_only.text  # back to the first page, filter kept
    refused = web.get("/evaluation", params={"year": YEAR, "offset": -1})
    assert refused.status_code == 422
