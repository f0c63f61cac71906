"""What ``otel_llm.get_prompt`` costs the app per call, against reading the registry every time.

- ``resolve``: ``versions.resolve`` straight from the database (what every call would pay without a cache),
- ``cached``: ``get_prompt`` with a fresh cache entry (the common case),
- ``stale``: ``get_prompt`` with ``cache_ttl=0`` (the cached prompt served while a background refresh
  runs — the app never waits for the database),

on a scratch SQLite file (default) or ``--url postgresql://…`` (a scratch database is created and
dropped). Prints microseconds per call (median of ``--rounds``) and ratios to ``resolve``.

usage: .venv/bin/python bench/prompt_fetch.py [--url URL] [--calls 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid

import psycopg

import otel_llm
from otel_llm.prompts import catalog, client, labels, versions
from otel_llm.prompts.names import PromptRef
from otel_llm.storage import db, migrate


def per_call_us(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def scratch_postgres(admin_url: str) -> tuple[str, str]:
    name = f"bench_prompts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def run(url: str, calls: int, rounds: int) -> None:
    migrate.upgrade(url)
    engine = db.get_engine(url)
    pid = catalog.project_id(engine, "default", create=True)
    versions.create_version(engine, pid, "support", "You help {{customer}}. " * 40)
    labels.publish(engine, pid, "support", 1)
    ref = PromptRef("support", label="production")
    methods = {
        "resolve": lambda: versions.resolve(engine, pid, ref, strict_label=True),
        "cached": lambda: otel_llm.get_prompt("support", database_url=url),
        "stale": lambda: otel_llm.get_prompt("support", database_url=url, cache_ttl=0),
    }
    results: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(rounds):
        for name, fn in methods.items():
            client.clear_cache()
            fn()  # warm: the first call fetches synchronously
            results[name].append(per_call_us(fn, calls if name != "resolve" else max(calls // 10, 50)))
            client._cache.wait_idle()
    baseline = statistics.median(results["resolve"])
    print(f"database: {engine.dialect.name}, {calls} calls x {rounds} rounds")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"  {name:8} {median:10.1f} µs/call   x{baseline / median:8.1f} faster than resolve")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="postgresql://… admin URL (a scratch database is made); default SQLite")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.url:
        url, name = scratch_postgres(args.url)
        try:
            run(url, args.calls, args.rounds)
        finally:
            db.dispose_all()
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.calls, args.rounds)


if __name__ == "__main__":
    main()
