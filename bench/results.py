"""Experiment results over 1M stored spans on Postgres.

Seeds ``--spans`` LLM spans (default 1,000,000) into a throwaway database with one
``INSERT … SELECT … FROM generate_series`` (the real ``spans`` table: primary key and every index),
90 % tagged with experiment ``bakeoff`` (variants a/b/c), 10 % with experiment ``small`` (a/b),
with feedback on 1 % of them, then times, median of ``--rounds``:

- ``results``: ``otel_llm.experiments.results.experiment_results`` — the whole service call the CLI
  and console make (the per-variant SQL aggregate, the feedback join, scipy tests, wording);
- ``hand_sql``: the equivalent hand-written SQL (the ``GROUP BY variant`` aggregate with
  ``percentile_cont``, and the feedback join) run with psycopg directly — the baseline;

for each experiment, and prints the ratio results / hand_sql. The database is dropped at the end.

usage: .venv/bin/python bench/results.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 1000000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import psycopg
from sqlalchemy.dialects import postgresql

from otel_llm.experiments import results, service
from otel_llm.experiments.aggregate import summary_query
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.storage import db, migrate, writer

SEED_SQL = """
INSERT INTO spans (project_id, trace_id, span_id, name, kind, start_time, end_time, duration_ms,
                   status_code, is_llm, provider, operation, request_model, input_tokens, output_tokens,
                   cost_usd, experiment, variant, attributes, events, resource)
SELECT %(project_id)s, md5(i::text), substr(md5(i::text || 's'), 1, 16), 'chat gpt-4o-mini', 'CLIENT',
       now() - i * interval '1 second', now() - i * interval '1 second' + interval '400 ms',
       300 + random() * 200 + (i %% 3) * 20,
       CASE WHEN random() < 0.02 THEN 'ERROR' ELSE 'OK' END, true, 'openai', 'chat', 'gpt-4o-mini',
       100 + (i %% 50), 200 + (i %% 70), 0.0001 + random() * 0.0001,
       CASE WHEN i %% 10 = 0 THEN 'small' ELSE 'bakeoff' END,
       CASE WHEN i %% 10 = 0 THEN (CASE WHEN i %% 20 = 0 THEN 'a' ELSE 'b' END)
            ELSE (CASE i %% 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END) END,
       '{}'::jsonb, '[]'::jsonb, '{}'::jsonb
FROM generate_series(1, %(spans)s) AS i
"""

FEEDBACK_SQL = """
INSERT INTO feedback (project_id, trace_id, span_id, score, source)
SELECT project_id, trace_id, span_id, CASE WHEN random() < 0.7 THEN 1 ELSE 0 END, 'api'
FROM spans WHERE project_id = %(project_id)s AND random() < 0.01
"""

HAND_SQL = """
SELECT variant,
       count(*) AS calls,
       count(*) FILTER (WHERE status_code <> 'ERROR') AS successes,
       avg(duration_ms) FILTER (WHERE status_code <> 'ERROR') AS latency_mean,
       stddev_samp(duration_ms) FILTER (WHERE status_code <> 'ERROR') AS latency_sd,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status_code <> 'ERROR') AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status_code <> 'ERROR') AS p95,
       sum(input_tokens), sum(output_tokens), sum(cost_usd), avg(cost_usd), stddev_samp(cost_usd)
FROM spans
WHERE project_id = %(project_id)s AND experiment = %(experiment)s AND is_llm
GROUP BY variant
"""

HAND_FEEDBACK_SQL = """
SELECT s.variant, count(f.score), avg(f.score), stddev_samp(f.score)
FROM spans s JOIN feedback f ON f.project_id = s.project_id AND f.span_id = s.span_id
WHERE s.project_id = %(project_id)s AND s.experiment = %(experiment)s AND s.is_llm
GROUP BY s.variant
"""

GPT = {"provider": "openai", "model": "gpt-4o-mini"}


def _median_ms(fn, rounds: int) -> float:
    fn()  # warm caches and plans
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _seed(url: str, dsn: str, spans: int) -> int:
    engine = db.get_engine(url)
    for name, variants in (("bakeoff", "abc"), ("small", "ab")):
        weights = [100 / len(variants)] * len(variants)
        weights[-1] = 100 - sum(weights[:-1])
        spec = ExperimentSpec(
            name=name,
            variants=[
                VariantSpec(v, w, i == 0, GPT) for i, (v, w) in enumerate(zip(variants, weights, strict=True))
            ],
        )
        service.create_experiment(engine, "bench", spec)
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, "bench")
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SEED_SQL, {"project_id": project_id, "spans": spans})
        conn.execute(FEEDBACK_SQL, {"project_id": project_id})
        conn.execute("VACUUM ANALYZE spans")
        conn.execute("ANALYZE feedback")
    print(f"seeded {spans:,} spans in {time.perf_counter() - started:.1f} s")
    return project_id


def _hand(conn: psycopg.Connection, params: dict) -> None:
    conn.execute(HAND_SQL, params).fetchall()
    conn.execute(HAND_FEEDBACK_SQL, params).fetchall()


def _scan(conn: psycopg.Connection, project_id: int, experiment: str) -> str:
    """How Postgres reads the spans for the results aggregate (from EXPLAIN)."""
    query = summary_query(project_id, experiment, postgres=True)
    sql = str(query.compile(dialect=postgresql.psycopg.dialect(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql))
    for node in ("Index Only Scan", "Index Scan", "Bitmap Heap Scan", "Seq Scan"):
        if node in plan:
            return node
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    name = f"otel_llm_bench_results_{uuid.uuid4().hex[:8]}"
    base = args.dsn.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(url)
        project_id = _seed(url, url, args.spans)
        engine = db.get_engine(url)
        with psycopg.connect(url) as conn:
            for experiment in ("bakeoff", "small"):
                count = conn.execute(
                    "SELECT count(*) FROM spans WHERE project_id = %s AND experiment = %s",
                    (project_id, experiment),
                ).fetchone()[0]
                ours = _median_ms(
                    lambda e=experiment: results.experiment_results(engine, "bench", e), args.rounds
                )
                params = {"project_id": project_id, "experiment": experiment}
                hand = _median_ms(lambda p=params: _hand(conn, p), args.rounds)
                print(
                    f"{experiment:<8} {count:>9,} of {args.spans:,} spans: results {ours:7.1f} ms   "
                    f"hand-written SQL {hand:7.1f} ms   ratio {ours / hand:.2f}   scan: {_scan(conn, project_id, experiment)}"
                )
    finally:
        db.dispose_all()
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
