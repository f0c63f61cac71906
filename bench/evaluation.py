"""Evaluation at scale: a 1,000-item run against the local provider, built-in evaluator cost, and
results over 1M stored scores on Postgres.

1. ``run``: a ``--items`` dataset (default 1,000) × 2 variants × 3 built-in evaluators (exact,
   contains, similarity) at ``--concurrency`` 8 against the local provider, through the real OpenAI
   SDK, with a progress bar; prints the wall time, answers per second and the run's cost. The
   baseline, in the same process right after: the same answers judged by ``exact`` only, so the
   ratio shows what two more evaluators (and their scores) add to a run.
2. ``evaluators``: each built-in evaluator over the 2,000 stored answers, median of ``--rounds``;
   microseconds per item and the share of the 1 ms budget.
3. ``results``: ``--scores`` stored scores (default 1,000,000) seeded with ``generate_series`` into
   runs of ``items × 2 variants × 3 evaluators`` each (the real tables and indexes of migrations
   0010/0013); ``otel_llm.evaluation.results.run_results`` of one run (the whole service call:
   aggregate, per-item means, Wilson/t intervals, paired tests, Holm, wording), median of
   ``--rounds``, against the hand-written aggregate SQL alone run with psycopg (the baseline).

Everything runs in a throwaway Postgres database, dropped at the end.

usage: .venv/bin/python bench/evaluation.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--items 1000] [--concurrency 8] [--scores 1000000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import click
import psycopg

from otel_llm import datasets
from otel_llm.evaluation import registry, results, runs
from otel_llm.evaluation.base import Case
from otel_llm.mockllm import MockLLMServer
from otel_llm.prompts.catalog import project_id as ensure_project
from otel_llm.storage import db, migrate

VARIANTS = ("a:model=gpt-4o-mini", "b:model=gpt-4o-mini,system_prompt=Be brief.")
BUILT_INS = ("exact", "contains", "similarity")

SEED_SQL = """
WITH r AS (
  INSERT INTO eval_runs (project_id, dataset, dataset_version, dataset_version_id, variants, evaluators, status)
  SELECT %(project)s, 'bench', 1, %(version_id)s, %(variants)s::jsonb, %(evaluators)s::jsonb, 'completed'
  FROM generate_series(1, %(runs)s) RETURNING id
), i AS (
  INSERT INTO eval_run_items (run_id, item_id, variant, repeat_index, status, cost_usd, duration_ms)
  SELECT r.id, n, v, 0, 'ok', 0.0001, 300 FROM r, generate_series(1, %(items)s) n, unnest(ARRAY['a','b']) v
  RETURNING id, run_id, item_id, variant
), s AS (
  INSERT INTO scores (project_id, name, data_type, value, source, source_name, source_version, eval_run_id)
  SELECT %(project)s, e, CASE e WHEN 'similarity' THEN 'numeric' ELSE 'boolean' END,
         CASE e WHEN 'similarity' THEN random() * 0.5 + (CASE i.variant WHEN 'b' THEN 0.05 ELSE 0 END)
                ELSE (random() < 0.6)::int END,
         'evaluator', e, '1', i.run_id
  FROM i, unnest(ARRAY['exact','contains','similarity']) e
  RETURNING id, eval_run_id, name
)
SELECT count(*) FROM s
"""

LINK_SQL = """
INSERT INTO eval_run_results (run_item_id, run_id, variant, item_id, evaluator, score_id)
SELECT i.id, i.run_id, i.variant, i.item_id, s.name, s.id
FROM (SELECT id, run_id, variant, item_id,
             row_number() OVER (PARTITION BY run_id ORDER BY id) AS k FROM eval_run_items
      WHERE run_id IN (SELECT id FROM eval_runs WHERE dataset = 'bench')) i
JOIN (SELECT id, eval_run_id, name,
             (row_number() OVER (PARTITION BY eval_run_id, name ORDER BY id)) AS k FROM scores
      WHERE eval_run_id IN (SELECT id FROM eval_runs WHERE dataset = 'bench')) s
  ON s.eval_run_id = i.run_id AND s.k = i.k
