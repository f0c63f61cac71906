"""Every console page and API read at scale: ``--spans`` spans (default 10,000,000) over 90 days on
Postgres, each read timed through the real app (Flask test client, no network), median of ``--rounds``.

Seeding is server-side: ``INSERT … SELECT … FROM generate_series`` in slices of a million (the real
``spans`` table: primary key, every index, the experiment and overview rollup triggers). Traces of
four spans: an agent root (not an LLM call) and three LLM calls on five models of three providers,
3 % failed, 10 % with no known cost, log-normal durations (median ≈ 650 ms), 30 % tagged with one
of 5 prompts × 4 versions, 5 % in experiment ``bakeoff`` (variants a/b). Then one evaluation run of
1,000 items × 2 variants × 3 evaluators (6,000 scores), and ``VACUUM ANALYZE``.

Timed: the traces page and the spans API (first page, a deep keyset page, each filter, each sort
including cost, both orders), the trace view and a span, the overview for 24 h / 7 d / 30 d / 90 d
(API, and the page for 90 d), prompt metrics (7 days and all time), experiment results and an
evaluation run's results. Each figure is printed with its ratio to the spans API's first page and
its goal (300 ms; results 150 ms). The machine's load average is printed beside the figures.
The database is dropped at the end (``--keep`` keeps it and prints its URL; ``--reuse URL`` times
a kept one again, after migrating it, without seeding).

usage: .venv/bin/python bench/scale.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 10000000] [--rounds 5] [--keep] [--reuse postgresql://…/otel_llm_bench_scale_…]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
import uuid

import psycopg
from otel_llm_server.web import create_app

from otel_llm.accounts import create_key
from otel_llm.accounts import users as users_service
from otel_llm.experiments import service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.prompts import versions
from otel_llm.storage import db, migrate, writer

DAYS = 90
SLICE = 1_000_000
PAGE_GOAL_MS, RESULTS_GOAL_MS = 300.0, 150.0
MODELS = [  # (model, provider, $ per 1k tokens)
    ("gpt-4o-mini", "openai", 0.0006),
    ("gpt-4.1", "openai", 0.008),
    ("claude-haiku-4-5", "anthropic", 0.004),
    ("claude-sonnet-4-5", "anthropic", 0.015),
    ("gemini-2.5-flash", "gemini", 0.002),
]

# i: 0-based span number; span i belongs to trace i / 4 and is its (i % 4)-th span, 0 being the
# root. Spans are spread evenly from now back to DAYS days ago, newest first.
SEED_SQL = """
INSERT INTO spans (project_id, trace_id, span_id, parent_span_id, name, kind, start_time, end_time,
                   duration_ms, status_code, is_llm, provider, operation, request_model, response_model,
                   input_tokens, output_tokens, cost_usd, prompt_name, prompt_version, experiment,
                   variant, attributes, events, resource)
SELECT %(project_id)s, md5((i / 4)::text), substr(md5(i::text), 1, 16),
       CASE WHEN i %% 4 = 0 THEN NULL ELSE substr(md5((i / 4 * 4)::text), 1, 16) END,
       CASE WHEN i %% 4 = 0 THEN 'agent answer' ELSE 'chat ' || m.model END,
       CASE WHEN i %% 4 = 0 THEN 'INTERNAL' ELSE 'CLIENT' END,
       t.start, t.start + d.ms * interval '1 millisecond', d.ms,
       CASE WHEN random() < 0.03 THEN 'ERROR' ELSE 'OK' END, i %% 4 <> 0,
       CASE WHEN i %% 4 <> 0 THEN m.provider END, CASE WHEN i %% 4 <> 0 THEN 'chat' END,
       CASE WHEN i %% 4 <> 0 THEN m.model END, CASE WHEN i %% 4 <> 0 THEN m.model END,
       CASE WHEN i %% 4 <> 0 THEN k.input END, CASE WHEN i %% 4 <> 0 THEN k.output END,
       CASE WHEN i %% 4 <> 0 AND i %% 10 <> 7 THEN (k.input + k.output) * m.price / 1000 END,
       CASE WHEN i %% 4 <> 0 AND i %% 10 < 3 THEN 'prompt-' || (1 + i / 10 %% 5) END,
       CASE WHEN i %% 4 <> 0 AND i %% 10 < 3 THEN (1 + i / 50 %% 4)::text END,
       CASE WHEN i %% 4 <> 0 AND i %% 20 = 1 THEN 'bakeoff' END,
       CASE WHEN i %% 4 <> 0 AND i %% 20 = 1 THEN (CASE WHEN i / 4 %% 2 = 0 THEN 'a' ELSE 'b' END) END,
       '{}'::jsonb, '[]'::jsonb, '{"service.name": "bench"}'::jsonb
