"""The real OTLP/HTTP exporter, in its own process, sends spans to a running collector; they are
stored normalised, in the project of the API key, over protobuf, gzip and JSON."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from google.rpc import status_pb2

from otel_llm.accounts import create_key, create_project, revoke_key
from otel_llm.hashing import text_hash
from otel_llm.pricing import PricingTable
from otel_llm.storage.db import get_engine
from tests.test_collector_support import export_spans, genai_span, rows, running_collector

pytestmark = pytest.mark.postgres

COLUMNS = (
    "project_id, trace_id, span_id, parent_span_id, name, kind, status_code, service_name, scope_name, "
    "is_llm, provider, operation, request_model, response_model, temperature, max_tokens, input_tokens, "
    "output_tokens, cost_usd, finish_reason, system_prompt_hash"
)


def _stored(url: str) -> dict[str, dict]:
    names = [c.strip() for c in COLUMNS.split(",")]
    return {r[2]: dict(zip(names, r, strict=True)) for r in rows(url, f"SELECT {COLUMNS} FROM spans")}


def test_real_exporter_spans_arrive_normalised_in_the_keys_project(pg_url, tmp_path):
    engine = get_engine(pg_url)
    create_project(engine, "alpha")
    beta = create_project(engine, "beta")
    _, token = create_key(engine, "beta", "editor")
    spans = [genai_span(0), genai_span(1, "anthropic", "claude-sonnet-4-5"), genai_span(2)]
    with running_collector(pg_url, tmp_path, "--no-spool") as collector:
        plain = {"endpoint": collector.endpoint, "token": token, "batches": [[0, 1]]}
        zipped = {"endpoint": collector.endpoint, "token": token, "batches": [[2]], "compression": "gzip"}
        sent = export_spans(spans, [plain, zipped])
    assert sent.results == [["SUCCESS"], ["SUCCESS"]], sent.stderr

    stored = _stored(pg_url)
    assert set(stored) == {s["span_id"] for s in sent.spans}
    pricing = PricingTable.load()
    for i, span in enumerate(sent.spans):
        row = stored[span["span_id"]]
        model = "claude-sonnet-4-5" if i == 1 else "gpt-4o-mini"
        assert row["project_id"] == beta.id
        assert (row["trace_id"], row["parent_span_id"]) == (span["trace_id"], span["parent_span_id"])
        assert (row["name"], row["kind"], row["service_name"], row["scope_name"]) == (
            span["name"],
            "CLIENT",
            "checkout",
            "test-app",
        )
        assert row["is_llm"] and row["operation"] == "chat"
        assert row["provider"] == ("anthropic" if i == 1 else "openai")
        assert (row["request_model"], row["response_model"]) == (model, model)
        assert (row["temperature"], row["max_tokens"]) == (0.2, 256)
        assert (row["input_tokens"], row["output_tokens"]) == (1000 + i, 200)
        assert row["cost_usd"] == pytest.approx(pricing.cost(model, 1000 + i, 200))
        assert row["finish_reason"] == "stop"
        assert row["system_prompt_hash"] == text_hash("You are terse.")


def test_api_keys_decide_who_may_write(pg_url, tmp_path):
    engine = get_engine(pg_url)
    create_project(engine, "shop")
    _, viewer = create_key(engine, "shop", "viewer")
    revoked, revoked_token = create_key(engine, "shop", "admin")
    revoke_key(engine, revoked.id)
    _, admin = create_key(engine, "shop", "admin")
    with running_collector(pg_url, tmp_path, "--no-spool") as collector:
        answers = {}
        for label, token in [
            ("none", None),
            ("bogus", "ollm_nope_nope"),
            ("viewer", viewer),
            ("revoked", revoked_token),
        ]:
            headers = {"Content-Type": "application/x-protobuf"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            answer = httpx.post(collector.endpoint, content=b"", headers=headers)
            answers[label] = (answer.status_code, status_pb2.Status.FromString(answer.content).message)
        sent = export_spans(
            [genai_span(0)], [{"endpoint": collector.endpoint, "token": admin, "batches": [[0]]}]
        )
        refused = export_spans(
            [genai_span(1)], [{"endpoint": collector.endpoint, "token": viewer, "batches": [[0]]}]
        )
    assert answers["none"][0] == 401 and "Authorization: Bearer" in answers["none"][1]
    assert answers["bogus"][0] == 401 and answers["revoked"][0] == 401
    assert answers["viewer"][0] == 403 and "editor or admin" in answers["viewer"][1]
    assert sent.results == [["SUCCESS"]] and refused.results == [["FAILURE"]]
    assert [r[0] for r in rows(pg_url, "SELECT span_id FROM spans")] == [sent.spans[0]["span_id"]]


def _json_request(trace_id: str, span_ids: list[str]) -> dict:
    """OTLP/JSON as the specification writes it: hex ids, int64 as strings, lowerCamelCase, enum ints."""
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-app"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "hand-written"},
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": span_id,
                                "name": "chat gpt-4o-mini",
                                "kind": 3,
                                "startTimeUnixNano": "1767225600000000000",
                                "endTimeUnixNano": "1767225601500000000",
                                "attributes": [
                                    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                    {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                                    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}},
                                    {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 7}},
                                    {
                                        "key": "unknownFieldsAreIgnored",
                                        "value": {"stringValue": "x"},
                                        "extra": 1,
                                    },
                                ],
                                "status": {"code": 2, "message": "boom"},
                                "someFutureField": True,
                            }
                            for span_id in span_ids
                        ],
                    }
                ],
            }
        ]
    }


def test_otlp_json_with_hex_ids_and_gzip(pg_url, tmp_path):
    trace_id = "5b8efff798038103d269b633813fc60c"
    with running_collector(pg_url, tmp_path, "--no-auth", "--project", "json", "--no-spool") as collector:
        body = json.dumps(
            _json_request(trace_id, ["eee19b7ec3c1b174", "0000000000000000", "eee19b7ec3c1b175"])
        )
        answer = httpx.post(collector.endpoint, content=body, headers={"Content-Type": "application/json"})
        zipped = gzip.compress(json.dumps(_json_request(trace_id, ["eee19b7ec3c1b176"])).encode())
        headers = {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}
        answer_gzip = httpx.post(collector.endpoint, content=zipped, headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    partial = answer.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 1 and "span_id" in partial["errorMessage"]
    assert answer_gzip.status_code == 200 and answer_gzip.json() == {}

    stored = rows(
        pg_url,
        "SELECT s.trace_id, s.span_id, s.kind, s.status_code, s.status_message, s.input_tokens, "
        "s.output_tokens, s.duration_ms, s.service_name, p.name FROM spans s JOIN projects p ON p.id = s.project_id "
        "ORDER BY s.span_id",
    )
    assert [r[1] for r in stored] == ["eee19b7ec3c1b174", "eee19b7ec3c1b175", "eee19b7ec3c1b176"]
    assert stored[0] == (
        trace_id,
        "eee19b7ec3c1b174",
        "CLIENT",
        "ERROR",
        "boom",
        42,
        7,
        1500.0,
        "json-app",
        "json",
    )


def test_sqlite_store_for_local_use(sqlite_url, tmp_path):
    """The default database is a SQLite file: the collector writes there the same way."""
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    with running_collector(sqlite_url, tmp_path, "--no-auth", "--no-spool") as collector:
        body = json.dumps(_json_request(trace_id, ["b7ad6b7169203331"]))
        answer = httpx.post(collector.endpoint, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    with get_engine(sqlite_url).connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT trace_id, span_id, provider, input_tokens FROM spans"
        ).all()
    assert [tuple(r) for r in stored] == [(trace_id, "b7ad6b7169203331", "openai", 42)]
