"""Trace list and trace view response times, through the real app (Flask test client, no network).

Seeds ``--rows`` spans as agent traces of 8 spans (an agent span, 4 LLM calls, 2 tools, a
retrieval) spread over 30 days, plus one trace of ``--big`` spans (an agent with 20 steps, each
with its LLM calls and tools), into a scratch Postgres database (created and dropped here) or a
SQLite file; then times each page and API call ``--repeat`` times and prints the median in ms, with
the ratio to the first page of ``/api/v1/spans`` (the LLM calls list) in the same process, and the
machine's load (``uptime``): other processes share the CPU.

usage: .venv/bin/python bench/trace_view.py [--db postgres|sqlite] [--rows 100000] [--big 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otel_llm_server.web import create_app  # noqa: E402

from otel_llm import attributes as attrs  # noqa: E402
from otel_llm.accounts import create_key, create_project  # noqa: E402
from otel_llm.storage import db, migrate, writer  # noqa: E402
from otel_llm.storage.normalize import SpanRecord, to_row  # noqa: E402
from tests.web_helpers import signed_in_client  # noqa: E402

PG_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
MS = 1_000_000
DAY_NS = 86400 * 10**9


def _span(rng, trace_id, parent, name, start, duration_ms, attributes) -> SpanRecord:
    return SpanRecord(
        trace_id=trace_id,
        span_id=rng.randbytes(8).hex(),
        parent_span_id=parent,
        name=name,
        start_ns=start,
        end_ns=start + int(duration_ms * MS),
        status_code="ERROR" if rng.random() < 0.01 else "UNSET",
        attributes=attributes,
    )


def _llm(rng) -> dict:
    return {
        attrs.GEN_AI_OPERATION_NAME: "chat",
        attrs.GEN_AI_PROVIDER_NAME: "openai",
        attrs.GEN_AI_REQUEST_MODEL: rng.choice(["gpt-4o-mini", "gpt-4.1", "gpt-4.1"]),
        attrs.GEN_AI_USAGE_INPUT_TOKENS: rng.randint(50, 900),
        attrs.GEN_AI_USAGE_OUTPUT_TOKENS: rng.randint(20, 400),
        attrs.GEN_AI_INPUT_MESSAGES: '[{"role": "user", "parts": [{"type": "text", "content": "plan the trip"}]}]',
    }


def _tool(name: str) -> dict:
    return {
        attrs.GEN_AI_OPERATION_NAME: "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.arguments": '{"city": "Lisbon"}',
        "gen_ai.tool.call.result": "21C",
    }


def agent_trace(rng, start: int, steps: int, calls_per_step: int) -> list[SpanRecord]:
    """An agent span; ``steps`` step spans under it (when > 1), each with LLM calls and tools."""
    trace_id = rng.randbytes(16).hex()
    agent = _span(
        rng,
        trace_id,
        None,
        "invoke_agent planner",
        start,
        10 + steps * calls_per_step * 12,
        {attrs.GEN_AI_OPERATION_NAME: "invoke_agent"},
    )
    out = [agent]
    at = start + MS
    for step in range(steps):
        parent = agent.span_id
        if steps > 1:
            holder = _span(rng, trace_id, agent.span_id, f"step {step}", at, calls_per_step * 12, {})
            out.append(holder)
            parent = holder.span_id
        for call in range(calls_per_step):
            if call % 3 == 2:
                out.append(_span(rng, trace_id, parent, "execute_tool search", at, 5, _tool("search")))
            elif call == 0 and step == 0:
                out.append(_span(rng, trace_id, parent, "retrieve docs", at, 5, {"input.value": "trip"}))
            else:
                out.append(_span(rng, trace_id, parent, "chat gpt-4o-mini", at, 10, _llm(rng)))
            at += 12 * MS
    return out


def seed(url: str, rows: int, big: int) -> tuple[str, str]:
    engine = db.get_engine(url)
    project = create_project(engine, "bench")
    rng = random.Random(7)
    now = time.time_ns()
    batch: list[dict] = []
    for _ in range(rows // 8):
        start = now - int(rng.uniform(0, 30) * DAY_NS)
        batch += [to_row(r, project.id) for r in agent_trace(rng, start, 1, 7)]
        if len(batch) >= 5000:
            with engine.begin() as connection:
                writer.insert_rows(connection, batch)
            batch = []
    records = agent_trace(rng, now - DAY_NS, 20, max(1, (big - 21) // 20))
    batch += [to_row(r, project.id) for r in records]
    with engine.begin() as connection:
        writer.insert_rows(connection, batch)
    if db.is_postgres(engine):  # the steady state: autovacuum has analysed the table
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE spans")
    tool = next(r for r in records if r.name.startswith("execute_tool"))
    return records[0].trace_id, tool.span_id


def timed_ms(client, path: str, headers: dict, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (the app's own work: on a loaded
    machine the wall time mostly measures waiting for a core; Postgres' work is not in it)."""
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
    return statistics.median(wall), statistics.median(cpu)


def run(url: str, rows: int, big: int, repeat: int) -> None:
    migrate.upgrade(url)
    began = time.perf_counter()
    trace_id, tool_id = seed(url, rows, big)
    print(
        f"seeded {rows} spans + a {big}-span trace in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})"
    )
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    api = app.test_client()
    key = {"Authorization": f"Bearer {create_key(db.get_engine(url), 'bench', 'viewer')[1]}"}
    console = signed_in_client(app, url, "bench@example.com", "viewer", project="bench")
    cursor, pages = None, 0
    while pages < 50:  # the 50th page, or the last one of a smaller seed
        body = api.get("/api/v1/traces?limit=50" + (f"&cursor={cursor}" if cursor else ""), headers=key)
        following = body.get_json()["next_cursor"]
        if following is None:
            break
        cursor, pages = following, pages + 1
    api_cases = {
        "GET /api/v1/spans (first page, baseline)": "/api/v1/spans?limit=50",
        "GET /api/v1/traces (first page)": "/api/v1/traces?limit=50",
        f"GET /api/v1/traces (page {pages + 1})": f"/api/v1/traces?limit=50&cursor={cursor}",
        "GET /api/v1/traces?model=gpt-4.1": "/api/v1/traces?limit=50&model=gpt-4.1",
        "GET /api/v1/traces?status=error": "/api/v1/traces?limit=50&status=error",
        f"GET /api/v1/traces/<{big}-span>/tree": f"/api/v1/traces/{trace_id}/tree",
    }
    page_cases = {
        "GET /traces (HTML list)": "/traces",
        f"GET /traces/trace/<{big}-span> (HTML view)": f"/traces/trace/{trace_id}",
        f"GET /traces/trace/<{big}-span>/panel/<tool>": f"/traces/trace/{trace_id}/panel/{tool_id}",
    }
    results = {name: timed_ms(api, path, key, repeat) for name, path in api_cases.items()}
    results |= {name: timed_ms(console, path, {}, repeat) for name, path in page_cases.items()}
    baseline = results["GET /api/v1/spans (first page, baseline)"][0]
    for name, (ms, cpu) in results.items():
        print(
            f"{name:<48} {ms:8.1f} ms (app CPU {cpu:6.1f} ms)   x{ms / baseline:5.2f} of the LLM calls list"
        )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dsn", default=PG_DSN)
    a = ap.parse_args()
    if a.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", a.rows, a.big, a.repeat)
            db.dispose_all()
        return
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(a.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(a.dsn.rsplit("/", 1)[0] + "/" + name, a.rows, a.big, a.repeat)
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
