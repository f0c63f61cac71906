"""Experiment results over 1M stored spans on Postgres, and what the rollup trigger costs writes.

Seeds ``--spans`` LLM spans (default 1,000,000) into a throwaway database with one
``INSERT … SELECT … FROM generate_series`` (the real ``spans`` table: primary key, every index and
the rollup triggers of migration 0006), 90 % tagged with experiment ``bakeoff`` (variants a/b/c),
10 % with experiment ``small`` (a/b), with feedback on 1 % of them, then times, median of
``--rounds``:

- ``results``: ``otel_llm.experiments.results.experiment_results`` — the whole service call the CLI
  and console make (the rollup rows — moments, latency histogram, feedback —, scipy tests, wording);
- ``hand_sql``: the equivalent exact SQL written by hand (the ``GROUP BY variant`` aggregate over
  the spans with ``percentile_cont``, and the feedback join) run with psycopg directly — the baseline,
  which is also what results cost before the rollups;

for each experiment, with the ratio hand_sql / results and the largest p50/p95 difference between
the two (the histogram's error). Then the write path: ``--write-rows`` spans (default 50,000, in
exporter-sized batches of 512) stored with ``otel_llm.storage.writer.insert_rows`` with the trigger
enabled and disabled (``ALTER TABLE … DISABLE TRIGGER``), same rows, interleaved in
``--write-rounds`` slices so that the machine's load weighs on both alike — once with every span in
an experiment (the trigger's worst case) and once with none. Less exposed to the machine's load:
the server-side time of one 512-span INSERT (``EXPLAIN ANALYZE``, rolled back) with the trigger, of
which the part spent in it, and without it. The database is dropped at the end.

usage: .venv/bin/python bench/results.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 1000000] [--rounds 7] [--write-rows 50000] [--write-rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from otel_llm.experiments import results, service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.storage import db, migrate, writer
from otel_llm.storage.schema import SPAN_COLUMNS

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
INSERT INTO scores (project_id, trace_id, span_id, name, data_type, value, source)
SELECT project_id, trace_id, span_id, 'user_feedback', 'numeric', CASE WHEN random() < 0.7 THEN 1 ELSE 0 END, 'api'
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
SELECT s.variant, count(f.value), avg(f.value), stddev_samp(f.value)
FROM spans s JOIN scores f ON f.project_id = s.project_id AND f.span_id = s.span_id AND f.name = 'user_feedback'
WHERE s.project_id = %(project_id)s AND s.experiment = %(experiment)s AND s.is_llm
GROUP BY s.variant
"""

TRIGGER = "otel_llm_experiment_rollup"
# One exporter-sized batch inserted under EXPLAIN ANALYZE (rolled back): Postgres reports the time
# spent in the trigger apart from the insert itself.
EXPLAIN_BATCH_SQL = "EXPLAIN (ANALYZE, FORMAT JSON) " + SEED_SQL.replace(
    "FROM generate_series(1, %(spans)s) AS i", "FROM generate_series(%(first)s, %(last)s) AS i"
).replace("CASE WHEN i %% 10 = 0 THEN 'small' ELSE 'bakeoff' END", "%(experiment)s").replace(
    "md5(i::text)", "md5(i::text || 'x')"
)
BATCH = 512
GPT = {"provider": "openai", "model": "gpt-4o-mini"}


def _median_ms(fn, rounds: int) -> float:
    fn()  # warm caches and plans
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _create_experiments(engine) -> None:
    for name, variants in (("bakeoff", "abc"), ("small", "ab"), ("writes", "ab")):
        weights = [100 / len(variants)] * len(variants)
        weights[-1] = 100 - sum(weights[:-1])
        spec = ExperimentSpec(
            name=name,
            variants=[
                VariantSpec(v, w, i == 0, GPT) for i, (v, w) in enumerate(zip(variants, weights, strict=True))
            ],
        )
        service.create_experiment(engine, "bench", spec)


def _seed(url: str, spans: int) -> int:
    engine = db.get_engine(url)
    _create_experiments(engine)
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, "bench")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SEED_SQL, {"project_id": project_id, "spans": spans})
        conn.execute(FEEDBACK_SQL, {"project_id": project_id})
        conn.execute("VACUUM ANALYZE spans")
        conn.execute("ANALYZE scores")
    print(f"seeded {spans:,} spans in {time.perf_counter() - started:.1f} s (rollup trigger on)")
    return project_id


def _hand(conn: psycopg.Connection, params: dict) -> list:
    rows = conn.execute(HAND_SQL, params).fetchall()
    conn.execute(HAND_FEEDBACK_SQL, params).fetchall()
    return rows


def _percentile_error(ours: results.Results, exact_rows: list) -> float:
    """Largest relative difference between our p50/p95 and percentile_cont's."""
    exact = {row[0]: (row[5], row[6]) for row in exact_rows}
    worst = 0.0
    for v in ours.variants:
        for mine, true in zip((v.latency_p50_ms, v.latency_p95_ms), exact[v.name], strict=True):
            worst = max(worst, abs(mine - true) / true)
    return worst


