"""Per-version prompt metrics (``otel_llm.prompts.metrics.version_metrics``) on a seeded ``spans``
table in a scratch Postgres database: wall time per call for a one-week window and for all time,
against a baseline plain ``GROUP BY prompt_version`` over the same rows (what a tags-only metric
would cost), plus the ``EXPLAIN ANALYZE`` plan of the linked-spans query (tags UNION ALL hash join).

Spans are seeded by ``bench/explain_indexes.py``'s generator (70% LLM spans, 60% of them tagged
``prompt-1..5`` v1..4, system prompts from 50 texts); the registry gets prompts ``prompt-1..5`` with
4 versions each, whose templates are some of those system texts, so untagged spans link by hash.

usage: .venv/bin/python bench/prompt_metrics.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--rows 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).parent))
import explain_indexes  # noqa: E402  (the shared span generator)

from otel_llm.prompts import metrics, versions  # noqa: E402
from otel_llm.storage import db, migrate  # noqa: E402

WEEK = (datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC))


def register(engine, project_id: int) -> None:
    for p in range(1, 6):
        for v in range(1, 5):
            template = explain_indexes.SYSTEMS[(p * 4 + v) % len(explain_indexes.SYSTEMS)]
            versions.create_version(engine, project_id, f"prompt-{p}", template, config={"v": v})


def timed(fn, rounds: int) -> float:
    fn()
    values = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        values.append((time.perf_counter() - began) * 1000)
    return statistics.median(values)


def baseline(engine, project_id: int, since, until):
    sql = text(
        "SELECT prompt_version, count(*), avg(duration_ms), sum(cost_usd), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM spans "
        "WHERE project_id = :p AND prompt_name = 'prompt-3' AND start_time >= :s AND start_time < :u "
        "GROUP BY prompt_version"
    )
    with engine.connect() as connection:
        return connection.execute(sql, {"p": project_id, "s": since, "u": until}).all()


def plan(engine, project_id: int) -> list[str]:
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT id FROM prompts WHERE name = 'prompt-3'")).scalar_one()
    linked = metrics._linked_spans(project_id, pid, "prompt-3", *WEEK)
    stmt = metrics._call_stats(linked, "postgresql")
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        rows = connection.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql))
        return [r[0] for r in rows]


def run(url: str, rows: int, rounds: int) -> None:
    migrate.upgrade(url)
    engine = db.get_engine(url)
    began = time.perf_counter()
    project_id, _ = explain_indexes.seed(engine, rows)
    print(f"seeded {rows} spans in {time.perf_counter() - began:.1f}s")
    register(engine, project_id)
    week = timed(lambda: metrics.version_metrics(engine, project_id, "prompt-3", *WEEK), rounds)
    everything = timed(lambda: metrics.version_metrics(engine, project_id, "prompt-3"), rounds)
    base = timed(lambda: baseline(engine, project_id, *WEEK), rounds)
    print(f"baseline GROUP BY prompt_version, week : {base:8.1f} ms (1.00)")
    print(f"version_metrics, one week              : {week:8.1f} ms ({week / base:.2f}x)")
    print(f"version_metrics, all time              : {everything:8.1f} ms ({everything / base:.2f}x)")
    by_version = metrics.version_metrics(engine, project_id, "prompt-3", *WEEK)
    print("week: " + ", ".join(f"v{m.version}={m.calls} calls" for m in by_version))
    print("plan of the linked-spans aggregate (one week):")
    for line in plan(engine, project_id):
        print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    name = f"bench_prompt_metrics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(args.dsn.rsplit("/", 1)[0] + "/" + name, args.rows, args.rounds)
    finally:
        db.dispose_all()
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
