"""EXPLAIN ANALYZE of the queries the console, prompts and experiments areas run over ``spans``,
on a seeded table, to choose indexes (``docs/storage.md``). Seeds ``--rows`` spans through the
real write path into a scratch database (created and dropped here), ANALYZEs, prints each plan.

usage: .venv/bin/python bench/explain_indexes.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--rows 200000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text

from otel_llm import attributes as attrs
from otel_llm.hashing import text_hash
from otel_llm.storage import db, migrate, writer
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.traces.query import SpanFilter, list_query

MODELS = ["gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-mini", "o3", "o4-mini"]
MODELS += ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5", "rare-model-x"]
WEIGHTS = [30, 10, 10, 8, 8, 5, 5, 10, 8, 5, 0.05]
SYSTEMS = [f"You are support agent #{i}." for i in range(50)]
START = datetime(2026, 10, 1, tzinfo=UTC)


def seed_record(rng: random.Random, i: int, n: int) -> SpanRecord:
    begin = int((START + timedelta(days=30) * i / n).timestamp() * 1e9)
    a: dict = {}
    if rng.random() < 0.7:  # 30% non-LLM spans (HTTP handlers, tools)
        a = {
            attrs.GEN_AI_OPERATION_NAME: "chat",
            attrs.GEN_AI_PROVIDER_NAME: "openai",
            attrs.GEN_AI_REQUEST_MODEL: rng.choices(MODELS, WEIGHTS)[0],
            attrs.GEN_AI_USAGE_INPUT_TOKENS: rng.randint(50, 900),
            attrs.GEN_AI_USAGE_OUTPUT_TOKENS: rng.randint(20, 400),
            attrs.GEN_AI_SYSTEM_INSTRUCTIONS: rng.choice(SYSTEMS),
            attrs.GEN_AI_INPUT_MESSAGES: "x" * 300,
        }
        if rng.random() < 0.6:
            a[attrs.GEN_AI_PROMPT_NAME] = f"prompt-{rng.randint(1, 5)}"
            a[attrs.GEN_AI_PROMPT_VERSION] = str(rng.randint(1, 4))
        if rng.random() < 0.2:
            a[attrs.EXPERIMENT] = f"exp-{rng.randint(1, 3)}"
            a[attrs.EXPERIMENT_VARIANT] = rng.choice(["control", "candidate"])
    return SpanRecord(
        trace_id=rng.randbytes(16).hex(),
        span_id=rng.randbytes(8).hex(),
        name="chat" if a else "GET /api",
        start_ns=begin,
        end_ns=begin + rng.randint(100, 3000) * 1_000_000,
        status_code="ERROR" if rng.random() < 0.05 else "UNSET",
        attributes=a,
    )


def seed(engine, rows: int) -> tuple[int, str]:
    rng = random.Random(11)
    with engine.begin() as connection:
        main = writer.ensure_project(connection, "main")
        other = writer.ensure_project(connection, "other")
    span_id = ""
    for start in range(0, rows, 2000):
        batch = []
        for i in range(start, min(start + 2000, rows)):
            record = seed_record(rng, i, rows)
            batch.append(to_row(record, main if i % 10 else other))
            if i % 10:
                span_id = span_id or record.span_id
        with engine.begin() as connection:
            writer.insert_rows(connection, batch)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE spans"))
    return main, span_id


def queries(project_id: int, span_id: str) -> dict[str, str]:
    window = "start_time >= '2026-10-20' AND start_time < '2026-10-27'"
    listing = {
        "traces list, newest first": SpanFilter(),
        "traces list, model filter (request or response)": SpanFilter(model="gpt-4.1"),
        "traces list, rare model": SpanFilter(model="rare-model-x"),
        "traces list, provider + status=error": SpanFilter(provider="openai", status="error"),
    }
    out = {name: _sql(list_query(project_id, flt, "time", True, None, 51)) for name, flt in listing.items()}
    out["traces list, page 50 (keyset cursor)"] = _sql(_cursor_query(project_id))
    out["prompt version metrics (name, version) in a week"] = (
        "SELECT prompt_version, count(*), avg(duration_ms), sum(cost_usd), "
        "avg(CASE WHEN status_code = 'ERROR' THEN 1.0 ELSE 0 END) FROM spans "
        f"WHERE project_id = {project_id} AND prompt_name = 'prompt-3' AND {window} GROUP BY prompt_version"
    )
    out["metrics by system_prompt_hash in a week"] = (
        "SELECT count(*), avg(duration_ms), sum(cost_usd) FROM spans "
        f"WHERE project_id = {project_id} AND system_prompt_hash = '{text_hash(SYSTEMS[7])}' AND {window}"
    )
    out["experiment results by variant"] = (
        "SELECT variant, count(*), avg(duration_ms), avg(output_tokens), sum(cost_usd) FROM spans "
        f"WHERE project_id = {project_id} AND experiment = 'exp-2' GROUP BY variant"
    )
    out["span lookup by span_id"] = (
        f"SELECT * FROM spans WHERE project_id = {project_id} AND span_id = '{span_id}' "
        "ORDER BY start_time DESC LIMIT 1"
    )
    return out


def _cursor_query(project_id: int):
    from otel_llm.traces.query import encode_cursor

    cursor = encode_cursor("time", START + timedelta(days=25), "8" * 32, "8" * 16)
    return list_query(project_id, SpanFilter(), "time", True, cursor, 51)


def _sql(stmt) -> str:
    from sqlalchemy.dialects import postgresql

    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def explain(engine, sql: str) -> tuple[list[str], float]:
    with engine.connect() as connection:
        connection.execute(text(sql)).all()  # warm the cache: plans for hot data
        began = time.perf_counter()
        connection.execute(text(sql)).all()
        elapsed = (time.perf_counter() - began) * 1000
        plan = connection.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql))
        return [r[0] for r in plan], elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--keep", action="store_true", help="keep the scratch database (prints its URL)")
    a = ap.parse_args()
    name = f"otel_llm_explain_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(a.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = a.dsn.rsplit("/", 1)[0] + "/" + name
    try:
        migrate.upgrade(url)
        engine = db.get_engine(url)
        project_id, span_id = seed(engine, a.rows)
        for title, sql in queries(project_id, span_id).items():
            plan, ms = explain(engine, sql)
            print(f"### {title} ({ms:.1f} ms)\n" + "\n".join(plan) + "\n")
        with engine.connect() as connection:
            sizes = connection.execute(
                text(
                    "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_stat_user_indexes "
                    "WHERE relname = 'spans' ORDER BY 1"
                )
            ).all()
        print(json.dumps({n: s for n, s in sizes}, indent=1))
    finally:
        db.dispose_all()
        if a.keep:
            print("kept:", url)
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
