"""The API docs page is Swagger UI from the product's own files: no other host, no inline script."""

import re
from html.parser import HTMLParser


class _References(HTMLParser):
    """Every src/href in a page, and how many <script> elements carry code of their own."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        self._in_script_without_src = tag == "script" and "src" not in attributes

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


def test_docs_page_references_no_other_host_and_no_inline_script(anon):
    page = anon.get("/api/docs")
    assert page.status_code == 200
    found = references(page.text)
    assert found.urls, "the page should load Swagger UI"
    for url in found.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert anon.get(url).status_code == 200, url
    assert found.inline_scripts == 0
    assert re.search(r'data-openapi-url="/api/openapi.json"', page.text)
    assert not re.search(r"https?://|//cdn", page.text)


def test_oauth2_redirect_page_is_served_from_local_files(anon):
    page = anon.get("/api/docs/oauth2-redirect")
    assert page.status_code == 200
    found = references(page.text)
    assert found.inline_scripts == 0
    assert [anon.get(url).status_code for url in found.urls] == [200]


def test_openapi_documents_the_errors_the_api_answers(anon, login):
    """Found by tests/test_fuzz_api.py: the schema listed 422 only, so a client generated from it
    knew nothing of 400, 401, 403, 404 or 409."""
    viewer = login("viewer")
    schema = anon.get("/api/openapi.json").json()
    answered = {
        ("get", "/api/leads"): anon.get("/api/leads"),
        ("get", "/api/leads/{lead_id}"): viewer.get("/api/leads/999"),
        ("post", "/api/chains"): viewer.post("/api/chains", json={"code": "x"}),
        ("post", "/api/leads"): viewer.post(
            "/api/leads", content=b"\xff{", headers={"Content-Type": "application/json"}
        ),
    }
    for (method, path), response in answered.items():
        documented = schema["paths"][path][method]["responses"]
        assert str(response.status_code) in documented, (method, path, response.status_code)
        assert set(response.json()) == {"detail"}
    assert [response.status_code for response in answered.values()] == [401, 404, 403, 400]
    patch = schema["paths"]["/api/leads/{lead_id}"]["patch"]["responses"]
    assert {"400", "401", "403", "404", "409", "422"} <= set(patch)
    assert "403" not in schema["paths"]["/api/leads"]["get"]["responses"]
    assert "401" not in schema["paths"]["/health"]["get"]["responses"]
