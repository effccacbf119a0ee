"""Signing on the lead page names the project and its agreement; the project page shows them."""

import pytest

from tests.factories import chain_file, company

POST = {"headers": {"Origin": "http://testserver", "Accept": "text/html"}}


@pytest.fixture
def lead(staff, make_user) -> dict:
    make_user("sun", "specialist", "孙丽")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    firm = staff.post("/api/companies", json=company("宁德储能科技", city="深圳")).json()
    created = staff.post(
        "/api/leads", json={"company_id": firm["id"], "segment": "new-display:panel"}
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_the_signing_form_offers_name_and_agreement_type(browser_login, lead):
    page = browser_login("staff", "wang").get(f"/leads/{lead['id']}")
    assert page.status_code == 200
    assert 'name="project_name"' in page.text
    assert '<option value="formal"' in page.text and "框架协议" in page.text


def test_signing_on_the_page_with_a_framework_agreement(browser_login, lead, staff, table_counts):
    client = browser_login("staff", "wang")
    url = f"/leads/{lead['id']}/stage"
    terms = {"stage": "signed", "version": 1, "specialist": "sun"}
    before = table_counts()
    refused = client.post(url, data={**terms, "agreement_type": "memorandum"}, **POST)
    assert refused.status_code == 422 and 'id="agreement_type-error"' in refused.text
    assert table_counts() == before
    signed = client.post(
        url,
        data={**terms, "project_name": "年产10GWh储能电池项目", "agreement_type": "framework"},
        **POST,
    )
    assert signed.status_code == 303, signed.text
    project_page = client.get(signed.headers["location"])
    assert "年产10GWh储能电池项目" in project_page.text
    assert "框架协议" in project_page.text
    assert "省外" in project_page.text, "a 深圳 company invests from another province"
