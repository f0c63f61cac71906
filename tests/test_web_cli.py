"""``otel-llm users`` and ``otel-llm web`` through click's runner."""

from __future__ import annotations

import json

from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm.accounts import users as users_service
from otel_llm.storage.db import get_engine
from tests.web_helpers import ensure_project


def _run(url, *args, input=None):
    return CliRunner().invoke(main, ["--database-url", url, *args], input=input)


def test_users_create_asks_twice_and_the_user_can_sign_in(sqlite_url):
    ensure_project(sqlite_url, "default")
    result = _run(
        sqlite_url,
        "users",
        "create",
        "Ada@Example.com",
        "--project",
        "default",
        "--role",
        "admin",
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ada@example.com: admin in default" in result.output
    assert "s3cret-pass" not in result.output  # hidden input
    assert (
        users_service.verify_credentials(get_engine(sqlite_url), "ada@example.com", "s3cret-pass") is not None
    )


def test_users_create_mismatch_short_password_and_missing_project(sqlite_url):
    ensure_project(sqlite_url, "default")
    result = _run(
        sqlite_url,
        "users",
        "create",
        "a@example.com",
        "-p",
        "default",
        input="one-password\ntwo-password\none-password\none-password\n",
    )
    assert "do not match" in result.output and result.exit_code == 0
    result = _run(
        sqlite_url, "users", "create", "b@example.com", "-p", "default", "--password-stdin", input="short\n"
    )
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = _run(
        sqlite_url,
        "users",
        "create",
        "c@example.com",
        "-p",
        "nope",
        "--password-stdin",
        input="long-enough\n",
    )
    assert result.exit_code == 1 and "otel-llm projects create nope" in result.output


def test_users_create_checks_email_project_and_account_before_asking_for_a_password(db_url):
    ensure_project(db_url, "default")
    assert (
        _run(
            db_url, "users", "create", "ada@example.com", "-p", "default", input="pass-word-1\n" * 2
        ).exit_code
        == 0
    )
    for args, said in (
        (("not-an-email", "-p", "default"), "'not-an-email' is not an email address"),
        (("bo@example.com", "-p", "nope"), "otel-llm projects create nope"),
        (("Ada@example.com", "-p", "default"), "ada@example.com already exists; give them access with"),
    ):
        result = _run(db_url, "users", "create", *args)  # no input: a prompt would abort
        assert result.exit_code == 1, result.output
        assert "Password" not in result.output and said in result.output


def test_users_list_set_role_and_remove(sqlite_url):
    ensure_project(sqlite_url, "default")
    ensure_project(sqlite_url, "other")
    assert (
        _run(
            sqlite_url,
            "users",
            "create",
            "ada@example.com",
            "-p",
            "default",
            "--password-stdin",
            input="long-enough\n",
        ).exit_code
        == 0
    )
    result = _run(sqlite_url, "users", "set-role", "ada@example.com", "-p", "other", "--role", "editor")
    assert result.exit_code == 0 and "is now editor in other" in result.output
    rows = json.loads(_run(sqlite_url, "users", "list", "--json").output)
    assert rows == [
        {"email": "ada@example.com", "project": "default", "role": "viewer"},
        {"email": "ada@example.com", "project": "other", "role": "editor"},
    ]
    assert _run(sqlite_url, "users", "remove", "ada@example.com", "-p", "other").exit_code == 0
    assert "other" not in _run(sqlite_url, "users", "list").output
    result = _run(sqlite_url, "users", "remove", "ada@example.com", "-p", "other")
    assert result.exit_code == 1 and "not a member" in result.output
    assert _run(sqlite_url, "users", "remove", "ada@example.com", "--yes").exit_code == 0
    assert "No users yet" in _run(sqlite_url, "users", "list").output


def test_users_create_refuses_a_taken_email(sqlite_url):
    ensure_project(sqlite_url, "default")
    args = ("users", "create", "ada@example.com", "-p", "default", "--password-stdin")
    assert _run(sqlite_url, *args, input="long-enough\n").exit_code == 0
    result = _run(sqlite_url, *args, input="long-enough\n")
    assert result.exit_code == 1 and "already exists" in result.output and "set-role" in result.output


def test_web_refuses_an_unmigrated_database_and_every_command_has_an_example(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = _run(url, "web", "--port", "5999")
    assert result.exit_code == 1 and "otel-llm db upgrade" in result.output
    for args in (
        ["web"],
        ["users", "create"],
        ["users", "list"],
        ["users", "set-role"],
        ["users", "remove"],
        ["users", "set-password"],
    ):
        help_text = CliRunner().invoke(main, [*args, "--help"]).output
        assert "Example:" in help_text, args


def test_ensure_user_creates_then_resets_the_demo_admin(sqlite_url):
    ensure_project(sqlite_url, "default")
    engine = get_engine(sqlite_url)
    users_service.ensure_user(engine, "demo@example.com", "first-password", "default", "viewer")
    member = users_service.ensure_user(engine, "demo@example.com", "second-password", "default", "admin")
    assert member.role == "admin"
    assert users_service.verify_credentials(engine, "demo@example.com", "first-password") is None
    assert users_service.verify_credentials(engine, "demo@example.com", "second-password") is not None


def test_otel_llm_web_serves_the_console(sqlite_url, tmp_path):
    """The real command, in its own process, with the WSGI server it picks."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = "import sys; from otel_llm_server.cli.main import main; sys.exit(main())"
    process = subprocess.Popen(
        [sys.executable, "-c", entry, "--database-url", sqlite_url, "web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**__import__("os").environ, "OTEL_LLM_SECRET_KEY": "cli-test-secret"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "otel-llm web did not start within 60 s"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/traces").status_code == 302
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_generated_session_secret_is_kept_in_the_instance_folder(sqlite_url, tmp_path, monkeypatch):
    from otel_llm_server.web import create_app

    monkeypatch.delenv("OTEL_LLM_SECRET_KEY", raising=False)
    config = {"DATABASE_URL": sqlite_url, "INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(config).config["SECRET_KEY"]
    assert len(first) >= 32 and create_app(config).config["SECRET_KEY"] == first
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("OTEL_LLM_SECRET_KEY", "from-the-environment")
    assert create_app(config).config["SECRET_KEY"] == "from-the-environment"


def test_secure_cookie_and_trusted_proxy_settings(monkeypatch, sqlite_url, tmp_path):
    """Behind HTTPS the session cookie is Secure; a trusted proxy's X-Forwarded-For is the client."""
    from otel_llm_server.web import create_app

    monkeypatch.setenv("OTEL_LLM_SECURE_COOKIES", "true")
    monkeypatch.setenv("OTEL_LLM_TRUSTED_PROXIES", "1")
    app = create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    seen = {}

    @app.before_request
    def _remember():
        from flask import request

        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme

    app.test_client().get(
        "/healthz", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}
