"""Name search stays right as companies change: the trigram index (pg_trgm on PostgreSQL, the
FTS5 table on SQLite) follows every insert, rename and delete, and terms of any length find
the same companies."""

from tests.test_lists_scale import add_companies, names_found


def test_search_follows_renames_and_deletes(staff):
    _, renamed, deleted = add_companies(
        staff, "潍坊鑫源精密机械有限公司", "烟台恒瑞精密机械有限公司", "济南博通精密机械有限公司"
    )
    assert names_found(staff, "精密机械") == {
        "潍坊鑫源精密机械有限公司",
        "烟台恒瑞精密机械有限公司",
        "济南博通精密机械有限公司",
    }
    version = staff.get(f"/api/companies/{renamed}").json()["version"]
    response = staff.patch(
        f"/api/companies/{renamed}", json={"name": "烟台恒瑞生物医药有限公司", "version": version}
    )
    assert response.status_code == 200, response.text
    assert staff.delete(f"/api/companies/{deleted}").status_code == 204

    assert names_found(staff, "精密机械") == {"潍坊鑫源精密机械有限公司"}
    assert names_found(staff, "生物医药") == {"烟台恒瑞生物医药有限公司"}
    assert names_found(staff, "恒瑞") == {"烟台恒瑞生物医药有限公司"}  # two characters
    assert names_found(staff, "博") == set()  # one character, of the deleted company only
    assert names_found(staff, "bt") == set()
    assert names_found(staff, "wfxy") == {"潍坊鑫源精密机械有限公司"}
    assert names_found(staff, "hengrui") == {"烟台恒瑞生物医药有限公司"}


def test_terms_with_like_wildcards_or_mixed_case_are_taken_literally(staff):
    add_companies(staff, "ABC_Tech 青岛", "ABCxTech 烟台")
    assert names_found(staff, "abc_tech") == {"ABC_Tech 青岛"}
    assert names_found(staff, "ABCX") == {"ABCxTech 烟台"}
    assert names_found(staff, "tech") == {"ABC_Tech 青岛", "ABCxTech 烟台"}
