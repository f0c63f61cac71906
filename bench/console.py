"""Console response times on a large project, through the real app (Flask test client, no network).

Seeds ``--rows`` chat spans spread over the last 30 days (built by the real normaliser, written by
``writer.insert_rows``) into a scratch Postgres database (created and dropped here) or a SQLite
file, then times each page/API call ``--repeat`` times and prints the median in ms. Ratios are
against the first page of the traces list in the same process — in particular the 50th keyset page
should cost about what the first does (no OFFSET scan).

usage: .venv/bin/python bench/console.py [--db postgres|sqlite] [--rows 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copy_path import make_rows  # noqa: E402
from otel_llm_server.web import create_app  # noqa: E402

from otel_llm.accounts import create_key, create_project  # noqa: E402
from otel_llm.storage import db, migrate, writer  # noqa: E402

PG_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def seed(url: str, rows: int) -> str:
    engine = db.get_engine(url)
    project = create_project(engine, "bench")
    rng = random.Random(7)
    now = datetime.now(UTC)
    for offset in range(0, rows, 5000):
        batch = make_rows(min(5000, rows - offset), project.id, rng)
        for row in batch:
            start = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
            row["start_time"], row["end_time"] = start, start + timedelta(milliseconds=row["duration_ms"])
            row["cost_usd"] = rng.choice([None, rng.uniform(0.0001, 0.02)])
            row["status_code"] = "ERROR" if rng.random() < 0.03 else "OK"
        with engine.begin() as connection:
            writer.insert_rows(connection, batch)
    if db.is_postgres(engine):  # the steady state: autovacuum has analysed the table
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE spans")
    return create_key(engine, "bench", "viewer")[1]


def timed_ms(client, path: str, headers: dict, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
    return statistics.median(samples)


def deep_cursor(client, headers: dict, pages: int) -> str:
    cursor = None
    for _ in range(pages):
        body = client.get("/api/v1/spans?limit=50" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        cursor = body.get_json()["next_cursor"]
    return cursor


def run(url: str, rows: int, repeat: int) -> None:
    migrate.upgrade(url)
    began = time.perf_counter()
    token = seed(url, rows)
    print(f"seeded {rows} spans in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
    client = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    cursor = deep_cursor(client, headers, 50)
    cases = {
        "GET /api/v1/spans (first page)": "/api/v1/spans?limit=50",
        "GET /api/v1/spans (50th page)": f"/api/v1/spans?limit=50&cursor={cursor}",
        "GET /api/v1/spans?model=gpt-4.1": "/api/v1/spans?limit=50&model=gpt-4.1",
        "GET /api/v1/spans?sort=cost": "/api/v1/spans?limit=50&sort=cost",
        "GET /api/v1/spans?text=chat&status=error": "/api/v1/spans?limit=50&text=chat&status=error",
        "GET /api/v1/overview?range=24h": "/api/v1/overview?range=24h",
        "GET /api/v1/overview?range=30d": "/api/v1/overview?range=30d",
    }
    results = {name: timed_ms(client, path, headers, repeat) for name, path in cases.items()}
    baseline = results["GET /api/v1/spans (first page)"]
    for name, ms in results.items():
        print(f"{name:<45} {ms:8.1f} ms   x{ms / baseline:5.2f} of the first page")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dsn", default=PG_DSN)
    a = ap.parse_args()
    if a.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", a.rows, a.repeat)
            db.dispose_all()
        return
    name = f"otel_llm_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(a.dsn, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(a.dsn.rsplit("/", 1)[0] + "/" + name, a.rows, a.repeat)
    finally:
        db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORMAT)'.replace("FORMAT", "FORCE"))
        admin.close()


if __name__ == "__main__":
    main()
