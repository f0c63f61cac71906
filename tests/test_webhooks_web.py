"""Protected labels and webhooks through the console and the JSON API, on SQLite and Postgres."""

from __future__ import annotations

import re
from html import unescape

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import update

from otel_llm import settings
from otel_llm.prompts import catalog, labels, versions
from otel_llm.prompts.names import PromptRef
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema_webhooks import webhook_deliveries
from otel_llm.webhooks import sender, service
from tests import webhook_receiver
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

API = "/api/v1"


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")
    return make_app(db_url)


@pytest.fixture
def prompt(db_url):
    """Prompt ``support`` of project alpha with two versions, v1 published."""
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "alpha", create=True)
    versions.create_version(engine, pid, "support", "one")
    versions.create_version(engine, pid, "support", "two")
    labels.publish(engine, pid, "support", 1)
    return engine, pid


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_an_editor_key_gets_403_on_production_until_the_project_lets_editors(app, db_url, prompt):
    client = app.test_client()
    editor = bearer(api_key(db_url, "alpha", "editor"))
    admin = bearer(api_key(db_url, "alpha", "admin"))
    refusals = [
        client.post(f"{API}/prompts/support/versions/2/publish", headers=editor),
        client.put(f"{API}/prompts/support/labels/production", json={"version": 2}, headers=editor),
        client.post(f"{API}/prompts/support/rollback", json={"to": 2}, headers=editor),
        client.put(f"{API}/protected-labels", json={"protected_labels": []}, headers=editor),
    ]
    for response in refusals:
        assert response.status_code == 403, response.json
        assert set(response.json) == {"error"} and response.json["error"]["code"] == "forbidden"
    assert "'production' label of 'support' is protected" in refusals[0].json["error"]["message"]
    assert (
        client.put(f"{API}/prompts/support/labels/staging", json={"version": 2}, headers=editor).status_code
        == 200
    )
    assert (
        client.post(f"{API}/prompts/support/versions/2/publish", headers=admin).json["move"]["to_version"]
        == 2
    )

    policy = {"protected_labels": ["production", "staging"], "mover_role": "editor"}
    assert client.put(f"{API}/protected-labels", json=policy, headers=admin).status_code == 200
    shown = client.get(f"{API}/protected-labels", headers=editor).json
    assert (shown["protected_labels"], shown["mover_role"], shown["default"]) == (
        ["production", "staging"],
        "editor",
        False,
    )
    assert client.post(f"{API}/prompts/support/rollback", json={"to": 1}, headers=editor).status_code == 200
    bad = client.put(f"{API}/protected-labels", json={"protected_labels": ["Bad Label"]}, headers=admin)
    assert bad.status_code == 422 and "invalid label" in bad.json["error"]["message"]


def test_an_editor_in_the_console_is_refused_with_a_flash(app, db_url, prompt):
    engine, pid = prompt
    client = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    token = csrf_token(client, "/prompts/support")
    refused = client.post(
        "/prompts/support/versions/2/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert "'production' label of 'support' is protected: only admins move it, and you are editor" in _text(
        refused
    )
    assert versions.resolve(engine, pid, PromptRef("support")).version == 1
    page = client.get("/settings/labels")
    assert page.status_code == 200 and "Protected: production" in _text(page)
    assert 'name="protected_labels"' not in page.get_data(as_text=True)  # the form is for admins
    forbidden = client.post("/settings/labels", data={"protected_labels": "", "csrf_token": token})
    assert forbidden.status_code == 403


