"""Security headers on every response; a Content-Security-Policy on HTML; HSTS on request."""

from fastapi.testclient import TestClient

from crm.api.app import create_app
from crm.api.security import CONTENT_SECURITY_POLICY
from crm.config import Settings

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def test_security_headers_on_api_responses(anon, staff):
    for response in (
        anon.get("/health"),
        anon.get("/api/chains"),  # 401
        staff.get("/api/chains"),
        staff.get("/api/nowhere"),  # 404
        anon.post("/api/auth/token", data={"username": "x", "password": "y"}),
    ):
        for name, value in EVERY_RESPONSE.items():
            assert response.headers.get(name) == value, (response.url, name)
        assert "content-security-policy" not in response.headers
        assert "strict-transport-security" not in response.headers
    docs = anon.get("/api/docs")
    assert docs.headers["content-type"].startswith("text/html")
    assert docs.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    for name, value in EVERY_RESPONSE.items():
        assert docs.headers[name] == value


def test_hsts_only_behind_https(database_url, db):
    app = create_app(Settings(database_url=database_url, secret_key="x" * 40, behind_https=True))
    try:
        with TestClient(app) as client:
            response = client.get("/health")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert response.headers["x-frame-options"] == "DENY"
    finally:
        app.state.engine.dispose()
