"""OTLP/gRPC: the real gRPC exporter (the protocol of the OpenTelemetry Collector's ``otlp`` and
``loadbalancing`` exporters) sends spans; they are stored like OTLP/HTTP ones."""

from __future__ import annotations

import pytest

from otel_llm.accounts import create_key, create_project
from otel_llm.storage.db import get_engine
from tests.test_collector_support import export_spans, genai_span, rows, running_collector

pytestmark = pytest.mark.postgres


def test_real_grpc_exporter_spans_are_stored_in_the_keys_project(pg_url, tmp_path):
    engine = get_engine(pg_url)
    project = create_project(engine, "grpc-shop")
    _, editor = create_key(engine, "grpc-shop", "editor")
    _, viewer = create_key(engine, "grpc-shop", "viewer")
    with running_collector(pg_url, tmp_path, "--no-spool", "--grpc-port", "0") as collector:
        target = {"endpoint": collector.grpc_target, "protocol": "grpc"}
        sent = export_spans(
            [genai_span(i) for i in range(4)],
            [
                {**target, "token": editor, "batches": [[0, 1], [2]], "compression": "gzip"},
                {**target, "batches": [[3]]},
            ],
        )
        # A separate process: the SDK logs each distinct export error once per process.
        denied = export_spans([genai_span(9)], [{**target, "token": viewer, "batches": [[0]]}])
    assert sent.results == [["SUCCESS", "SUCCESS"], ["FAILURE"]] and "UNAUTHENTICATED" in sent.stderr
    assert denied.results == [["FAILURE"]] and "PERMISSION_DENIED" in denied.stderr
    stored = rows(
        pg_url, "SELECT span_id, project_id, provider, request_model, input_tokens, cost_usd FROM spans"
    )
    assert sorted(r[0] for r in stored) == sorted(s["span_id"] for s in sent.spans[:3])
    assert all(r[1:4] == (project.id, "openai", "gpt-4o-mini") and r[5] > 0 for r in stored)
    assert sorted(r[4] for r in stored) == [1000, 1001, 1002]
