"""The traces list with score columns and score filters, over many stored spans on Postgres.

Seeds ``--spans`` LLM spans (default 200,000) into a throwaway database with one
``INSERT … SELECT … FROM generate_series``, a ``helpfulness`` score (1–5) on ``--scored`` of them
(default 20 %) and an ``exact`` boolean on 5 %, then times ``otel_llm.traces.list_spans`` — the
call the console, the API and ``traces list`` make — median of ``--rounds``, for the first page and
for the page 50 pages deep (keyset cursor), each:

- without scores (the baseline, same process);
- with a ``helpfulness`` column;
- filtered by ``helpfulness>=4``;
- filtered by ``exact=true`` (rare: the filter has to skip most spans).

It prints each time and its ratio to the baseline. The database is dropped at the end.

usage: .venv/bin/python bench/score_listing.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 200000] [--scored 0.2] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import psycopg

from otel_llm import scores
from otel_llm.scores.listing import parse_selection
from otel_llm.storage import db, migrate, writer
from otel_llm.traces import SpanFilter, list_spans

SEED_SQL = """
INSERT INTO spans (project_id, trace_id, span_id, name, kind, start_time, end_time, duration_ms,
                   status_code, is_llm, provider, operation, request_model, input_tokens, output_tokens,
                   attributes, events, resource)
SELECT %(project_id)s, md5(i::text), substr(md5(i::text || 's'), 1, 16), 'chat gpt-4o-mini', 'CLIENT',
       now() - i * interval '1 second', now() - i * interval '1 second' + interval '400 ms', 400,
       'OK', true, 'openai', 'chat', 'gpt-4o-mini', 100, 200, '{}'::jsonb, '[]'::jsonb, '{}'::jsonb
FROM generate_series(1, %(spans)s) AS i
"""

SCORES_SQL = """
INSERT INTO scores (project_id, trace_id, span_id, name, data_type, value, string_value, source)
SELECT project_id, trace_id, span_id, %(name)s::text, %(type)s::text, v, CASE WHEN %(type)s::text = 'boolean'
       THEN (CASE WHEN v = 1 THEN 'true' ELSE 'false' END) END, 'evaluator'
FROM (SELECT project_id, trace_id, span_id, %(value)s AS v FROM spans
      WHERE project_id = %(project_id)s AND random() < %(share)s) s
"""

CASES = {
    "no scores": "",
    "helpfulness column": "helpfulness",
    "helpfulness>=4": "helpfulness>=4",
    "exact=true (rare)": "exact=true",
}


def _median_ms(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _seed(url: str, spans: int, scored: float) -> int:
    engine = db.get_engine(url)
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, "bench")
    scores.define_config(engine, project_id, "helpfulness", "numeric", min_value=1, max_value=5)
    scores.define_config(engine, project_id, "exact", "boolean")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SEED_SQL, {"project_id": project_id, "spans": spans})
        for name, kind, value, share in (
            ("helpfulness", "numeric", "1 + floor(random() * 5)", scored),
            ("exact", "boolean", "CASE WHEN random() < 0.5 THEN 1 ELSE 0 END", 0.05),
        ):
            sql = SCORES_SQL.replace("%(value)s", value)
            conn.execute(sql, {"project_id": project_id, "name": name, "type": kind, "share": share})
        conn.execute("VACUUM ANALYZE spans")
        conn.execute("VACUUM ANALYZE scores")
    print(f"seeded {spans:,} spans and their scores in {time.perf_counter() - started:.1f} s")
    return project_id


def _cursor_50_pages_deep(engine, project_id: int, flt: SpanFilter) -> str | None:
    cursor = None
    for _ in range(50):
        cursor = list_spans(engine, project_id, flt, cursor=cursor, limit=50).next_cursor
        if cursor is None:
            break
    return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--scored", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.dsn.rsplit('/', 1)[0]}/{name}"
    try:
        migrate.upgrade(url)
        project_id = _seed(url, args.spans, args.scored)
        engine = db.get_engine(url)
        baseline: dict[str, float] = {}
        for label, selection in CASES.items():
            flt = SpanFilter(scores=parse_selection(selection))
            deep = _cursor_50_pages_deep(engine, project_id, flt)
            for where, cursor in (("page 1", None), ("page 51", deep)):
                ms = _median_ms(
                    lambda c=cursor, f=flt: list_spans(engine, project_id, f, cursor=c, limit=50), args.rounds
                )
                baseline.setdefault(where, ms)
                print(f"{label:<22} {where:<8} {ms:8.2f} ms  ×{ms / baseline[where]:.2f} of no scores")
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
