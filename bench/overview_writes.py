"""What the rollup triggers cost writes, on Postgres and SQLite: the overview's (migration
``0018_overview_rollups``, the default) or, with ``--rollup prompt``, prompt metrics' (migration
``0021_prompt_rollups``; every span is then tagged with one of 5 prompts × 4 versions, the
trigger's whole work — untagged spans with no tracked hash cost it one filter).

``--rows`` LLM spans (default 50,000; five models) are stored with ``otel_llm.storage.writer.insert_rows`` in exporter-sized batches of 512 (``--batch``;
the collector's write engine commits groups of up to 20,000 under load), with the
overview triggers and without, same rows, interleaved in ``--rounds`` slices so that the machine's
load weighs on both alike. Twice: spans of the last minute (live traffic: a batch touches
a few rollup rows) and spans spread over 30 days (a backfill, the triggers' worst case: a batch
touches a rollup row per span). On Postgres the insert trigger is disabled (``ALTER TABLE … DISABLE
TRIGGER``); SQLite cannot disable a trigger, so it is dropped and re-created between slices. Also
on Postgres, less exposed to the load: the server-side time of one 512-span INSERT under
``EXPLAIN ANALYZE`` (rolled back) with the trigger, the part spent in it, and without it. Last,
repricing (``otel_llm.pricing.reprice``, an UPDATE per changed span) of ``--reprice`` spans with the
update trigger and without.

usage: .venv/bin/python bench/overview_writes.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--rows 50000] [--rounds 10] [--reprice 20000] [--batch 512] [--rollup overview|prompt]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text

from otel_llm.pricing.reprice import reprice
from otel_llm.storage import db, migrate, writer
from otel_llm.storage.schema import SPAN_COLUMNS

BATCH = 512
MODELS = [("gpt-4o-mini", "openai"), ("gpt-4.1", "openai"), ("claude-haiku-4-5", "anthropic"),
          ("claude-sonnet-4-5", "anthropic"), ("gemini-2.5-flash", "gemini")]  # fmt: skip
TRIGGERS = {  # --rollup → (insert trigger, update trigger)
    "overview": ("otel_llm_overview_insert", "otel_llm_overview_update"),
    "prompt": ("otel_llm_prompt_rollup_insert", "otel_llm_prompt_rollup_update"),
}
ROLLUP = "overview"
INSERT_TRIGGER, UPDATE_TRIGGER = TRIGGERS[ROLLUP]


SPREADS = {"live": 60, "spread": 30 * 86400}  # seconds the spans' start times cover


def _rows(n: int, spread: int = SPREADS["spread"]) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        model, provider = MODELS[i % len(MODELS)]
        start = now - timedelta(seconds=(i * 7919) % spread)
        row = dict.fromkeys(SPAN_COLUMNS)
        row.update(
            trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16], name=f"chat {model}", kind="CLIENT",
            start_time=start, end_time=start + timedelta(milliseconds=400), duration_ms=50.0 + (i * 37) % 5000,
            status_code="ERROR" if i % 33 == 0 else "OK", is_llm=True, category="llm", provider=provider, operation="chat",
            request_model=model, input_tokens=100 + i % 50, output_tokens=200 + i % 70,
            cost_usd=0.0001 + (i % 100) * 1e-6, attributes={"gen_ai.system": provider},
            events=[], resource={"service.name": "bench"},
        )  # fmt: skip
        if ROLLUP == "prompt":
            row.update(prompt_name=f"prompt-{i % 5}", prompt_version=str(1 + i // 5 % 4))
        rows.append(row)
    return rows


class Triggers:
    """Turns one rollup trigger on and off (Postgres: ENABLE/DISABLE; SQLite: drop/re-create)."""

    def __init__(self, engine, name: str):
        self.engine, self.name = engine, name
        self.sqlite_sql = None
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                self.sqlite_sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": name}
                ).scalar_one()

    def set(self, on: bool) -> None:
        with self.engine.begin() as conn:
            if self.sqlite_sql is None:
                conn.exec_driver_sql(f"ALTER TABLE spans {'ENABLE' if on else 'DISABLE'} TRIGGER {self.name}")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.name}")
                if on:
                    conn.exec_driver_sql(self.sqlite_sql)


def _write_seconds(engine, rows: list[dict], project: str) -> float:
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, project)
    rows = [{**row, "project_id": project_id} for row in rows]
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            writer.insert_rows(conn, rows[i : i + BATCH])
    return time.perf_counter() - started


def time_writes(engine, label: str, n: int, rounds: int, spread: str) -> None:
    rows, triggers = _rows(n, SPREADS[spread]), Triggers(engine, INSERT_TRIGGER)
    size = -(-n // rounds)
    seconds = {True: 0.0, False: 0.0}
    for round_, start in enumerate(range(0, n, size)):
        for on in (round_ % 2 == 0, round_ % 2 != 0):
            triggers.set(on)
            project = f"writes-{spread}-{on}-{round_}"
            seconds[on] += _write_seconds(engine, rows[start : start + size], project)
    triggers.set(True)
    on, off = n / seconds[True], n / seconds[False]
    print(
        f"{label:<8} {spread:<6} {n:,} spans in batches of {BATCH}: {ROLLUP} trigger on {on:8,.0f} spans/s   "
        f"off {off:8,.0f} spans/s   cost {(1 - on / off) * 100:5.1f} %   (load {_load()})"
    )


EXPLAIN_SQL = """
EXPLAIN (ANALYZE, FORMAT JSON)
INSERT INTO spans (project_id, trace_id, span_id, name, kind, start_time, end_time, duration_ms, status_code,
                   is_llm, provider, request_model, input_tokens, output_tokens, cost_usd, prompt_name,
                   prompt_version, attributes, events, resource)