def _time_results(url: str, project_id: int, total: int, rounds: int) -> None:
    engine = db.get_engine(url)
    with psycopg.connect(url) as conn:
        for experiment in ("bakeoff", "small"):
            count = conn.execute(
                "SELECT count(*) FROM spans WHERE project_id = %s AND experiment = %s",
                (project_id, experiment),
            ).fetchone()[0]
            ours = _median_ms(lambda e=experiment: results.experiment_results(engine, "bench", e), rounds)
            params = {"project_id": project_id, "experiment": experiment}
            hand = _median_ms(lambda p=params: _hand(conn, p), rounds)
            error = _percentile_error(
                results.experiment_results(engine, "bench", experiment), _hand(conn, params)
            )
            print(
                f"{experiment:<8} {count:>9,} of {total:,} spans: results {ours:7.1f} ms   "
                f"hand-written exact SQL {hand:7.1f} ms   ratio {hand / ours:5.1f}x   "
                f"p50/p95 off by ≤ {error * 100:.2f} %"
            )


def _write_rows(n: int, tagged: bool) -> list[dict]:
    start = datetime.now(UTC)
    rows = []
    for i in range(n):
        row = dict.fromkeys(SPAN_COLUMNS)
        row.update(
            trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16], name="chat gpt-4o-mini", kind="CLIENT",
            start_time=start, end_time=start + timedelta(milliseconds=400), duration_ms=300.0 + i % 200,
            status_code="ERROR" if i % 50 == 0 else "OK", is_llm=True, category="llm", provider="openai", operation="chat",
            request_model="gpt-4o-mini", input_tokens=100 + i % 50, output_tokens=200 + i % 70,
            cost_usd=0.0001 + (i % 100) * 1e-6, experiment="writes" if tagged else None,
            variant=("a" if i % 2 else "b") if tagged else None,
            attributes={"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini"},
            events=[], resource={"service.name": "bench"},
        )  # fmt: skip
        rows.append(row)
    return rows


def _write_seconds(engine, rows: list[dict], project: str, trigger: bool) -> float:
    """Seconds to store ``rows`` under a new project, trigger on or off."""
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, project)
        conn.exec_driver_sql(f"ALTER TABLE spans {'ENABLE' if trigger else 'DISABLE'} TRIGGER {TRIGGER}")
    rows = [{**row, "project_id": project_id} for row in rows]
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            writer.insert_rows(conn, rows[i : i + BATCH])
    return time.perf_counter() - started


def _time_writes(url: str, n: int, rounds: int) -> None:
    """The rows go in ``rounds`` slices; each slice is written once with the trigger and once
    without (alternating which goes first), so the machine's load drifts over both alike."""
    engine = db.get_engine(url)
    for tagged in (True, False):
        rows = _write_rows(n, tagged)
        size = -(-n // rounds)
        seconds = {True: 0.0, False: 0.0}
        for round_, start in enumerate(range(0, n, size)):
            for trigger in (round_ % 2 == 0, round_ % 2 != 0):
                project = f"writes-{tagged}-{trigger}-{round_}"
                seconds[trigger] += _write_seconds(engine, rows[start : start + size], project, trigger)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE spans ENABLE TRIGGER {TRIGGER}")
        on, off = n / seconds[True], n / seconds[False]
        label = "every span in an experiment" if tagged else "no span in an experiment"
        print(
            f"writes, {label:<28} {n:,} spans in batches of {BATCH}: trigger on {on:8,.0f} spans/s   "
            f"off {off:8,.0f} spans/s   cost {(1 - on / off) * 100:5.1f} %"
        )


def _explain_batch(conn: psycopg.Connection, params: dict, trigger: bool) -> dict:
    if not trigger:
        conn.execute(f"ALTER TABLE spans DISABLE TRIGGER {TRIGGER}")
    [plan] = conn.execute(EXPLAIN_BATCH_SQL, params).fetchone()[0]
    conn.rollback()
    return plan


def _time_trigger(url: str, project_id: int, samples: int = 21) -> None:
    """Server-side time of one BATCH-span INSERT with the trigger (and the part spent in it) and
    without it, interleaved; the difference includes capturing the transition table."""
    with psycopg.connect(url) as conn:
        for experiment in ("writes", None):
            inside, on, off = [], [], []
            for k in range(samples):
                first = 10_000_000 + k * BATCH
                params = {
                    "project_id": project_id,
                    "first": first,
                    "last": first + BATCH - 1,
                    "experiment": experiment,
                }
                plan = _explain_batch(conn, params, trigger=True)
                inside.append(
                    sum(t["Time"] for t in plan.get("Triggers", []) if t["Trigger Name"] == TRIGGER)
                )
                on.append(plan["Execution Time"])
                off.append(_explain_batch(conn, params, trigger=False)["Execution Time"])
            label = "in an experiment" if experiment else "in no experiment"
            on_ms, off_ms = statistics.median(on), statistics.median(off)
            print(
                f"INSERT of {BATCH} spans {label:<17}: {on_ms:6.2f} ms with the trigger "
                f"({statistics.median(inside):5.2f} ms in it), {off_ms:6.2f} ms without, "
                f"cost {(on_ms / off_ms - 1) * 100:5.1f} % (median of {samples})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write-rows", type=int, default=50_000)
    parser.add_argument("--write-rounds", type=int, default=10)
    args = parser.parse_args()
    name = f"otel_llm_bench_results_{uuid.uuid4().hex[:8]}"
    url = f"{args.dsn.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(url)
        project_id = _seed(url, args.spans)
        _time_results(url, project_id, args.spans, args.rounds)
        _time_trigger(url, project_id)
        _time_writes(url, args.write_rows, args.write_rounds)
    finally:
        db.dispose_all()
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