FROM generate_series(%(first)s::bigint, %(last)s) AS i
CROSS JOIN LATERAL (SELECT now() - (i::float8 / %(total)s) * (%(days)s * interval '1 day') AS start) t
CROSS JOIN LATERAL (SELECT exp(6.5 + (random() + random() + random() - 1.5 + 0 * i) * 1.4) AS ms) d  -- i: once per row
CROSS JOIN LATERAL (SELECT 200 + (i * 7919) %% 3000 AS input, 20 + (i * 104729) %% 800 AS output) k
JOIN (VALUES {models}) AS m(n, model, provider, price) ON m.n = (i / 4) %% 5
"""

EVAL_SQL = """
WITH r AS (
  INSERT INTO eval_runs (project_id, dataset, dataset_version, variants, evaluators, status)
  VALUES (%(project)s, 'bench', 1, %(variants)s::jsonb, %(evaluators)s::jsonb, 'completed') RETURNING id
), i AS (
  INSERT INTO eval_run_items (run_id, item_id, variant, repeat_index, status, cost_usd, duration_ms)
  SELECT r.id, n, v, 0, 'ok', 0.0001, 300 FROM r, generate_series(1, 1000) n, unnest(ARRAY['a','b']) v
  RETURNING id, run_id, item_id, variant
), s AS (
  INSERT INTO scores (project_id, name, data_type, value, source, source_name, source_version, eval_run_id)
  SELECT %(project)s, e, CASE e WHEN 'similarity' THEN 'numeric' ELSE 'boolean' END,
         CASE e WHEN 'similarity' THEN random() ELSE (random() < 0.6)::int END, 'evaluator', e, '1', i.run_id
  FROM i, unnest(ARRAY['exact','contains','similarity']) e
  RETURNING id, eval_run_id, name
)
SELECT max(eval_run_id) FROM s
"""

EVAL_LINK_SQL = """
INSERT INTO eval_run_results (run_item_id, run_id, variant, item_id, evaluator, score_id)
SELECT i.id, i.run_id, i.variant, i.item_id, s.name, s.id
FROM (SELECT id, run_id, variant, item_id, row_number() OVER (ORDER BY id) AS k
      FROM eval_run_items WHERE run_id = %(run)s) i
JOIN (SELECT id, name, row_number() OVER (PARTITION BY name ORDER BY id) AS k
      FROM scores WHERE eval_run_id = %(run)s) s ON s.k = i.k
