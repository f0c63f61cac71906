"""Every refusal of the OTLP/HTTP specification, as a client sees it: status, body, and nothing stored."""

from __future__ import annotations

import gzip
import threading

import httpx
import psycopg
import pytest
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from tests.test_collector_support import export_spans, genai_span, rows, running_collector, span_count

pytestmark = pytest.mark.postgres

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def _span(n: int, trace_id: bytes | None = None, padding: int = 0) -> Span:
    return Span(
        trace_id=trace_id if trace_id is not None else bytes([n + 1]) * 16,
        span_id=bytes([n + 1]) * 8,
        name=f"chat {n}",
        start_time_unix_nano=1_767_225_600_000_000_000,
        end_time_unix_nano=1_767_225_601_000_000_000,
        attributes=[
            KeyValue(key="gen_ai.operation.name", value=AnyValue(string_value="chat")),
            KeyValue(key="padding", value=AnyValue(string_value="x" * padding)),
        ],
    )


def _request(*spans: Span) -> bytes:
    return ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])]
    ).SerializeToString()


def _status(answer: httpx.Response) -> status_pb2.Status:
    assert answer.headers["content-type"].startswith("application/x-protobuf")
    return status_pb2.Status.FromString(answer.content)


def test_refusals_follow_the_specification(pg_url, tmp_path):
    limit = 64 * 1024
    args = ("--no-auth", "--no-spool", "--max-body-bytes", str(limit))
    with running_collector(pg_url, tmp_path, *args) as collector:
        post = collector.endpoint

        garbage = httpx.post(post, content=b"\xff\xff\xff\xff", headers=PROTOBUF)
        assert garbage.status_code == 400
        assert _status(garbage).code == code_pb2.INVALID_ARGUMENT

        bad_json = httpx.post(post, content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400 and bad_json.json()["code"] == code_pb2.INVALID_ARGUMENT

        bad_gzip = httpx.post(post, content=b"not gzip", headers={**PROTOBUF, "Content-Encoding": "gzip"})
        assert bad_gzip.status_code == 400 and "gzip" in _status(bad_gzip).message

        text = httpx.post(post, content=b"hello", headers={"Content-Type": "text/plain"})
        assert text.status_code == 415 and "application/x-protobuf" in text.json()["message"]

        brotli = httpx.post(post, content=_request(_span(0)), headers={**PROTOBUF, "Content-Encoding": "br"})
        assert brotli.status_code == 415

        big = _request(_span(0, padding=limit))
        too_big = httpx.post(post, content=big, headers=PROTOBUF)
        assert too_big.status_code == 413 and _status(too_big).code == code_pb2.RESOURCE_EXHAUSTED

        chunked = httpx.post(post, content=iter([big[:1000], big[1000:]]), headers=PROTOBUF)
        assert chunked.status_code == 413

        bomb = gzip.compress(_request(_span(0, padding=10 * 1024 * 1024)))
        assert len(bomb) < limit
        exploded = httpx.post(post, content=bomb, headers={**PROTOBUF, "Content-Encoding": "gzip"})
        assert exploded.status_code == 413 and "decompressed" in _status(exploded).message

        unstorable = _span(3)  # Postgres cannot store NUL characters in text
        unstorable.attributes.append(KeyValue(key="nul", value=AnyValue(string_value="a\x00b")))
        body = _request(_span(1), _span(2, trace_id=b"short"), unstorable)
        partial = httpx.post(post, content=body, headers=PROTOBUF)
        assert partial.status_code == 200
        response = ExportTraceServiceResponse.FromString(partial.content)
        assert response.partial_success.rejected_spans == 2
        assert "trace_id" in response.partial_success.error_message
        assert "the database refused 1 span(s)" in collector.log.read_text()  # the operator is told too

        health = httpx.get(f"{collector.base_url}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
    assert [r[0] for r in rows(pg_url, "SELECT span_id FROM spans")] == [(bytes([2]) * 8).hex()]


def test_overload_answers_503_and_the_real_exporter_retries_until_stored(pg_url, tmp_path):
    args = ("--no-auth", "--no-spool", "--max-queued-spans", "1")
    with running_collector(pg_url, tmp_path, *args) as collector:
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE")  # the database stalls
            first = threading.Thread(target=httpx.post, args=(collector.endpoint,), kwargs=_post(_span(0)))
            first.start()
            collector.wait_for(lambda h: h["writing_spans"] == 1)
            second = threading.Thread(target=httpx.post, args=(collector.endpoint,), kwargs=_post(_span(1)))
            second.start()
            collector.wait_for(lambda h: h["queued_spans"] == 1)

            sent: list = []
            target = {"endpoint": collector.endpoint, "batches": [[0]]}
            exporter = threading.Thread(target=lambda: sent.append(export_spans([genai_span(7)], [target])))
            exporter.start()
            health = collector.wait_for(lambda h: h["overloaded"] >= 1)
            assert health["overloaded"] >= 1 and health["committed_spans"] == 0
            blocker.rollback()  # the database is back
        for thread in (first, second, exporter):
            thread.join(timeout=60)
    assert sent[0].results == [["SUCCESS"]]
    assert "Service Unavailable" in sent[0].stderr and "retrying in" in sent[0].stderr
    assert span_count(pg_url) == 3


def _post(span: Span) -> dict:
    return {"content": _request(span), "headers": PROTOBUF, "timeout": 60}


def test_bodies_without_length_count_against_the_memory_budget_as_they_arrive(pg_url, tmp_path):
    args = ("--no-auth", "--no-spool", "--max-inflight-bytes", "100000")
    with running_collector(pg_url, tmp_path, *args) as collector:
        release = threading.Event()
        body = _request(_span(0, padding=60_000))

        def slow_chunks():  # chunked transfer: no Content-Length to reserve up front
            yield body[:50_000]
            release.wait(30)
            yield body[50_000:]

        first: list = []
        sender = threading.Thread(
            target=lambda: first.append(
                httpx.post(collector.endpoint, content=slow_chunks(), headers=PROTOBUF, timeout=60)
            )
        )
        sender.start()
        held = collector.wait_for(lambda h: h["inflight_bytes"] >= 50_000)
        second = httpx.post(collector.endpoint, content=iter([body]), headers=PROTOBUF)
        release.set()
        sender.join(timeout=60)
    assert held["inflight_bytes"] == 50_000 and held["inflight_requests"] == 1
    assert second.status_code == 503 and second.headers["Retry-After"] == "1"
    assert first[0].status_code == 200 and span_count(pg_url) == 1
