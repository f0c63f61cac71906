"""Webhooks end to end on SQLite and Postgres: events queued in the change's transaction, delivered
signed to a real loopback HTTP server, retried with backoff, refused destinations; protected labels."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from otel_llm import settings
from otel_llm.prompts import catalog, labels, protection, versions
from otel_llm.prompts.errors import Conflict
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema_webhooks import webhook_deliveries
from otel_llm.storage.timeutil import now_utc
from otel_llm.webhooks import events, sender, service, verify_signature
from otel_llm.webhooks.errors import DestinationRefused
from otel_llm.webhooks.urls import check_destination, validate_url
from tests import webhook_receiver


@pytest.fixture
def allow_loopback(monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")


@pytest.fixture
def store(db_url, allow_loopback):
    engine = get_engine(db_url)
    return engine, catalog.project_id(engine, "alpha", create=True)


@pytest.fixture
def receiver():
    found, server = webhook_receiver.start()
    yield found
    server.shutdown()


def _rows(engine, project_id):
    with engine.connect() as connection:
        stmt = select(webhook_deliveries).where(webhook_deliveries.c.project_id == project_id)
        return connection.execute(stmt.order_by(webhook_deliveries.c.id)).all()


def test_deliveries_reach_a_loopback_receiver_signed(store, receiver):
    engine, pid = store
    webhook, secret = service.create_webhook(engine, pid, receiver.url, actor="ana")
    versions.create_version(engine, pid, "support", "Hello {{customer}}", author="ana")
    labels.publish(engine, pid, "support", 1, actor="ana")
    versions.create_version(engine, pid, "support", "Hi {{customer}}")
    versions.set_archived(engine, pid, "support", 2)
    assert [r.status for r in _rows(engine, pid)] == ["pending"] * 4  # queued, not sent by the change
    assert receiver.received == []

    report = sender.deliver_due(engine)

    assert (report.delivered, report.retrying, report.failed) == (4, 0, 0)
    got = [(r.headers["X-OtelLLM-Event"], json.loads(r.body)) for r in receiver.received]
    assert [event for event, _ in got] == [
        events.VERSION_CREATED,
        events.LABEL_MOVED,
        events.VERSION_CREATED,
        events.VERSION_ARCHIVED,
    ]
    moved = got[1][1]
    assert moved["project"] == {"id": pid, "name": "alpha"}
    assert {k: moved["data"][k] for k in ("prompt", "label", "from_version", "to_version", "actor")} == {
        "prompt": "support",
        "label": "production",
        "from_version": None,
        "to_version": 1,
        "actor": "ana",
    }
    for r in receiver.received:
        ts, sig = r.headers["X-OtelLLM-Timestamp"], r.headers["X-OtelLLM-Signature"]
        assert verify_signature(secret, r.body, ts, sig)
        assert not verify_signature(secret, r.body + b" ", ts, sig)  # tampered body
        assert not verify_signature("whsec_other", r.body, ts, sig)  # another webhook's secret
        assert not verify_signature(secret, r.body, ts, sig, now=int(ts) + 301)  # a replay, later
    rows = _rows(engine, pid)
    assert {(r.status, r.attempts, r.last_status_code) for r in rows} == {("delivered", 1, 200)}
    assert sender.deliver_due(engine).delivered == 0  # nothing is sent twice
    assert webhook.id == rows[0].webhook_id


def test_a_receiver_answering_500_gets_the_delivery_again_after_backoff(store):
    engine, pid = store
    failing, server = webhook_receiver.start([500])
    try:
        service.create_webhook(engine, pid, failing.url, [events.LABEL_MOVED])
        versions.create_version(engine, pid, "p", "one")
        labels.set_label(engine, pid, "p", 1, "staging")
        start = now_utc()
        assert sender.deliver_due(engine, now=start).retrying == 1
        (row,) = _rows(engine, pid)
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
        assert "HTTP 500" in row.last_error
        assert sender.deliver_due(engine, now=start + timedelta(seconds=5)).delivered == 0  # backing off
        assert sender.deliver_due(engine, now=start + timedelta(seconds=11)).delivered == 1
    finally:
        server.shutdown()
    (row,) = _rows(engine, pid)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("delivered", 2, 200, None)
    assert len(failing.received) == 2
    assert failing.received[0].body == failing.received[1].body  # the same event, signed again
    assert [sender.backoff(n) for n in (1, 2, 3, 20)] == [10.0, 20.0, 40.0, 3600.0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_receiver_is_recorded_and_never_holds_up_the_move(store):
    engine, pid = store
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.setblocking(False)
    try:
        service.create_webhook(engine, pid, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        service.create_webhook(engine, pid, f"http://127.0.0.1:{_closed_port()}/hook")
        versions.create_version(engine, pid, "p", "one")
        labels.publish(engine, pid, "p", 1)
        with pytest.raises(BlockingIOError):
            silent.accept()  # the move returned without connecting to any receiver
    finally:
        silent.close()
    start = now_utc()
    report = sender.deliver_due(engine, now=start, timeout=0.5)
    assert report.retrying == 4
    rows = _rows(engine, pid)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert all(r.last_error for r in rows) and any("ConnectError" in r.last_error for r in rows)
    assert all(r.next_attempt_at is not None for r in rows)
    later = start
    for _ in range(sender.MAX_ATTEMPTS):
        later += timedelta(seconds=sender.BACKOFF_CAP_SECONDS + 1)
        sender.deliver_due(engine, now=later, timeout=0.2)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in _rows(engine, pid)} == {
        ("failed", sender.MAX_ATTEMPTS, None)
    }


def test_refused_changes_queue_nothing_and_protected_labels_need_the_role(store):
    engine, pid = store
    service.create_webhook(engine, pid, "https://hooks.example.com/x")
    versions.create_version(engine, pid, "p", "one")
    versions.create_version(engine, pid, "p", "two")
    versions.set_archived(engine, pid, "p", 1)
    queued = len(_rows(engine, pid))
    with pytest.raises(Conflict):
        labels.publish(engine, pid, "p", 1)  # archived: refused, rolled back with its event
    with pytest.raises(protection.ProtectedLabel, match="only admins move it, and you are editor"):
        labels.publish(engine, pid, "p", 2, role="editor")
    assert len(_rows(engine, pid)) == queued
    labels.set_label(engine, pid, "p", 2, "staging", role="editor")  # not protected
    protection.set_policy(engine, pid, ["production", "staging"], "admin", actor="ana")
    with pytest.raises(protection.ProtectedLabel):
        labels.remove_label(engine, pid, "p", "staging", role="editor")
    with pytest.raises(protection.ProtectedLabel):
        labels.rollback(engine, pid, "p", role="editor", to=2)
    labels.publish(engine, pid, "p", 2, role="admin")
    protection.set_policy(engine, pid, ["production"], "editor")
    assert labels.remove_label(engine, pid, "p", "staging", role="editor").to_version is None
    assert protection.get_policy(engine, pid).to_dict()["mover_role"] == "editor"
    with pytest.raises(protection.InvalidInput, match="viewers never move labels"):
        protection.set_policy(engine, pid, ["production"], "viewer")


def test_a_label_move_notifies_the_prompts_that_include_it(store):
    engine, pid = store
    service.create_webhook(engine, pid, "https://hooks.example.com/x", [events.LABEL_MOVED])
    versions.create_version(engine, pid, "footer", "Thanks!")
    labels.publish(engine, pid, "footer", 1)
    versions.create_version(engine, pid, "support", "Help the customer. {{> footer@production}}")
    versions.create_version(engine, pid, "unrelated", "No footer here.")
    versions.create_version(engine, pid, "footer", "Thanks, and have a good day!")
    before = len(_rows(engine, pid))
    labels.publish(engine, pid, "footer", 2)
    bodies = [json.loads(r.body)["data"] for r in _rows(engine, pid)[before:]]
    assert [(b["prompt"], b.get("via")) for b in bodies] == [("footer", None), ("support", "footer")]


def test_webhooks_list_without_secrets_and_removal_drops_deliveries(store):
    engine, pid = store
    webhook, secret = service.create_webhook(engine, pid, "https://hooks.example.com/x")
    other = catalog.project_id(engine, "bravo", create=True)
    assert secret.startswith("whsec_") and len(secret) > 40
    listed = service.list_webhooks(engine, pid)
    assert secret not in json.dumps([w.to_dict() for w in listed])
    assert listed[0].hint == secret[:10] + "…"
    versions.create_version(engine, pid, "p", "one")
    assert len(service.list_deliveries(engine, pid, webhook.id)) == 1
    with pytest.raises(service.WebhookNotFound):
        service.remove_webhook(engine, other, webhook.id)
    assert service.list_deliveries(engine, other) == []
    service.remove_webhook(engine, pid, webhook.id)
    assert service.list_webhooks(engine, pid) == [] and _rows(engine, pid) == []
    with pytest.raises(service.WebhookError, match="unknown event"):
        service.create_webhook(engine, pid, "https://hooks.example.com/x", ["prompt.deleted"])


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://example.com/hook", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://", "has no host"),
        ("https://ada:pw@example.com/hook", "no user name or password"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://0.0.0.0/hook", "link-local, multicast or reserved"),
        ("http://127.0.0.1:8080/hook", "OTEL_LLM_WEBHOOK_ALLOW_PRIVATE=true"),
        ("http://10.1.2.3/hook", "loopback or private"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback or private"),
    ],
)
def test_receiver_urls_outside_the_policy_are_refused(url, reason):
    with pytest.raises(DestinationRefused, match=reason.replace("(", r"\(")):
        validate_url(url)


def test_loopback_is_allowed_by_setting_and_names_are_checked_when_resolved(monkeypatch):
    with pytest.raises(DestinationRefused, match="loopback or private"):
        check_destination("http://localhost:9/hook")  # a name: resolved before each attempt
    assert validate_url(" http://localhost:9/hook ") == "http://localhost:9/hook"
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")
    assert validate_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    check_destination("http://localhost:9/hook")
    with pytest.raises(DestinationRefused, match="link-local"):
        validate_url("http://169.254.169.254/")  # never, whatever the setting


def test_a_refused_destination_is_recorded_not_posted(store, monkeypatch, receiver):
    engine, pid = store
    service.create_webhook(engine, pid, receiver.url.replace("127.0.0.1", "localhost"))
    versions.create_version(engine, pid, "p", "one")
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "false")  # changed since registration
    assert sender.deliver_due(engine).retrying == 1
    (row,) = _rows(engine, pid)
    assert "loopback or private" in row.last_error and receiver.received == []


def test_two_senders_post_each_delivery_once(store, receiver):
    engine, pid = store
    service.create_webhook(engine, pid, receiver.url)
    versions.create_version(engine, pid, "p", "one")
    (row,) = _rows(engine, pid)
    now = now_utc()
    assert sender._claim(engine, row.id, now) is True
    assert sender._claim(engine, row.id, now) is False  # leased by the first sender
    with engine.begin() as connection:  # the lease ran out (that sender died)
        connection.execute(update(webhook_deliveries).values(next_attempt_at=now))
    assert sender.deliver_due(engine).delivered == 1
    assert len(receiver.received) == 1


def test_the_log_keeps_finished_deliveries_thirty_days(store, receiver):
    engine, pid = store
    service.create_webhook(engine, pid, receiver.url, [events.VERSION_CREATED])
    service.create_webhook(engine, pid, f"http://127.0.0.1:{_closed_port()}/hook", [events.VERSION_CREATED])
    versions.create_version(engine, pid, "p", "one")
    sender.deliver_due(engine, timeout=0.5)
    assert sender.prune(engine, now=now_utc() + timedelta(days=29)) == 0
    assert sender.prune(engine, now=now_utc() + timedelta(days=31)) == 1  # the delivered one
    assert [r.status for r in _rows(engine, pid)] == ["pending"]  # still retrying: kept


def test_the_standard_library_snippet_of_the_docs_verifies_a_delivery(store, receiver):
    engine, pid = store
    _, secret = service.create_webhook(engine, pid, receiver.url)
    versions.create_version(engine, pid, "p", "one")
    sender.deliver_due(engine)
    (got,) = receiver.received
    docs = (Path(__file__).resolve().parents[1] / "docs" / "webhooks.md").read_text("utf-8")
    snippet = next(
        block for block in re.findall(r"```python\n(.*?)```", docs, re.S) if "def verify(" in block
    )
    namespace: dict = {}
    exec(snippet, namespace)
    ts, sig = got.headers["X-OtelLLM-Timestamp"], got.headers["X-OtelLLM-Signature"]
    assert namespace["verify"](secret, got.body, ts, sig)
    assert not namespace["verify"](secret, got.body.replace(b'"p"', b'"q"'), ts, sig)