"""


def _seed_sql() -> str:
    models = ", ".join(f"({n}, '{m}', '{p}', {price})" for n, (m, p, price) in enumerate(MODELS))
    return SEED_SQL.replace("{models}", models)


def seed(url: str, total: int) -> tuple[int, int]:
    """Spans, prompts, the experiment and an evaluation run; returns (project id, eval run id)."""
    engine = db.get_engine(url)
    with engine.begin() as conn:
        project_id = writer.ensure_project(conn, "bench")
    for p in range(1, 6):
        for v in range(1, 5):
            versions.create_version(engine, project_id, f"prompt-{p}", f"You are assistant {p}, style {v}.")
    gpt = {"provider": "openai", "model": "gpt-4o-mini"}
    spec = ExperimentSpec(
        name="bakeoff", variants=[VariantSpec("a", 50, True, gpt), VariantSpec("b", 50, False, gpt)]
    )
    service.create_experiment(engine, "bench", spec)
    began = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for first in range(0, total, SLICE):
            last = min(first + SLICE, total) - 1
            params = {"project_id": project_id, "first": first, "last": last, "total": total, "days": DAYS}
            conn.execute(_seed_sql(), params)
            print(f"  {last + 1:>12,} spans  {time.perf_counter() - began:7.0f} s", flush=True)
        run_id = _seed_evaluation(conn, project_id)
        conn.execute("VACUUM ANALYZE")
    print(f"seeded {total:,} spans over {DAYS} days in {time.perf_counter() - began:.0f} s (triggers on)")
    return project_id, run_id


def _seed_evaluation(conn: psycopg.Connection, project_id: int) -> int:
    variants = json.dumps([{"name": "a", "model": "m"}, {"name": "b", "model": "m"}])
    evaluators = json.dumps([
        {"name": "exact", "version": "1", "kind": "boolean", "low": 0, "high": 1},
        {"name": "contains", "version": "1", "kind": "boolean", "low": 0, "high": 1},
        {"name": "similarity", "version": "1", "kind": "numeric", "low": 0, "high": 1},
    ])  # fmt: skip
    params = {"project": project_id, "variants": variants, "evaluators": evaluators}
    run_id = conn.execute(EVAL_SQL, params).fetchone()[0]
    conn.execute(EVAL_LINK_SQL, {"run": run_id})
    return run_id


def timed_ms(client, path: str, headers: dict, rounds: int) -> float:
    client.get(path, headers=headers)  # warm caches and plans
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
    return statistics.median(samples)


def _signed_in(app, engine, exists: bool) -> object:
    """A console client signed in as a viewer of the bench project (CSRF on, as in a browser)."""
    if not exists:
        users_service.create_user(engine, "bench@example.com", "correct horse battery", "bench", "viewer")
    client = app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"email": "bench@example.com", "password": "correct horse battery", "csrf_token": token}
    assert client.post("/sign-in", data=form).status_code == 302
    return client


def _deep_cursor(client, headers: dict, pages: int) -> str:
    cursor = ""
    for _ in range(pages):
        cursor = client.get(f"/api/v1/spans?limit=50{cursor}", headers=headers).get_json()["next_cursor"]
        cursor = f"&cursor={cursor}"
    return cursor


def cases(client, headers: dict, run_id: int) -> dict[str, tuple[str, float]]:
    """name → (path, goal in ms)."""
    deep = _deep_cursor(client, headers, 100)
    newest = client.get("/api/v1/spans?limit=1", headers=headers).get_json()["items"][0]
    s = "/api/v1/spans?limit=50"
    found = {
        "spans API: first page": s,
        "spans API: 101st keyset page": s + deep,
        "spans API: range=24h": s + "&range=24h",
        "spans API: model=gpt-4.1": s + "&model=gpt-4.1",
        "spans API: provider=gemini": s + "&provider=gemini",
        "spans API: status=error": s + "&status=error",
        "spans API: prompt_name=prompt-3": s + "&prompt_name=prompt-3",
        "spans API: prompt-3 version 2": s + "&prompt_name=prompt-3&prompt_version=2",
        "spans API: experiment=bakeoff": s + "&experiment=bakeoff",
        "spans API: bakeoff variant b": s + "&experiment=bakeoff&variant=b",
        "spans API: text=sonnet": s + "&text=sonnet",
        "spans API: sort=duration": s + "&sort=duration",
        "spans API: sort=cost": s + "&sort=cost",
        "spans API: sort=cost&order=asc": s + "&sort=cost&order=asc",
        "spans API: sort=time&order=asc": s + "&order=asc",
        "spans API: status=error&sort=cost": s + "&status=error&sort=cost",
        "traces page: first page": "/traces",
        "trace API": f"/api/v1/traces/{newest['trace_id']}",
        "trace page (span view with its trace)": f"/traces/span/{newest['span_id']}",
        "span API": f"/api/v1/spans/{newest['span_id']}",
        **{f"overview API: {r}": f"/api/v1/overview?range={r}" for r in ("24h", "7d", "30d", "90d")},
        "overview page: 90d": "/overview?range=90d",
        "prompt metrics: prompt-3, 7 days": "/api/v1/prompts/prompt-3/stats?since=7d",
        "prompt metrics: prompt-3, all time": "/api/v1/prompts/prompt-3/stats?since=all",
    }
    out = {name: (path, PAGE_GOAL_MS) for name, path in found.items()}
    out["experiment results: bakeoff"] = ("/api/v1/experiments/bakeoff/results", RESULTS_GOAL_MS)
    out["evaluation run results"] = (f"/api/v1/eval-runs/{run_id}", RESULTS_GOAL_MS)
    return out


def run(url: str, total: int, rounds: int, reuse: bool = False) -> None:
    migrate.upgrade(url)
    engine = db.get_engine(url)
    if reuse:
        with engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT count(*) FROM spans").scalar()
            run_id = conn.exec_driver_sql("SELECT max(id) FROM eval_runs").scalar()
    else:
        _, run_id = seed(url, total)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    token = create_key(engine, "bench", "viewer")[1]
    api, page = app.test_client(), _signed_in(app, engine, reuse)
    headers = {"Authorization": f"Bearer {token}"}
    found = cases(api, headers, run_id)
    print(f"\nmedian of {rounds}, {total:,} spans; load average before: {_load()}")
    baseline = None
    for name, (path, goal) in found.items():
        client = api if path.startswith("/api/") else page
        ms = timed_ms(client, path, headers if client is api else {}, rounds)
        baseline = baseline or ms
        verdict = "ok" if ms <= goal else "OVER"
        print(
            f"{name:<40} {ms:8.1f} ms   x{ms / baseline:6.2f} of the first page   goal {goal:.0f} ms {verdict}"
        )
    print(f"load average after: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--spans", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--reuse", help="time this kept database again instead of seeding one")
    a = ap.parse_args()
    if a.reuse:
        run(a.reuse, 0, a.rounds, reuse=True)
        db.dispose_all()
        return
    name = f"otel_llm_bench_scale_{uuid.uuid4().hex[:8]}"
    url = a.dsn.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(a.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(url, a.spans, a.rounds)
    finally:
        db.dispose_all()
        if a.keep:
            print(f"kept {url}")
        else:
            with psycopg.connect(a.dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