SELECT %(project)s, md5(i::text || %(salt)s), substr(md5(i::text), 1, 16), 'chat', 'CLIENT',
       now() - (i * 7919 %% %(spread)s) * interval '1 second', now(), 50 + i * 37 %% 5000, 'OK', true,
       (ARRAY['openai','anthropic','gemini'])[1 + i %% 3], (ARRAY['a','b','c','d','e'])[1 + i %% 5],
       100, 200, 0.0001, 'prompt-' || i %% 5, (1 + i / 5 %% 4)::text, '{}'::jsonb, '[]'::jsonb, '{}'::jsonb
FROM generate_series(1, %(batch)s) AS i
"""


def time_trigger_server_side(url: str, spread: str, samples: int = 21) -> None:
    with psycopg.connect(url) as conn:
        project = conn.execute("SELECT min(id) FROM projects").fetchone()[0]
        inside, on, off = [], [], []
        for k in range(samples):
            for enabled in (True, False):
                if not enabled:
                    conn.execute(f"ALTER TABLE spans DISABLE TRIGGER {INSERT_TRIGGER}")
                params = {
                    "project": project,
                    "salt": f"{k}-{enabled}",
                    "batch": BATCH,
                    "spread": SPREADS[spread],
                }
                [plan] = conn.execute(EXPLAIN_SQL, params).fetchone()[0]
                conn.rollback()
                (on if enabled else off).append(plan["Execution Time"])
                if enabled:
                    triggers = plan.get("Triggers", [])
                    inside.append(sum(t["Time"] for t in triggers if t["Trigger Name"] == INSERT_TRIGGER))
    on_ms, off_ms = statistics.median(on), statistics.median(off)
    print(
        f"postgres {spread:<6} one INSERT of {BATCH} spans (server side, median of {samples}): {on_ms:6.2f} ms with the "
        f"{ROLLUP} trigger ({statistics.median(inside):5.2f} ms in it), {off_ms:6.2f} ms without, "
        f"cost {(on_ms / off_ms - 1) * 100:5.1f} %"
    )


def time_reprice(engine, label: str, n: int) -> None:
    """Reprice n spans whose stored cost is wrong, with the update trigger and without."""
    triggers = Triggers(engine, UPDATE_TRIGGER)
    seconds = {}
    for on in (True, False):
        rows = [{**row, "cost_usd": 1.0} for row in _rows(n)]  # every cost changes
        _write_seconds(engine, rows, f"reprice-{on}")
        with engine.connect() as conn:
            project_id = conn.execute(
                text("SELECT id FROM projects WHERE name = :n"), {"n": f"reprice-{on}"}
            ).scalar()
        triggers.set(on)
        started = time.perf_counter()
        changed = reprice(engine, project_id, datetime.now(UTC) - timedelta(days=31)).changed
        seconds[on] = time.perf_counter() - started
        assert changed == n, changed
    triggers.set(True)
    print(
        f"{label:<8} repricing {n:,} spans: update trigger on {n / seconds[True]:8,.0f} spans/s   "
        f"off {n / seconds[False]:8,.0f} spans/s   cost {(1 - seconds[False] / seconds[True]) * 100:5.1f} %"
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--reprice", type=int, default=20_000, help="0: skip repricing")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--rollup", choices=sorted(TRIGGERS), default="overview", help="whose triggers to time")
    a = ap.parse_args()
    global BATCH, ROLLUP, INSERT_TRIGGER, UPDATE_TRIGGER
    BATCH, ROLLUP = a.batch, a.rollup
    INSERT_TRIGGER, UPDATE_TRIGGER = TRIGGERS[ROLLUP]
    name = f"otel_llm_bench_writes_{uuid.uuid4().hex[:8]}"
    url = a.dsn.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(a.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(url)
        engine = db.get_engine(url)
        for spread in SPREADS:
            time_writes(engine, "postgres", a.rows, a.rounds, spread)
            time_trigger_server_side(url, spread)
        if a.reprice:
            time_reprice(engine, "postgres", a.reprice)
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite:///{tmp}/bench.db"
            migrate.upgrade(sqlite_url)
            sqlite = db.get_engine(sqlite_url)
            for spread in SPREADS:
                time_writes(sqlite, "sqlite", a.rows, a.rounds, spread)
            if a.reprice:
                time_reprice(sqlite, "sqlite", a.reprice)
            db.dispose_all()
    finally:
        db.dispose_all()
        with psycopg.connect(a.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
