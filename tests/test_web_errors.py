"""Every API error has one shape, made by one handler; pages get friendly error pages."""

from __future__ import annotations

import pytest
from otel_llm_server.web.access import require

from otel_llm.accounts.errors import ProjectExists
from tests.web_helpers import api_key, bearer, make_app, signed_in_client


@pytest.fixture
def app(sqlite_url):
    app = make_app(sqlite_url)

    @app.get("/api/v1/_test/conflict")
    @require("viewer")
    def conflict():
        raise ProjectExists("project 'x' already exists.")

    @app.get("/api/v1/_test/crash")
    @require("viewer")
    def crash():
        raise RuntimeError("secret internals")

    @app.get("/_test/crash")
    @require("viewer")
    def page_crash():
        raise RuntimeError("secret internals")

    return app


def _assert_error_shape(response, status: int, code: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


def test_every_api_error_status_has_the_same_shape(app, sqlite_url):
    client = app.test_client()
    admin = bearer(api_key(sqlite_url, "alpha", "admin"))
    viewer = bearer(api_key(sqlite_url, "alpha", "viewer"))
    message = _assert_error_shape(client.get("/api/v1/spans?limit=abc", headers=admin), 400, "bad_request")
    assert "limit" in message
    _assert_error_shape(client.get("/api/v1/spans"), 401, "unauthorized")
    _assert_error_shape(client.get("/api/v1/keys", headers=viewer), 403, "forbidden")
    _assert_error_shape(client.get("/api/v1/spans/00000000deadbeef", headers=admin), 404, "not_found")
    _assert_error_shape(client.get("/api/v1/no-such-route", headers=admin), 404, "not_found")
    response = client.put("/api/v1/spans", headers=admin)
    _assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    _assert_error_shape(client.get("/api/v1/_test/conflict", headers=admin), 409, "conflict")
    message = _assert_error_shape(
        client.post("/api/v1/keys", json={"role": "god"}, headers=admin), 400, "bad_request"
    )
    assert "'role'" in message and "viewer, editor, admin" in message
    member = {"email": "not an email", "role": "viewer", "password": "correct horse battery"}
    message = _assert_error_shape(client.post("/api/v1/members", json=member, headers=admin), 422, "invalid")
    assert "email" in message
    message = _assert_error_shape(client.get("/api/v1/_test/crash", headers=admin), 500, "internal_error")
    assert "secret internals" not in message


def test_bad_bodies_and_cursors_get_sentences(app, sqlite_url):
    client = app.test_client()
    admin = bearer(api_key(sqlite_url, "alpha", "admin"))
    message = _assert_error_shape(
        client.post("/api/v1/keys", data="not json", headers=admin), 400, "bad_request"
    )
    assert "JSON object" in message
    message = _assert_error_shape(
        client.get("/api/v1/spans?cursor=garbage", headers=admin), 400, "bad_request"
    )
    assert "first page" in message
    message = _assert_error_shape(
        client.get("/api/v1/spans?since=yesterday", headers=admin), 400, "bad_request"
    )
    assert "ISO 8601" in message


def test_pages_get_friendly_html_errors(app, sqlite_url):
    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer")
    response = client.get("/traces/span/00000000deadbeef")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Nothing here" in html and "Back to the console" in html and 'class="mainnav"' in html
    response = client.get("/no/such/page")
    assert response.status_code == 404 and 'class="mainnav"' in response.get_data(as_text=True)
    assert app.test_client().get("/no/such/page").status_code == 404  # signed out: still a page
    response = client.get("/_test/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "secret internals" not in html