"""

HAND_SQL = """
SELECT r.evaluator, r.variant, r.item_id, avg(s.value), count(r.error), sum(r.cost_usd)
FROM eval_run_results r LEFT JOIN scores s ON s.id = r.score_id
WHERE r.run_id = %s GROUP BY r.evaluator, r.variant, r.item_id
"""


def _median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _run(engine, url: str, items: int, concurrency: int, evaluators: tuple[str, ...], name: str) -> float:
    spec = runs.RunSpec(name, VARIANTS, evaluators, concurrency=concurrency, base_url=url, new_run=True)
    state: dict = {}

    def started(report):
        state["bar"] = click.progressbar(length=report.total, label=f"{'+'.join(evaluators):>24}")
        state["bar"].__enter__()

    began = time.perf_counter()
    report = runs.run_evaluation(
        engine, "bench", spec, on_start=started, on_item=lambda *_: state["bar"].update(1)
    )
    state["bar"].__exit__(None, None, None)
    seconds = time.perf_counter() - began
    print(
        f"  {report.done} answers in {seconds:.1f} s ({report.done / seconds:.0f}/s), cost ${report.cost_usd:.4f}"
    )
    return seconds


def _evaluator_costs(engine, project_id: int, run_id: int, rounds: int) -> None:
    found = results.side_by_side(engine, project_id, run_id)
    cases = [Case(cell["output"] or "", "Open the settings page and choose reset password.")
             for entry in found for cell in entry["variants"].values()]  # fmt: skip
    print(f"\nevaluators over {len(cases)} answers (median of {rounds}):")
    for spec in BUILT_INS + ("regex:\\bpassword\\b", "json", "numeric"):
        evaluator = registry.resolve(spec)

        def judge_all(evaluator=evaluator):
            for case in cases:
                try:
                    evaluator.evaluate(case)
                except Exception:  # numeric: the expected output holds no number (an evaluator error)
                    pass

        per_item_us = _median_ms(judge_all, rounds) * 1000 / len(cases)
        print(f"  {spec:<22} {per_item_us:8.1f} µs per item  ({per_item_us / 10:.2f} % of the 1 ms budget)")


def _results_at_scale(dsn_db: str, engine, project_id: int, version_id: int, total: int, rounds: int) -> None:
    import json

    per_run = 1000 * 2 * 3
    run_count = max(1, total // per_run)
    with psycopg.connect(dsn_db, autocommit=True) as conn:
        variants = json.dumps([{"name": "a", "model": "m"}, {"name": "b", "model": "m"}])
        evaluators = json.dumps([
            {"name": "exact", "version": "1", "kind": "boolean", "low": 0, "high": 1},
            {"name": "contains", "version": "1", "kind": "boolean", "low": 0, "high": 1},
            {"name": "similarity", "version": "1", "kind": "numeric", "low": 0, "high": 1},
        ])  # fmt: skip
        began = time.perf_counter()
        seeded = conn.execute(SEED_SQL, dict(project=project_id, version_id=version_id, variants=variants,
                                             evaluators=evaluators, runs=run_count, items=1000)).fetchone()[0]  # fmt: skip
        conn.execute(LINK_SQL)
        conn.execute("ANALYZE")
        print(f"\nseeded {seeded:,} scores in {run_count} runs in {time.perf_counter() - began:.0f} s")
        run_id = conn.execute("SELECT max(id) FROM eval_runs").fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM scores").fetchone()[0]
        hand = _median_ms(lambda: conn.execute(HAND_SQL, (run_id,)).fetchall(), rounds)
    service = _median_ms(lambda: results.run_results(engine, project_id, run_id), rounds)
    found = results.run_results(engine, project_id, run_id)
    print(f"results of run {run_id} (6,000 of {stored:,} stored scores), median of {rounds}:")
    print(f"  run_results (whole service call)  {service:7.1f} ms")
    print(f"  hand-written aggregate SQL alone  {hand:7.1f} ms   ratio service / SQL {service / hand:.2f}")
    for verdict in found.verdicts:
        print(f"  {verdict.summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--scores", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    name = f"otel_llm_bench_eval_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.dsn.rsplit("/", 1)[0] + "/" + name
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        migrate.upgrade(sa_url)
        engine = db.get_engine(sa_url)
        project_id = ensure_project(engine, "bench", create=True)
        items = [datasets.ItemSpec(messages=[{"role": "user", "content": f"How do I reset my password? ({i})"}],
                                   expected_output="Open the settings page and choose reset password.")
                 for i in range(args.items)]  # fmt: skip
        datasets.create(engine, project_id, "faq", items=items)
        with MockLLMServer() as server:
            print(f"run: {args.items} items × 2 variants at concurrency {args.concurrency}, local provider")
            full = _run(engine, server.url, args.items, args.concurrency, BUILT_INS, "faq")
            base = _run(engine, server.url, args.items, args.concurrency, ("exact",), "faq")
            print(f"  ratio 3 built-ins / exact only: {full / base:.2f}")
        run_id = min(r["id"] for r in results.list_runs(engine, project_id))
        _evaluator_costs(engine, project_id, run_id, args.rounds)
        version_id = datasets.snapshot(engine, project_id, "faq").version.id
        _results_at_scale(url, engine, project_id, version_id, args.scores, args.rounds)
    finally:
        db.dispose_all()
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
