"""Console sessions end when they should: sign-out (everywhere), a password change, a role change,
removal from the project, and the idle and absolute lifetimes (settings)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm.accounts import users as users_service
from otel_llm.storage.db import get_engine
from tests.web_helpers import PASSWORD, csrf_token, login, make_app, make_user, signed_in_client


@pytest.fixture
def app(db_url):
    return make_app(db_url)


def _signed_out(client) -> bool:
    response = client.get("/traces")
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def _copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_sign_out_ends_every_session_of_that_user_even_a_copied_cookie(app, db_url):
    laptop = signed_in_client(app, db_url, "ada@example.com", "viewer")
    phone = app.test_client()
    assert login(phone, "ada@example.com").status_code == 302
    thief = _copy_of(app, laptop)
    assert thief.get("/traces").status_code == 200
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop, "/traces")})
    assert _signed_out(laptop) and _signed_out(phone) and _signed_out(thief)
    assert login(phone, "ada@example.com").status_code == 302  # signing in again works
    assert phone.get("/traces").status_code == 200


def test_users_set_password_ends_the_sessions(app, db_url):
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    thief = _copy_of(app, client)
    result = CliRunner().invoke(
        main,
        ["--database-url", db_url, "users", "set-password", "ada@example.com", "--password-stdin"],
        input="a-new-password\n",
    )
    assert result.exit_code == 0, result.output
    assert _signed_out(client) and _signed_out(thief)
    assert login(client, "ada@example.com", PASSWORD).status_code == 401
    assert login(client, "ada@example.com", "a-new-password").status_code == 302


def test_a_role_change_in_the_console_ends_that_users_sessions_only(app, db_url):
    admin = signed_in_client(app, db_url, "boss@example.com", "admin")
    bob = signed_in_client(app, db_url, "bob@example.com", "editor")
    member = users_service.require_user(get_engine(db_url), "bob@example.com")
    token = csrf_token(admin, "/settings/members")
    admin.post(f"/settings/members/{member.id}/role", data={"role": "viewer", "csrf_token": token})
    assert _signed_out(bob)
    assert admin.get("/traces").status_code == 200
    assert login(bob, "bob@example.com").status_code == 302
    assert bob.get("/api/v1/project").get_json()["role"] == "viewer"


def test_removal_from_the_project_ends_the_session(app, db_url):
    admin = signed_in_client(app, db_url, "boss@example.com", "admin")
    bob = signed_in_client(app, db_url, "bob@example.com", "editor")
    member = users_service.require_user(get_engine(db_url), "bob@example.com")
    token = csrf_token(admin, "/settings/members")
    admin.post(f"/settings/members/{member.id}/remove", data={"csrf_token": token})
    assert _signed_out(bob)


def test_a_session_idle_too_long_is_over_but_use_keeps_it_alive(db_url, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_SESSION_IDLE_MINUTES", "30")
    app = make_app(db_url)
    assert app.config["SESSION_IDLE_SECONDS"] == 30 * 60
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    with client.session_transaction() as session:  # the last request was 20 minutes ago
        session["seen_at"] -= 20 * 60
        session["signed_in_at"] -= 20 * 60
    assert client.get("/traces").status_code == 200  # ...and this one counts as use
    with client.session_transaction() as session:
        assert session["seen_at"] > session["signed_in_at"] + 19 * 60
        session["seen_at"] -= 31 * 60  # now unused for 31 minutes
    assert _signed_out(client)


def test_a_session_ends_at_its_absolute_lifetime_however_active(db_url, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_SESSION_MAX_HOURS", "2")
    app = make_app(db_url)
    assert app.permanent_session_lifetime.total_seconds() == 2 * 3600
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 2 * 3600 + 1  # signed in just over 2 hours ago, used just now
    assert _signed_out(client)


def test_a_bad_lifetime_setting_keeps_the_default(db_url, monkeypatch, caplog):
    monkeypatch.setenv("OTEL_LLM_SESSION_IDLE_MINUTES", "soon")
    app = make_app(db_url)
    assert app.config["SESSION_IDLE_SECONDS"] == 8 * 3600
    assert "OTEL_LLM_SESSION_IDLE_MINUTES='soon' is not an integer" in caplog.text


def test_a_session_of_a_deleted_and_recreated_account_does_not_carry_over(app, db_url):
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    users_service.remove_user(get_engine(db_url), "ada@example.com")
    make_user(db_url, "ada@example.com", "admin")
    assert _signed_out(client)
