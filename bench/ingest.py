"""Collector ingest, end to end, next to the machine's ceiling measured in the same run.

1. Builds standard OTLP/HTTP protobuf requests of GenAI chat spans (~1 KB of captured content
   each, every span its own trace; the shape of ``shared/bench/otlp_load.py``), 512 spans each
   (the SDK ``BatchSpanProcessor`` batch).
2. ``ceiling``: psycopg binary COPY of the very rows the collector stores for those spans (built
   by the same normalisation) into the same ``spans`` table, one transaction per ``--group``.
3. ``collector``: starts ``otel-llm collector`` (``python -m otel_llm_server.collector``, API-key auth on) and
   drives it from ``--clients`` processes × ``--threads`` keep-alive connections as fast as it
   answers (503s retried); spans/s from the first request until every span is counted in
   Postgres (each 200 is only sent after commit anyway).
4. ``latency``: the same load paced at half the measured peak rate; p50/p99 request latency.

Besides wall-clock rates, it reports CPU per span read from ``/proc`` (collector processes plus
their Postgres backends, against the ceiling's client plus backend): on a shared machine the
wall-clock ratio moves with other tenants' load, the CPU ratio much less.

Ceiling and collector runs alternate over ``--rounds`` (medians reported), in a scratch database
created and dropped here.

usage: .venv/bin/python bench/ingest.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 40000] [--workers 2] [--clients 4] [--threads 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from psycopg.types.json import set_json_dumps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from otel_llm_server.collector.convert import from_otlp  # noqa: E402

from otel_llm.accounts import create_key, create_project  # noqa: E402
from otel_llm.storage import db, jsoncodec, migrate, pg_copy  # noqa: E402
from otel_llm.storage.normalize import to_row  # noqa: E402
from otel_llm.storage.schema import SPAN_COLUMNS  # noqa: E402

MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5")]
WORDS = "the quick brown fox jumps over a lazy dog while support agents answer refund questions".split()
BATCH = 512


def _kv(key: str, value) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_span(rng: random.Random, i: int, t0: int) -> Span:
    provider, model = rng.choice(MODELS)
    message = [{"role": "user", "parts": [{"type": "text", "content": _text(rng, 60)}]}]
    answer = [
        {"role": "assistant", "parts": [{"type": "text", "content": _text(rng, 80)}], "finish_reason": "stop"}
    ]
    attrs = [
        _kv("gen_ai.operation.name", "chat"),
        _kv("gen_ai.provider.name", provider),
        _kv("gen_ai.request.model", model),
        _kv("gen_ai.response.model", model),
        _kv("gen_ai.request.temperature", 0.7),
        _kv("gen_ai.request.max_tokens", 512),
        _kv("gen_ai.usage.input_tokens", rng.randint(50, 900)),
        _kv("gen_ai.usage.output_tokens", rng.randint(20, 400)),
        _kv("gen_ai.response.finish_reasons", "stop"),
        _kv(
            "gen_ai.system_instructions",
            json.dumps([{"type": "text", "content": "Be helpful. " + _text(rng, 30)}]),
        ),
        _kv("gen_ai.input.messages", json.dumps(message)),
        _kv("gen_ai.output.messages", json.dumps(answer)),
    ]
    start = t0 + i * 1000
    return Span(
        trace_id=rng.randbytes(16),
        span_id=rng.randbytes(8),
        name=f"chat {model}",
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=start,
        end_time_unix_nano=start + rng.randint(200, 3000) * 1_000_000,
        attributes=attrs,
        status=Status(code=Status.STATUS_CODE_OK),
    )


def make_bodies(spans: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    t0 = time.time_ns()
    bodies = []
    for first in range(0, spans, BATCH):
        batch = [make_span(rng, i, t0) for i in range(first, min(spans, first + BATCH))]
        request = ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=Resource(attributes=[_kv("service.name", "bench-app")]),
                    scope_spans=[ScopeSpans(scope=InstrumentationScope(name="bench"), spans=batch)],
                )
            ]
        )
        bodies.append(request.SerializeToString())
    return bodies


# --- ceiling --------------------------------------------------------------------------------


def ceiling_rows(bodies: list[bytes], project_id: int) -> list[list]:
    """The rows the collector stores for ``bodies``, as COPY tuples (JSON dumped during COPY)."""
    rows = []
    for body in bodies:
        for record in from_otlp(ExportTraceServiceRequest.FromString(body)).records:
            row = to_row(record, project_id)
            rows.append([row[c] for c in SPAN_COLUMNS])
    return rows


def ceiling(dsn: str, rows: list[list], group: int) -> tuple[float, float]:
    """Rows/s of psycopg binary COPY straight into ``spans``, ``group`` rows per transaction, and
    the CPU seconds per row it cost (this process + its Postgres backend)."""
    with psycopg.connect(dsn) as conn:
        conn.execute("TRUNCATE spans")
        conn.commit()
        set_json_dumps(jsoncodec.dumps_bytes, conn)  # as the write path does
        backend = conn.info.backend_pid
        cpu_before = time.process_time() + cpu_seconds([backend])
        began = time.perf_counter()
        for first in range(0, len(rows), group):
            with conn.cursor() as cursor:
                with cursor.copy(
                    f"COPY spans ({', '.join(SPAN_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(pg_copy.copy_types())
                    for row in rows[first : first + group]:
                        copy.write_row(row)
            conn.commit()
        rate = len(rows) / (time.perf_counter() - began)
        cpu = time.process_time() + cpu_seconds([backend]) - cpu_before
        conn.execute("TRUNCATE spans")
        conn.commit()
    return rate, cpu / len(rows)


# --- CPU accounting (Linux /proc; Postgres on this machine) ----------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def collector_pids(pid: int) -> list[int]:
    """The collector process and its worker processes."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *map(int, children)]


