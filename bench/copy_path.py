"""Storage write path on Postgres: span rows per second for

- ``executemany``: SQLAlchemy ``INSERT … ON CONFLICT DO NOTHING`` with a list of rows (the
  foundation's placeholder; SQLAlchemy batches it as multi-row VALUES),
- ``copy_path``: ``writer.insert_rows``, what the exporter and the collector use: binary COPY
  straight into ``spans`` in a savepoint (no batch here repeats a stored span),
- ``staging_path``: the fallback when a batch repeats a stored span: binary COPY into the staging
  table + INSERT … SELECT … ON CONFLICT DO NOTHING,
- ``raw_copy``: psycopg binary COPY straight into ``spans`` (no duplicate handling): the ceiling,

each in transactions of ``--batch`` rows (512 = the SDK BatchSpanProcessor's batch), on the real
``spans`` table (primary key + every index) in a scratch database created and dropped here.
Methods are interleaved over ``--rounds`` and the median is reported, with ratios to executemany.

usage: .venv/bin/python bench/copy_path.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--rows 20000] [--batch 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid

import psycopg
from sqlalchemy.dialects.postgresql import insert as pg_insert

from otel_llm import attributes as attrs
from otel_llm.storage import db, jsoncodec, migrate, pg_copy, writer
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.storage.schema import SPAN_COLUMNS, spans

WORDS = "the quick brown fox jumps over a lazy dog while support agents answer refund questions".split()


def make_rows(n: int, project_id: int, rng: random.Random) -> list[dict]:
    """Rows of GenAI chat spans with ~1 KB of captured content each, built by the real normaliser."""

    def words(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    start = time.time_ns()
    rows = []
    for i in range(n):
        a = {
            attrs.GEN_AI_OPERATION_NAME: "chat",
            attrs.GEN_AI_PROVIDER_NAME: "openai",
            attrs.GEN_AI_REQUEST_MODEL: rng.choice(["gpt-4o-mini", "gpt-4.1", "claude-haiku-4-5"]),
            attrs.GEN_AI_SYSTEM_INSTRUCTIONS: json.dumps([{"type": "text", "content": words(30)}]),
            attrs.GEN_AI_INPUT_MESSAGES: json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": words(60)}]}]
            ),
            attrs.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": words(80)}]}]
            ),
            attrs.GEN_AI_USAGE_INPUT_TOKENS: rng.randint(50, 900),
            attrs.GEN_AI_USAGE_OUTPUT_TOKENS: rng.randint(20, 400),
            attrs.GEN_AI_PROMPT_NAME: "support",
            attrs.GEN_AI_PROMPT_VERSION: str(rng.randint(1, 3)),
            attrs.EXPERIMENT: "model-ab",
            attrs.EXPERIMENT_VARIANT: rng.choice("ab"),
        }
        begin = start + i * 1_000_000
        record = SpanRecord(
            trace_id=rng.randbytes(16).hex(),
            span_id=rng.randbytes(8).hex(),
            name="chat",
            start_ns=begin,
            end_ns=begin + 900_000_000,
            attributes=a,
            resource={"service.name": "bench"},
        )
        rows.append(to_row(record, project_id))
    return rows


def run_executemany(engine, batch):
    with engine.begin() as connection:
        connection.execute(pg_insert(spans).on_conflict_do_nothing(), batch)


def run_copy_path(engine, batch):
    with engine.begin() as connection:
        writer.insert_rows(connection, batch)


def run_staging_path(engine, batch):
    """The path a batch takes when it repeats a stored span (forced here for every batch)."""
    with engine.begin() as connection:
        with connection.connection.driver_connection.cursor() as cursor:
            pg_copy.set_json_dumps(jsoncodec.dumps_bytes, cursor)
            pg_copy._copy_skipping_stored(cursor, batch)


def run_raw_copy(engine, batch):
    with engine.begin() as connection:
        with connection.connection.driver_connection.cursor() as cursor:
            pg_copy.set_json_dumps(jsoncodec.dumps_bytes, cursor)
            with cursor.copy(f"COPY spans ({', '.join(SPAN_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(pg_copy.copy_types())
                for row in batch:
                    copy.write_row([row[c] for c in SPAN_COLUMNS])


METHODS = {
    "executemany": run_executemany,
    "copy_path": run_copy_path,
    "staging_path": run_staging_path,
    "raw_copy": run_raw_copy,
}


def timed(method, engine, rows, batch_size) -> float:
    began = time.perf_counter()
    for i in range(0, len(rows), batch_size):
        method(engine, rows[i : i + batch_size])
    return len(rows) / (time.perf_counter() - began)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(a.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = a.dsn.rsplit("/", 1)[0] + "/" + name
    try:
        migrate.upgrade(url)
        engine = db.get_engine(url)
        with engine.begin() as connection:
            project_id = writer.ensure_project(connection, "bench")
        rng = random.Random(7)
        results: dict[str, list[float]] = {m: [] for m in METHODS}
        for _ in range(a.rounds):
            for method_name, method in METHODS.items():
                rows = make_rows(a.rows, project_id, rng)
                results[method_name].append(timed(method, engine, rows, a.batch))
        dup = make_rows(a.batch, project_id, rng)
        run_copy_path(engine, dup)
        dup_rate = timed(run_copy_path, engine, dup * 4, a.batch)  # every row already stored: fallback
        engine.dispose()
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base = statistics.median(results["executemany"])
    report = {
        m: {
            "rows_per_s": round(statistics.median(v)),
            "vs_executemany": round(statistics.median(v) / base, 2),
        }
        for m, v in results.items()
    }
    report["copy_path_all_duplicates"] = {"rows_per_s": round(dup_rate)}
    print(json.dumps({"rows": a.rows, "batch": a.batch, "rounds": a.rounds, "results": report}, indent=2))


if __name__ == "__main__":
    main()
