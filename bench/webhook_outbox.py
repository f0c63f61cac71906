"""What webhooks add to a label move, and how fast the sender drains the outbox.

- ``no webhooks``: ``labels.set_label`` alternating a label between two versions (the baseline),
- ``3 webhooks``: the same with three webhooks registered (one unreachable): the move also writes
  three outbox rows in its transaction and never contacts a receiver,
- ``sender``: deliveries per second of ``sender.deliver_due`` to a loopback receiver.

On a scratch SQLite file (default) or ``--url postgresql://…`` (a scratch database is made and
dropped). Prints milliseconds per move (median of ``--rounds``) with the ratio to the baseline.

usage: .venv/bin/python bench/webhook_outbox.py [--url URL] [--moves 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otel_llm import settings  # noqa: E402
from otel_llm.prompts import catalog, labels, versions  # noqa: E402
from otel_llm.storage import db, migrate  # noqa: E402
from otel_llm.webhooks import sender, service  # noqa: E402
from tests import webhook_receiver  # noqa: E402


def per_move_ms(engine, pid: int, name: str, moves: int) -> float:
    start = time.perf_counter()
    for i in range(moves):
        labels.set_label(engine, pid, name, 1 + i % 2, "staging")
    return (time.perf_counter() - start) / moves * 1e3


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(url: str, moves: int, rounds: int) -> None:
    os.environ[settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE] = "true"
    migrate.upgrade(url)
    engine = db.get_engine(url)
    bare = catalog.project_id(engine, "bare", create=True)
    hooked = catalog.project_id(engine, "hooked", create=True)
    receiver, server = webhook_receiver.start()
    for pid in (bare, hooked):
        versions.create_version(engine, pid, "p", "one")
        versions.create_version(engine, pid, "p", "two")
    unreachable = f"http://127.0.0.1:{closed_port()}/hook"
    for target in (receiver.url, receiver.url, unreachable):
        service.create_webhook(engine, hooked, target, ["prompt.label_moved"])
    results: dict[str, list[float]] = {"no webhooks": [], "3 webhooks": []}
    for _ in range(rounds):
        results["no webhooks"].append(per_move_ms(engine, bare, "p", moves))
        results["3 webhooks"].append(per_move_ms(engine, hooked, "p", moves))
    baseline = statistics.median(results["no webhooks"])
    print(
        f"database: {engine.dialect.name}, {moves} moves x {rounds} rounds (machine shared with other jobs)"
    )
    for name, values in results.items():
        median = statistics.median(values)
        print(f"  {name:12} {median:8.2f} ms/move   x{median / baseline:5.2f} of the baseline")
    start = time.perf_counter()
    delivered = sender.deliver_due(engine, timeout=1.0, limit=10**6).delivered
    elapsed = time.perf_counter() - start
    server.shutdown()
    print(
        f"  sender       {delivered / elapsed:8.0f} deliveries/s to a loopback receiver ({delivered} in {elapsed:.2f} s)"
    )


def scratch_postgres(admin_url: str) -> tuple[str, str]:
    name = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="postgresql://… admin URL (a scratch database is made); default SQLite")
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.url:
        url, name = scratch_postgres(args.url)
        try:
            run(url, args.moves, args.rounds)
        finally:
            db.dispose_all()
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.moves, args.rounds)


if __name__ == "__main__":
    main()
