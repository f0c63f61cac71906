"""Collector ingest as the table grows: the rate of the last million spans against the first, at
``--total`` spans (default 10,000,000) on partitioned Postgres.

1. ``first``: ``--million`` spans (default 1,000,000) of ``bench/ingest.py``'s OTLP requests (GenAI
   chat spans, ~1 KB of captured content each, 512 per request) through ``otel-llm collector``
   into an empty ``spans``, from ``--clients`` × ``--threads`` keep-alive connections; spans/s until
   all are counted in Postgres.
2. ``filler``: ``--total`` − 2 × ``--million`` spans inserted server-side (``INSERT … SELECT … FROM
   generate_series`` in slices of a million, rollup triggers on) with random ids and start times
   earlier the same UTC day, so that they share the current daily partition with the collector's
   spans — the worst case for partitioning: one day holding all 10M (an app averaging ~115 calls a
   second). The collector is not used for these (it would take ~15 minutes more and measure nothing
   new). ``--filler-days N`` spreads them evenly over the N days before today instead, in time
   order (a table that grew over N days: today's partition then holds only the collector's spans).
3. ``last``: another million through the collector, into the full table.

Printed: both rates, their ratio (goal ≥ 0.80), the size of ``spans`` and its indexes, the
collector's resident memory after each run, and the load average. A scratch database is created and
dropped here.

usage: .venv/bin/python bench/soak.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--total 10000000] [--million 1000000] [--workers 2] [--clients 4] [--threads 4]
       [--filler-days 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import collector, collector_pids, drive, make_bodies, scratch_database  # noqa: E402

from otel_llm.accounts import create_key, create_project  # noqa: E402
from otel_llm.storage import db, migrate, partitions  # noqa: E402

SLICE = 1_000_000
FILLER_SQL = """
INSERT INTO spans (project_id, trace_id, span_id, name, kind, start_time, end_time, duration_ms, status_code,
                   is_llm, category, provider, operation, request_model, response_model, input_tokens,
                   output_tokens, system_prompt_hash, attributes, events, resource, service_name)
SELECT %(project)s, md5(i::text || 'soak'), substr(md5(i::text || 'span'), 1, 16), 'chat gpt-4o-mini', 'CLIENT',
       t.start, t.start + interval '700 milliseconds', 700, 'OK', true, 'llm', 'openai', 'chat', 'gpt-4o-mini',
       'gpt-4o-mini', 300, 120, md5(i::text || 'system'),
       jsonb_build_object('gen_ai.input.messages', repeat('x', 900)), '[]'::jsonb,
       '{"service.name": "bench-app"}'::jsonb, 'bench-app'
FROM generate_series(%(first)s::bigint, %(last)s) AS i
CROSS JOIN LATERAL (SELECT CASE WHEN %(days)s = 0
    THEN %(day_start)s::timestamptz + (i %% %(seconds)s) * interval '1 second'
    ELSE %(day_start)s::timestamptz - %(days)s * interval '1 day'
         + (i::float8 / %(total)s) * (%(days)s * interval '1 day')
    END AS start) t
"""


def rss_mb(pid: int) -> float:
    """Resident memory of the collector and its workers, MB."""
    total = 0
    for p in collector_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def fill(dsn: str, project: int, n: int, days: int = 0) -> float:
    """Insert ``n`` spans earlier today (UTC), or spread over the ``days`` days before today,
    server-side; returns seconds taken."""
    began = time.perf_counter()
    if days:  # as the maintenance step would have made them while the table grew
        engine = db.get_engine(dsn)
        with engine.begin() as connection:
            existing = partitions.daily_partitions(connection)
            today = datetime.now(UTC).date()
            for back in range(1, days + 1):
                if today - timedelta(days=back) not in existing:
                    partitions.create_partition(connection, today - timedelta(days=back))
        db.dispose_all()
    with psycopg.connect(dsn, autocommit=True) as conn:
        day_start, now = conn.execute("SELECT date_trunc('day', now() AT TIME ZONE 'UTC'), now()").fetchone()
        seconds = max(60, int((now.replace(tzinfo=None) - day_start).total_seconds()) - 60)
        for first in range(0, n, SLICE):
            params = {
                "project": project,
                "first": first,
                "last": min(n, first + SLICE) - 1,
                "day_start": f"{day_start.isoformat()}+00",
                "seconds": seconds,
                "days": days,
                "total": n,
            }
            conn.execute(FILLER_SQL, params)
            print(
                f"  filler: {min(n, first + SLICE):,} spans ({time.perf_counter() - began:.0f} s)",
                file=sys.stderr,
            )
        conn.execute("VACUUM ANALYZE spans")
    return time.perf_counter() - began


def sizes(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        count = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
        heap, indexes = conn.execute(
            "SELECT sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'spans'::regclass"
        ).fetchone()
        parts = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'spans'::regclass"
        ).fetchone()[0]
    return {
        "spans": count,
        "heap_mb": round(heap / 2**20),
        "indexes_mb": round(indexes / 2**20),
        "partitions": parts,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin database")
    ap.add_argument("--total", type=int, default=10_000_000)
    ap.add_argument("--million", type=int, default=1_000_000, help="spans per measured run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument(
        "--filler-days",
        type=int,
        default=0,
        help="0: the filler shares today's partition (worst case); N: spread over the N days before",
    )
    a = ap.parse_args()
    report: dict = {"load_before": os.getloadavg()}
    with scratch_database(a.dsn) as dsn:
        migrate.upgrade(dsn)
        engine = db.get_engine(dsn)
        project = create_project(engine, "bench")
        _, token = create_key(engine, "bench", "editor")
        db.dispose_all()
        with collector(dsn, a.workers) as (port, pid):

            def measured(label: str, seed: int) -> float:
                """Send a million spans through the collector; their rate, reported as ``label``."""
                bodies = make_bodies(a.million, seed=seed)
                rate, _, statuses = drive(port, token, dsn, bodies, a.million, a.clients, a.threads)
                report[label] = {
                    "spans_per_s": round(rate),
                    "collector_rss_mb": round(rss_mb(pid)),
                    "statuses": statuses,
                }
                print(f"{label} {a.million:,}: {rate:,.0f} spans/s", file=sys.stderr)
                return rate

            first = measured("first", seed=1)
            report["filler"] = {
                "days": a.filler_days,
                "spans": a.total - 2 * a.million,
                "seconds": round(fill(dsn, project.id, a.total - 2 * a.million, a.filler_days)),
            }
            last = measured("last", seed=2)
        report["last_over_first"] = round(last / first, 3)
        report["table"] = sizes(dsn)
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
