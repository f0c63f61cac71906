"""A key (or a member) of project A can neither read nor change project B's data, through any route.

The routes are not listed here: the tests walk ``app.url_map``, so routes added later are covered
automatically. B's objects come from ``tests/isolation_seeds/seed_*.py``; each carries a marker in
its content, which must never appear in a response to A, and B's rows must be unchanged after A
has called every route with every method.
"""

from __future__ import annotations

import uuid

import pytest
from otel_llm_server.web.openapi import API_PREFIX
from sqlalchemy import select

from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import metadata
from tests.isolation_seeds import seed_all
from tests.web_helpers import api_key, bearer, csrf_token, ensure_project, make_app, signed_in_client

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SKIP_ENDPOINTS = {"static", "auth.sign_out_page"}  # signing out would end the walk's session


def _bravo_rows(engine, marker: str, bravo_id: int) -> set[str]:
    """Every row that belongs to B (its project_id, or B's marker in its content), as text."""
    found = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                text = f"{table.name}: {tuple(row)!r}"
                owner = row._mapping.get("project_id")
                if owner == bravo_id or marker in text or marker.lower() in text:
                    found.add(text)
    return found


def _fill(rule, values: dict[str, str]) -> str:
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, (
        f"{rule.rule} has path variables {missing} that no tests/isolation_seeds/seed_*.py provides; "
        "add a seed module for your area (see web/README.md §5)."
    )
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", values[name])
        for converter in ("int", "bigint", "string", "path", "uuid", "float"):
            path = path.replace(f"<{converter}:{name}>", values[name])
    return path


def _routes(app, api_only: bool):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        if api_only != rule.rule.startswith(API_PREFIX + "/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def two_projects(db_url):
    engine = get_engine(db_url)
    ensure_project(db_url, "alpha")
    ensure_project(db_url, "bravo")
    marker = f"BRAVO{uuid.uuid4().hex[:12]}"
    values = seed_all(engine, "bravo", marker)
    return engine, marker, values


def test_api_key_of_a_cannot_read_or_change_b_through_any_api_route(db_url, two_projects):
    engine, marker, values = two_projects
    app = make_app(db_url)
    client = app.test_client()
    headers = bearer(api_key(db_url, "alpha", "admin"))
    bravo_id = ensure_project(db_url, "bravo")
    before = _bravo_rows(engine, marker, bravo_id)
    leaks, accepted = [], []
    for rule, method in _routes(app, api_only=True):
        path = _fill(rule, values)
        body = dict(values) if method in WRITE_METHODS else None
        response = client.open(path, method=method, headers=headers, json=body)
        text = response.get_data(as_text=True)
        if marker in text or marker.lower() in text:
            leaks.append(f"{method} {rule.rule}")
        if rule.arguments and response.status_code < 300:
            accepted.append(f"{method} {rule.rule} → {response.status_code}")
    # After every write, nothing of B shows up in A's listings either.
    for rule, method in _routes(app, api_only=True):
        if method == "GET" and not rule.arguments:
            text = client.get(rule.rule, headers=headers).get_data(as_text=True)
            if marker in text or marker.lower() in text:
                leaks.append(f"GET {rule.rule} (after writes)")
    assert leaks == [], f"B's content leaked to A's key: {leaks}"
    assert accepted == [], f"A's key was accepted on B's objects: {accepted}"
    assert before - _bravo_rows(engine, marker, bravo_id) == set(), "B's rows were changed or deleted"


def test_member_of_a_cannot_read_or_change_b_through_any_page(db_url, two_projects):
    engine, marker, values = two_projects
    app = make_app(db_url)
    client = signed_in_client(app, db_url, "alice@alpha.example", "admin", project="alpha")
    token = csrf_token(client, "/traces")
    bravo_id = ensure_project(db_url, "bravo")
    before = _bravo_rows(engine, marker, bravo_id)
    leaks = []
    for api_only in (False, True):
        for rule, method in _routes(app, api_only=api_only):
            path = _fill(rule, values)
            if method == "GET":
                response = client.get(path)
            elif api_only:
                response = client.open(path, method=method, json=dict(values), headers={"X-CSRFToken": token})
            else:
                response = client.open(path, method=method, data={**values, "csrf_token": token})
            text = response.get_data(as_text=True)
            if marker in text or marker.lower() in text:
                leaks.append(f"{method} {rule.rule} ({response.status_code})")
            if rule.arguments and method == "GET":
                assert response.status_code == 404, f"GET {path} → {response.status_code}, expected 404"
    assert leaks == [], f"B's content shown to a member of A: {leaks}"
    assert before - _bravo_rows(engine, marker, bravo_id) == set(), "B's rows were changed or deleted"


def test_project_switch_refuses_a_project_the_user_is_not_in(db_url, two_projects):
    _, marker, values = two_projects
    app = make_app(db_url)
    client = signed_in_client(app, db_url, "alice@alpha.example", "admin", project="alpha")
    bravo_id = ensure_project(db_url, "bravo")
    token = csrf_token(client, "/traces")
    response = client.post("/switch-project", data={"project_id": bravo_id, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/api/v1/project").get_json()["project"]["name"] == "alpha"
    assert marker not in client.get("/traces").get_data(as_text=True)
