"""One access mechanism on every route; sessions, keys, roles and CSRF behave as users expect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from otel_llm_server.web.access import ACCESS_ATTR, PUBLIC, SIGNED_IN

from otel_llm.accounts import revoke_key
from otel_llm.storage.db import get_engine
from tests.web_helpers import (
    PASSWORD,
    api_key,
    bearer,
    csrf_token,
    login,
    make_app,
    make_user,
    signed_in_client,
)

# The only views anyone may call without signing in.
PUBLIC_ENDPOINTS = {"auth.health", "auth.sign_in_page", "auth.sign_out_page", "openapi.document"}
# Views for any signed-in user, member of a project or not (their invitations).
SIGNED_IN_ENDPOINTS = {"auth.invitations_page", "auth.accept_invitation", "auth.decline_invitation"}


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


def test_every_route_declares_its_access(app):
    undeclared, public, signed_in = [], set(), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None)
        if access is None:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
        elif access == PUBLIC:
            public.add(rule.endpoint)
        elif access == SIGNED_IN:
            signed_in.add(rule.endpoint)
    assert undeclared == [], f"routes without @require(...), @signed_in or @public: {undeclared}"
    assert public == PUBLIC_ENDPOINTS
    assert signed_in == SIGNED_IN_ENDPOINTS


def test_signed_out_pages_redirect_to_sign_in_and_api_says_401(app):
    client = app.test_client()
    response = client.get("/traces?model=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    response = client.get("/api/v1/spans")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_sign_in_returns_to_the_page_asked_for_and_refuses_foreign_redirects(app, sqlite_url):
    make_user(sqlite_url, "ada@example.com", "viewer")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/sign-in",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token, "next": "/overview"},
    )
    assert response.headers["Location"] == "/overview"
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/sign-in",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_the_form_again(app, sqlite_url):
    make_user(sqlite_url, "ada@example.com", "viewer")
    client = app.test_client()
    response = login(client, "ada@example.com", "not the password")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/traces").status_code == 302


def test_session_cookie_is_httponly_and_samesite(app, sqlite_url):
    make_user(sqlite_url, "ada@example.com", "viewer")
    client = app.test_client()
    response = login(client, "ada@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_out_ends_the_session(app, sqlite_url):
    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer")
    assert client.get("/traces").status_code == 200
    token = csrf_token(client, "/traces")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/traces").status_code == 302


def test_forms_without_the_csrf_token_are_refused(app, sqlite_url):
    make_user(sqlite_url, "ada@example.com", "viewer")
    client = app.test_client()
    response = client.post("/sign-in", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_session_json_writes_need_the_csrf_header_but_key_writes_do_not(app, sqlite_url):
    client = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    response = client.post("/api/v1/keys", json={"role": "viewer"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_token(client, "/traces")
    response = client.post("/api/v1/keys", json={"role": "viewer"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    key = api_key(sqlite_url, "alpha", "admin")
    response = app.test_client().post("/api/v1/keys", json={"role": "viewer"}, headers=bearer(key))
    assert response.status_code == 201


def test_roles_are_enforced_for_keys_and_sessions(app, sqlite_url):
    viewer_key = api_key(sqlite_url, "alpha", "viewer")
    client = app.test_client()
    assert client.get("/api/v1/spans", headers=bearer(viewer_key)).status_code == 200
    response = client.post("/api/v1/keys", json={"role": "admin"}, headers=bearer(viewer_key))
    assert response.status_code == 403
    assert "needs the admin role" in response.get_json()["error"]["message"]

    viewer = signed_in_client(app, sqlite_url, "vera@example.com", "viewer")
    token = csrf_token(viewer, "/traces")
    assert viewer.get("/settings/keys").status_code == 403
    response = viewer.post("/settings/keys", data={"role": "admin", "csrf_token": token})
    assert response.status_code == 403


def test_every_route_needing_more_than_viewer_refuses_a_viewer_key(app, sqlite_url):
    """Walks the url map: a route declared editor/admin answers 403 to a viewer, whatever it is."""
    viewer_key = api_key(sqlite_url, "alpha", "viewer")
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        role = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None)
        if not rule.rule.startswith("/api/") or role in (None, PUBLIC, "viewer"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = (
                path.replace(f"<int:{name}>", "1").replace(f"<bigint:{name}>", "1").replace(f"<{name}>", "x")
            )
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, headers=bearer(viewer_key), json={})
            assert response.status_code == 403, f"{method} {rule.rule} → {response.status_code}"
            checked += 1
    assert checked >= 4


def test_a_revoked_or_malformed_key_is_refused(app, sqlite_url):
    key = api_key(sqlite_url, "alpha", "admin")
    client = app.test_client()
    assert client.get("/api/v1/project", headers=bearer(key)).get_json()["project"]["name"] == "alpha"
    revoke_key(get_engine(sqlite_url), key.split("_")[1])
    assert client.get("/api/v1/project", headers=bearer(key)).status_code == 401
    assert client.get("/api/v1/project", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/project", headers=bearer("ollm_nope_nope")).status_code == 401


def test_api_keys_do_not_open_html_pages(app, sqlite_url):
    key = api_key(sqlite_url, "alpha", "admin")
    response = app.test_client().get("/settings/keys", headers=bearer(key))
    assert response.status_code == 302  # to sign-in: keys are for /api/v1 only


def test_actor_is_the_email_or_the_key_prefix(app, sqlite_url):
    client = signed_in_client(app, sqlite_url, "ada@example.com", "editor")
    assert client.get("/api/v1/project").get_json() == {
        "project": {"id": 1, "name": "alpha"},
        "role": "editor",
        "actor": "ada@example.com",
    }
    key = api_key(sqlite_url, "alpha", "viewer")
    body = app.test_client().get("/api/v1/project", headers=bearer(key)).get_json()
    assert body["actor"] == f"key:{key.split('_')[1]}"


def test_project_switcher_changes_the_current_project(app, sqlite_url):
    from otel_llm.accounts import users as users_service

    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer", project="alpha")
    make_user(sqlite_url, "other@example.com", "viewer", project="bravo")
    users_service.set_role(get_engine(sqlite_url), "ada@example.com", "bravo", "editor")
    html = client.get("/traces").get_data(as_text=True)
    assert 'id="project-switch"' in html and ">bravo<" in html
    bravo_id = client.get("/api/v1/project").get_json()["project"]["id"] + 1
    token = csrf_token(client, "/traces")
    client.post("/switch-project", data={"project_id": bravo_id, "csrf_token": token, "next": "/overview"})
    assert client.get("/api/v1/project").get_json()["project"]["name"] == "bravo"
    assert client.get("/api/v1/project").get_json()["role"] == "editor"


def test_a_disabled_or_removed_user_loses_access_at_once(app, sqlite_url):
    from otel_llm.accounts import users as users_service

    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer")
    make_user(sqlite_url, "boss@example.com", "admin")
    users_service.remove_user(get_engine(sqlite_url), "ada@example.com", "alpha")
    response = client.get("/traces")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert login(client, "ada@example.com").status_code == 302  # back in, but in no project
    assert client.get("/traces").headers["Location"] == "/invitations"
    response = client.get("/api/v1/project")
    assert response.status_code == 403
    assert "not a member of any project" in response.get_json()["error"]["message"]
    users_service.remove_user(get_engine(sqlite_url), "ada@example.com")
    assert client.get("/traces").status_code == 302
    assert login(client, "ada@example.com").status_code == 401


def test_no_page_offers_a_viewer_a_write_form(sqlite_url):
    """Walks every HTML page (others' areas included) as a viewer, on the viewer's own objects:
    the only forms that post are sign-out and the project switcher."""
    import re

    from tests.isolation_seeds import seed_all

    app = make_app(sqlite_url)
    client = signed_in_client(app, sqlite_url, "vera@example.com", "viewer")
    values = seed_all(get_engine(sqlite_url), "alpha", "OWNDATA")
    allowed = {"/sign-in", "/sign-out", "/switch-project"}
    offending, visited = [], 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")) or "GET" not in (rule.methods or set()):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", values.get(name, "0"), path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        visited += 1
        html = response.get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*>", html):
            if re.search(r'method="post"', form, re.I):
                action = re.search(r'action="([^"]*)"', form)
                if action is None or action.group(1) not in allowed:
                    offending.append(f"{path}: {form}")
    assert visited >= 5
    assert offending == [], f"write forms shown to a viewer: {offending}"


def test_pages_forbid_inline_scripts_and_framing(app, sqlite_url):
    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer")
    headers = client.get("/traces").headers
    policy = headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_nav_skips_missing_areas_and_placeholders_stand_in_for_uninstalled_ones(sqlite_url, monkeypatch):
    from otel_llm_server import web

    monkeypatch.setattr(
        web,
        "AREAS",
        ("otel_llm_server.web.auth", "otel_llm_server.web.traces", "otel_llm_server.web.settings"),
    )
    app = make_app(sqlite_url)
    client = signed_in_client(app, sqlite_url, "ada@example.com", "viewer")
    html = client.get("/traces").get_data(as_text=True)
    nav = html[html.index('class="mainnav"') : html.index("</nav>")]
    assert "Overview" not in nav  # no overview blueprint, no link, no broken page
    assert ">Prompts<" in nav and ">Settings<" in nav
    page = client.get("/prompts").get_data(as_text=True)
    assert "Not installed in this console yet" in page and "Versioned prompt templates" in page
    assert client.get("/experiments").status_code == 200
    assert app.test_client().get("/replays").status_code == 302  # placeholders need sign-in too


def test_repeated_wrong_passwords_block_that_email_for_a_while(app, sqlite_url):
    from otel_llm.accounts import throttle

    make_user(sqlite_url, "ada@example.com", "viewer")
    client = app.test_client()
    for _ in range(throttle.MAX_FAILURES):
        assert login(client, "ada@example.com", "guess-guess").status_code == 401
    response = login(client, "ADA@example.com")  # even the right password, any spelling
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    later = datetime.now(UTC) + throttle.WINDOW + timedelta(seconds=1)
    assert throttle.reserve(get_engine(sqlite_url), "ada@example.com", "127.0.0.1", now=later) == 0
    elsewhere = app.test_client()
    token = csrf_token(elsewhere)
    response = elsewhere.post(
        "/sign-in",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302  # not locked out from another address
