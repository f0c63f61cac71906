"""Helpers for console tests (Flask test client): an app on a migrated database, projects, users,
keys, sign-in, and spans stored through the real exporter (``tests/span_factory.py``)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from otel_llm_server.web import create_app

from otel_llm.accounts import create_key, create_project, get_project
from otel_llm.accounts import users as users_service
from otel_llm.storage.db import get_engine

PASSWORD = "correct horse battery"


def make_app(db_url: str, **config) -> Flask:
    """The real app (CSRF on) against ``db_url`` (a fresh database remembers no sign-in failures)."""
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TESTING": True, **config})


def ensure_project(db_url: str, name: str) -> int:
    engine = get_engine(db_url)
    project = get_project(engine, name) or create_project(engine, name)
    return project.id


def make_user(db_url: str, email: str, role: str, project: str = "alpha", password: str = PASSWORD):
    ensure_project(db_url, project)
    return users_service.create_user(get_engine(db_url), email, password, project, role)


def api_key(db_url: str, project: str, role: str) -> str:
    ensure_project(db_url, project)
    return create_key(get_engine(db_url), project, role, name=f"{role} test key")[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token rendered into a page (as the browser would read it)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def signed_in_client(app: Flask, db_url: str, email: str, role: str, project: str = "alpha") -> FlaskClient:
    make_user(db_url, email, role, project)
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