def cpu_snapshot(collector_pid: int, monitor: psycopg.Connection) -> dict[int, float]:
    """CPU seconds so far of the collector's processes and of the database's other backends."""
    backends = [
        r[0]
        for r in monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    ]
    return {pid: cpu_seconds([pid]) for pid in collector_pids(collector_pid) + backends}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# --- load -----------------------------------------------------------------------------------


def _client(
    port: int, token: str, bodies: list[bytes], threads: int, pace: tuple[float, int, int], start, out
):
    """One client process: ``threads`` keep-alive connections, each sending its share of bodies.

    ``pace`` = (interval, this client's index, number of clients): with interval > 0 each
    connection sends one request per interval (open loop), all connections staggered so that
    requests arrive evenly spread rather than in bursts.
    """
    headers = {"Content-Type": "application/x-protobuf", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    interval, index, clients = pace

    def run(share: list[bytes], lag: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        # As OTLP exporters do (urllib3 sets it): no Nagle delay on the body's last segment.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        began = time.perf_counter() + lag
        for k, body in enumerate(share):
            if interval:
                time.sleep(max(0.0, began + k * interval - time.perf_counter()))
            while True:
                sent = time.perf_counter()
                conn.request("POST", "/v1/traces", body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                with lock:
                    statuses[answer.status] = statuses.get(answer.status, 0) + 1
                if answer.status == 200:
                    with lock:
                        latencies.append(time.perf_counter() - sent)
                    break
                if answer.status not in (429, 503):
                    raise SystemExit(f"collector answered {answer.status}")
                time.sleep(float(answer.getheader("Retry-After") or 1) / 10)
        conn.close()

    shares = [bodies[i::threads] for i in range(threads)]
    start.wait()
    lags = [(t * clients + index) * interval / (clients * threads) for t in range(threads)]
    workers = [threading.Thread(target=run, args=(s, lag)) for s, lag in zip(shares, lags, strict=True)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, statuses))


def drive(
    port: int, token: str, dsn: str, bodies: list[bytes], spans: int, clients: int, threads: int, rate=0.0
):
    """Send every body; returns (spans/s until all are counted in Postgres, latencies, statuses)."""
    context = multiprocessing.get_context("fork")
    start, out = context.Event(), context.Queue()
    connections = clients * threads
    interval = connections * BATCH / rate if rate else 0.0
    procs = [
        context.Process(
            target=_client,
            args=(port, token, bodies[i::clients], threads, (interval, i, clients), start, out),
        )
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    with psycopg.connect(dsn, autocommit=True) as conn:
        base = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
        began = time.perf_counter()
        start.set()
        results = [out.get() for _ in procs]
        while conn.execute("SELECT count(*) FROM spans").fetchone()[0] - base < spans:
            time.sleep(0.01)
        elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    latencies = [x for lat, _ in results for x in lat]
    statuses: dict[int, int] = {}
    for _, st in results:
        for code, n in st.items():
            statuses[code] = statuses.get(code, 0) + n
    return spans / elapsed, latencies, statuses


@contextmanager
def collector(dsn: str, workers: int):
    command = [
        sys.executable,
        "-m",
        "collector",
        "--port",
        "0",
        "--database-url",
        dsn,
        "--workers",
        str(workers),
        "--spool-dir",
        tempfile.mkdtemp(prefix="otel-llm-bench-spool-"),
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if "listening on " not in line:
            raise SystemExit(f"collector did not start: {line!r}")
        yield int(line.split("listening on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]), process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)


# --- main -----------------------------------------------------------------------------------


@contextmanager
def scratch_database(admin_dsn: str):
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(admin_dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_dsn.rsplit("/", 1)[0] + "/" + name
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin database")
    ap.add_argument("--spans", type=int, default=40_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--group", type=int, default=10_000, help="rows per COPY transaction in the ceiling")
    ap.add_argument("--latency-seconds", type=float, default=20, help="length of the half-peak run")
    a = ap.parse_args()

    with scratch_database(a.dsn) as dsn:
        migrate.upgrade(dsn)
        engine = db.get_engine(dsn)
        project = create_project(engine, "bench")
        _, token = create_key(engine, "bench", "editor")
        db.dispose_all()
        ceilings, peaks, statuses = [], [], {}
        ceiling_cpu, collector_cpu = [], []
        with collector(dsn, a.workers) as (port, pid), psycopg.connect(dsn, autocommit=True) as monitor:
            for r in range(a.rounds):
                bodies = make_bodies(a.spans, seed=r)
                rate, cpu = ceiling(dsn, ceiling_rows(bodies, project.id), a.group)
                ceilings.append(rate)
                ceiling_cpu.append(cpu)
                load = make_bodies(a.spans, seed=1000 + r)
                before = cpu_snapshot(pid, monitor)
                rate, _, st = drive(port, token, dsn, load, a.spans, a.clients, a.threads)
                collector_cpu.append(cpu_used(before, cpu_snapshot(pid, monitor)) / a.spans)
                peaks.append(rate)
                for code, n in st.items():
                    statuses[code] = statuses.get(code, 0) + n
                print(
                    f"round {r + 1}: ceiling {ceilings[-1]:.0f} rows/s ({1e6 * ceiling_cpu[-1]:.0f} us CPU/row), "
                    f"collector {rate:.0f} spans/s ({1e6 * collector_cpu[-1]:.0f} us CPU/span)",
                    file=sys.stderr,
                )
            peak, top = statistics.median(peaks), statistics.median(ceilings)
            half = peak / 2
            paced_spans = max(BATCH * a.clients * a.threads, int(half * a.latency_seconds) // BATCH * BATCH)
            load = make_bodies(paced_spans, seed=99)
            paced, latencies, _ = drive(port, token, dsn, load, paced_spans, a.clients, a.threads, half)
    report = {
        "spans": a.spans,
        "workers": a.workers,
        "clients": f"{a.clients} processes x {a.threads} connections",
        "collector_spans_per_s": round(peak),
        "copy_ceiling_rows_per_s": round(top),
        "ratio": round(peak / top, 3),
        "rounds": {
            "collector": [round(x) for x in peaks],
            "ceiling": [round(x) for x in ceilings],
            "ratio": [round(p / c, 3) for p, c in zip(peaks, ceilings, strict=True)],
        },
        "cpu_us": {
            "ceiling_per_row": round(1e6 * statistics.median(ceiling_cpu), 1),
            "collector_and_postgres_per_span": round(1e6 * statistics.median(collector_cpu), 1),
            "ratio": round(statistics.median(ceiling_cpu) / statistics.median(collector_cpu), 3),
        },
        "statuses": statuses,
        "half_peak": {
            "target_spans_per_s": round(half),
            "achieved_spans_per_s": round(paced),
            "requests": len(latencies),
            "p50_ms": round(1000 * _percentile(latencies, 0.50), 1),
            "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
        },
        "load_avg": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