def test_an_admin_sets_protected_labels_in_the_console(app, db_url, prompt):
    client = signed_in_client(app, db_url, "ad@alpha.example", "admin")
    token = csrf_token(client, "/settings/labels")
    saved = client.post(
        "/settings/labels",
        data={"protected_labels": "production, release", "mover_role": "editor", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Protected: production, release; moved by editors and above." in _text(saved)


def test_webhooks_api_shows_the_secret_once_and_logs_deliveries(app, db_url, prompt):
    client = app.test_client()
    admin = bearer(api_key(db_url, "alpha", "admin"))
    receiver, server = webhook_receiver.start()
    try:
        made = client.post(
            f"{API}/webhooks", json={"url": receiver.url, "events": ["prompt.label_moved"]}, headers=admin
        )
        assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
        secret, webhook_id = made.json["secret"], made.json["webhook"]["id"]
        assert client.post(f"{API}/prompts/support/versions/2/publish", headers=admin).status_code == 200
        sender.deliver_due(get_engine(db_url))
    finally:
        server.shutdown()
    listed = client.get(f"{API}/webhooks", headers=admin)
    assert secret not in listed.get_data(as_text=True)
    assert listed.json["items"][0]["events"] == ["prompt.label_moved"]
    log = client.get(f"{API}/webhooks/{webhook_id}/deliveries", headers=admin).json["items"]
    assert [(d["event"], d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("prompt.label_moved", "delivered", 1, 200)
    ]
    assert secret not in client.get(f"{API}/webhooks/{webhook_id}/deliveries", headers=admin).get_data(
        as_text=True
    )
    editor = bearer(api_key(db_url, "alpha", "editor"))
    assert client.get(f"{API}/webhooks", headers=editor).status_code == 403
    refused = client.post(f"{API}/webhooks", json={"url": "ftp://example.com/x"}, headers=admin)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid"
    assert client.delete(f"{API}/webhooks/{webhook_id}", headers=admin).status_code == 200
    gone = client.delete(f"{API}/webhooks/{webhook_id}", headers=admin)
    assert gone.status_code == 404 and gone.json["error"]["code"] == "not_found"


def test_webhooks_page_adds_shows_secret_once_and_escapes_the_log(app, db_url, prompt):
    engine, pid = prompt
    client = signed_in_client(app, db_url, "ad@alpha.example", "admin")
    token = csrf_token(client, "/settings/webhooks")
    added = client.post(
        "/settings/webhooks",
        data={
            "url": "https://hooks.example.com/x",
            "events": ["prompt.version_created"],
            "csrf_token": token,
        },
    )
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    secret = re.search(r"whsec_[A-Za-z0-9_\-]+", added.get_data(as_text=True)).group()
    versions.create_version(engine, pid, "support", "three")
    with engine.begin() as connection:  # an error text a hostile receiver could have caused
        connection.execute(update(webhook_deliveries).values(last_error="<script>alert(1)</script>"))
    page = client.get("/settings/webhooks").get_data(as_text=True)
    assert secret not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "prompt.version_created" in page
    refused = client.post(
        "/settings/webhooks", data={"url": "file:///etc/passwd", "csrf_token": token}, follow_redirects=True
    )
    assert "must start with http:// or https://" in _text(refused)
    webhook_id = re.search(r"/settings/webhooks/(\d+)/remove", page).group(1)
    removed = client.post(
        f"/settings/webhooks/{webhook_id}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert "is removed" in _text(removed)
    editor = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    assert editor.get("/settings/webhooks").status_code == 403


def test_cli_manages_webhooks_and_protected_labels(sqlite_url, monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")
    engine = get_engine(sqlite_url)
    pid = catalog.project_id(engine, "default", create=True)
    receiver, server = webhook_receiver.start([500])

    def run(*args):
        result = CliRunner().invoke(main, ["--database-url", sqlite_url, *args])
        return result.exit_code, result.output

    try:
        code, out = run("webhooks", "add", receiver.url, "--event", "prompt.version_created")
        assert code == 0 and "Signing secret (store it now" in out
        secret = re.search(r"whsec_\S+", out).group()
        code, out = run("webhooks", "list")
        assert receiver.url in out and secret not in out
        versions.create_version(engine, pid, "p", "one")
        assert run("webhooks", "deliver")[1].strip() == "0 delivered, 1 to retry, 0 failed for good."
        code, out = run("webhooks", "deliveries")
        assert "pending" in out and "HTTP 500" in out and "next " in out
    finally:
        server.shutdown()
    code, out = run("webhooks", "add", "gopher://example.com/")
    assert code == 1 and "Error: webhook URLs must start with http:// or https://" in out
    assert run("webhooks", "remove", "99")[1].startswith("Error: webhook 99 does not exist")
    assert (
        run("prompts", "protected-labels")[1].strip() == "Protected: production; moved by admins and above."
    )
    code, out = run("prompts", "protected-labels", "--set", "production,release", "--role", "editor")
    assert out.strip() == "Protected: production, release; moved by editors and above."
    versions.create_version(engine, pid, "p", "two")
    code, out = run("prompts", "publish", "p@v2")  # the CLI acts with the database's rights (admin)
    assert code == 0 and "production: nothing → v2" in out


def test_worker_once_delivers_the_webhooks(sqlite_url, monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")
    engine = get_engine(sqlite_url)
    pid = catalog.project_id(engine, "default", create=True)
    receiver, server = webhook_receiver.start()
    try:
        service.create_webhook(engine, pid, receiver.url)
        versions.create_version(engine, pid, "p", "one")
        result = CliRunner().invoke(main, ["--database-url", sqlite_url, "worker", "--once"])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert [r.headers["X-OtelLLM-Event"] for r in receiver.received] == ["prompt.version_created"]
