"""The Sessions list and a session's turns over many stored spans on Postgres.

Seeds ``--spans`` spans (default 200,000) into a throwaway database with one
``INSERT … SELECT … FROM generate_series``: traces of four spans (an agent root, two LLM calls, a
tool), half of them in conversations of five turns (5,000 conversations at the default size, of
2,000 users), a ``helpfulness`` score on one trace in five. Then it times, median of ``--rounds``,
the calls the console, the API and ``otel-llm sessions`` make:

- ``traces.list_spans`` first page (the baseline, same process);
- ``conversations.list_conversations``: first page, 50 pages deep (keyset cursor), one user's;
- ``get_conversation`` + ``list_turns`` of one conversation;

and prints each time with its ratio to the baseline. The database is dropped at the end.

usage: .venv/bin/python bench/sessions.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 200000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import psycopg

from otel_llm import conversations
from otel_llm.storage import db, migrate, writer
from otel_llm.traces import SpanFilter, list_spans

# i: span number; i / 4: its trace; i % 4: 0 root, 1-2 LLM calls, 3 tool. Even traces are turns of
# conversation conv-(trace / 10) (five turns each), of user-(conversation % USERS).
SEED_SQL = """
INSERT INTO spans (project_id, trace_id, span_id, parent_span_id, name, kind, start_time, end_time,
                   duration_ms, status_code, is_llm, provider, operation, request_model, input_tokens,
                   output_tokens, cost_usd, session_id, user_id, attributes, events, resource)
SELECT %(project_id)s, md5((i / 4)::text), substr(md5(i::text || 's'), 1, 16),
       CASE WHEN i %% 4 = 0 THEN NULL ELSE substr(md5((i - i %% 4)::text || 's'), 1, 16) END,
       CASE i %% 4 WHEN 0 THEN 'invoke_agent' WHEN 3 THEN 'execute_tool' ELSE 'chat gpt-4o-mini' END,
       'INTERNAL', now() - (i / 4) * interval '10 second' + (i %% 4) * interval '1 ms',
       now() - (i / 4) * interval '10 second' + interval '400 ms', 400, 'OK', i %% 4 IN (1, 2),
       'openai', 'chat', 'gpt-4o-mini', 100, 200, CASE WHEN i %% 4 IN (1, 2) THEN 0.0001 END,
       CASE WHEN (i / 4) %% 2 = 0 THEN 'conv-' || ((i / 4) / 10) END,
       CASE WHEN (i / 4) %% 2 = 0 THEN 'user-' || (((i / 4) / 10) %% %(users)s) END,
       '{}'::jsonb, '[]'::jsonb, '{}'::jsonb
FROM generate_series(0, %(spans)s - 1) AS i
"""

SCORES_SQL = """
INSERT INTO scores (project_id, trace_id, name, data_type, value, source)
SELECT project_id, trace_id, 'helpfulness', 'numeric', 4, 'evaluator' FROM spans
WHERE project_id = %(project_id)s AND parent_span_id IS NULL AND abs(hashtext(trace_id)) %% 5 = 0
"""


def _median_ms(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _seed(url: str, spans: int) -> int:
    engine = db.get_engine(url)
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, "bench")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SEED_SQL, {"project_id": project_id, "spans": spans, "users": max(spans // 100, 1)})
        conn.execute(SCORES_SQL, {"project_id": project_id})
        conn.execute("VACUUM ANALYZE spans")
        conn.execute("VACUUM ANALYZE scores")
    print(f"seeded {spans:,} spans in {time.perf_counter() - started:.1f} s")
    return project_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.dsn.rsplit('/', 1)[0]}/{name}"
    try:
        migrate.upgrade(url)
        pid = _seed(url, args.spans)
        engine = db.get_engine(url)
        cursor = None
        for _ in range(50):
            cursor = conversations.list_conversations(engine, pid, cursor=cursor).next_cursor
        one = conversations.list_conversations(engine, pid, limit=1).items[0]
        cases = {
            "spans list, page 1 (baseline)": lambda: list_spans(engine, pid, SpanFilter(), limit=50),
            "sessions list, page 1": lambda: conversations.list_conversations(engine, pid),
            "sessions list, page 51": lambda: conversations.list_conversations(engine, pid, cursor=cursor),
            "sessions list, one user": lambda: conversations.list_conversations(
                engine, pid, conversations.ConversationFilter(user=one.user_id)
            ),
            "session page (summary + turns)": lambda: (
                conversations.get_conversation(engine, pid, one.session_id),
                conversations.list_turns(engine, pid, one.session_id),
            ),
        }
        baseline = None
        for label, fn in cases.items():
            ms = _median_ms(fn, args.rounds)
            baseline = baseline or ms
            print(f"{label:<32} {ms:8.2f} ms  ×{ms / baseline:.2f} of the spans list")
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
