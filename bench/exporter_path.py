"""In-app exporter cost per span: what ``SQLSpanExporter.export`` costs the ``BatchSpanProcessor``
worker thread, for real SDK spans carrying ~3 KB of captured content each.

- ``normalise_only``: ``from_readable`` + ``to_row``, no database: the baseline,
- ``sqlite``: ``SQLSpanExporter.export`` into a migrated SQLite file (WAL),
- ``postgres``: the same into a scratch Postgres database (created and dropped here).

Batches of 512 (the SDK default), methods interleaved over rounds, medians and ratios printed.

usage: .venv/bin/python bench/exporter_path.py [--spans 4096] [--rounds 3]
       [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llm import attributes as attrs
from otel_llm.exporter import SQLSpanExporter
from otel_llm.pricing import PricingTable
from otel_llm.storage import db, migrate
from otel_llm.storage.normalize import from_readable, to_row

BATCH = 512
TEXT = "the customer asks about a refund for order 4417 and wants an answer today " * 14


def make_spans(n: int):
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("bench")
    for i in range(n):
        with tracer.start_as_current_span("chat gpt-4o-mini") as span:
            span.set_attributes(
                {
                    attrs.GEN_AI_OPERATION_NAME: "chat",
                    attrs.GEN_AI_PROVIDER_NAME: "openai",
                    attrs.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
                    attrs.GEN_AI_USAGE_INPUT_TOKENS: 400 + i % 300,
                    attrs.GEN_AI_USAGE_OUTPUT_TOKENS: 120,
                    attrs.GEN_AI_SYSTEM_INSTRUCTIONS: json.dumps([{"type": "text", "content": TEXT[:300]}]),
                    attrs.GEN_AI_INPUT_MESSAGES: json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": TEXT}]}]
                    ),
                    attrs.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": TEXT}]}]
                    ),
                }
            )
    return memory.get_finished_spans()


def per_span_us(export, spans) -> float:
    began = time.perf_counter()
    for i in range(0, len(spans), BATCH):
        export(spans[i : i + BATCH])
    return (time.perf_counter() - began) / len(spans) * 1e6


def normalise_only(pricing):
    def run(batch):
        for span in batch:
            to_row(from_readable(span), 1, pricing)

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    a = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="otel_llm_bench_"))
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(a.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    pg_url = a.dsn.rsplit("/", 1)[0] + "/" + name
    sqlite_url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        for url in (sqlite_url, pg_url):
            migrate.upgrade(url)
        pricing = PricingTable.load()
        exporters = {
            "sqlite": SQLSpanExporter(sqlite_url, spool_dir=str(workdir / "spool-s"), pricing=pricing),
            "postgres": SQLSpanExporter(pg_url, spool_dir=str(workdir / "spool-p"), pricing=pricing),
        }
        methods = {"normalise_only": normalise_only(pricing)} | {k: e.export for k, e in exporters.items()}
        results: dict[str, list[float]] = {m: [] for m in methods}
        for _ in range(a.rounds):
            for method, export in methods.items():
                results[method].append(per_span_us(export, make_spans(a.spans)))
        for exporter in exporters.values():
            exporter.shutdown()
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    base = statistics.median(results["normalise_only"])
    report = {
        m: {
            "us_per_span": round(statistics.median(v), 1),
            "vs_normalise_only": round(statistics.median(v) / base, 2),
        }
        for m, v in results.items()
    }
    print(json.dumps({"spans": a.spans, "batch": BATCH, "rounds": a.rounds, "results": report}, indent=2))


if __name__ == "__main__":
    main()
