"""Helpers for the collector tests: a real collector process and a real OTLP exporter process.

No tests here. ``running_collector`` starts ``python -m otel_llm_server.collector`` (the ``otel-llm collector``
command) on a free port; ``export_spans`` runs a separate Python process that makes GenAI spans
with the OpenTelemetry SDK and sends them with the real ``OTLPSpanExporter``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parent.parent

EXPORT_SCRIPT = r"""
import json, logging, sys, threading
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

spec = json.loads(sys.argv[1])
memory = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": spec["service"]}))
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("test-app")
for s in spec["spans"]:
    with tracer.start_as_current_span("handle request"):
        with tracer.start_as_current_span(s["name"], kind=SpanKind.CLIENT, attributes=s["attributes"]):
            pass
spans = [s for s in memory.get_finished_spans() if s.name != "handle request"]
results = [None] * len(spec["targets"])

def make_exporter(target):
    token = target.get("token")
    if target.get("protocol") == "grpc":
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
        return GrpcExporter(
            endpoint=target["endpoint"],
            insecure=True,
            headers=(("authorization", "Bearer " + token),) if token else None,
            compression=grpc.Compression.Gzip if target.get("compression") == "gzip" else None,
            timeout=target.get("timeout", 10),
        )
    return OTLPSpanExporter(
        endpoint=target["endpoint"],
        headers={"Authorization": "Bearer " + token} if token else None,
        compression=Compression(target.get("compression", "none")),
        timeout=target.get("timeout", 10),
    )

def send(i, target):
    exporter = make_exporter(target)
    outcomes = [exporter.export([spans[j] for j in batch]).name for batch in target["batches"]]
    results[i] = outcomes

threads = [threading.Thread(target=send, args=(i, t)) for i, t in enumerate(spec["targets"])]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({
    "results": results,
    "spans": [{"trace_id": format(s.context.trace_id, "032x"), "span_id": format(s.context.span_id, "016x"),
               "parent_span_id": format(s.parent.span_id, "016x"), "name": s.name} for s in spans],
}))
"""


def genai_span(i: int, provider: str = "openai", model: str = "gpt-4o-mini") -> dict:
    """A chat span as an instrumented app would report it (captured content included)."""
    return {
        "name": f"chat {model} #{i}",
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.response.model": model,
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.max_tokens": 256,
            "gen_ai.usage.input_tokens": 1000 + i,
            "gen_ai.usage.output_tokens": 200,
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "You are terse."}]),
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": f"q{i}"}]}]
            ),
        },
    }


@dataclass
class Exported:
    results: list[list[str]]
    spans: list[dict]
    stderr: str


def export_spans(
    spans: list[dict], targets: list[dict], service: str = "checkout", timeout: float = 90
) -> Exported:
    """Run the real OTLP/HTTP exporter in its own process; each target gets its batches in order."""
    spec = {"service": service, "spans": spans, "targets": targets}
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_SCRIPT, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return Exported(out["results"], out["spans"], done.stderr)


@dataclass
class Collector:
    process: subprocess.Popen
    base_url: str
    log: Path
    grpc_target: str | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/v1/traces"

    def health(self) -> dict:
        return httpx.get(f"{self.base_url}/healthz", timeout=5).json()

    def wait_for(self, predicate, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            health = self.health()
            if predicate(health) or time.monotonic() > deadline:
                return health
            time.sleep(0.05)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@contextmanager
def running_collector(database_url: str, tmp_path: Path, *args: str) -> Iterator[Collector]:
    """``python -m otel_llm_server.collector`` on a free port until the block ends (then stopped with SIGTERM)."""
    log = tmp_path / f"collector-{time.monotonic_ns()}.log"
    command = [
        sys.executable,
        "-m",
        "otel_llm_server.collector",
        "--port",
        "0",
        "--database-url",
        database_url,
        *args,
    ]
    with open(log, "w") as stderr:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True)
    collector = Collector(process, _wait_listening(process, log), log)
    if "--grpc-port" in args:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "OTLP/gRPC on " in line, line + log.read_text()
        collector.grpc_target = line.split("OTLP/gRPC on ", 1)[1].strip()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                collector.health()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        yield collector
    finally:
        collector.stop()


def _wait_listening(process: subprocess.Popen, log: Path) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on " not in line:
        process.kill()
        raise AssertionError(f"collector did not start: {line!r}\n{log.read_text()}")
    url = line.split("listening on ", 1)[1].split()[0]
    return url.removesuffix("/v1/traces")


def rows(database_url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()


def span_count(database_url: str) -> int:
    return rows(database_url, "SELECT count(*) FROM spans")[0][0]


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}
