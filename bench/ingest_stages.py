"""Where a collector worker's CPU goes per span, stage by stage, in one process (no HTTP).

The stages of the collector's path for the OTLP requests of ``bench/ingest.py`` (512 GenAI chat
spans each): protobuf decode (``protocol.parse``), conversion to ``SpanRecord``
(``convert.from_otlp``), normalisation to rows (``normalize.to_row``, ``foreign.to_semconv``
included) and binary COPY (``writer.insert_rows``, the write engine's call, 8 requests per
transaction), the last split into this process's CPU (psycopg, JSON encoding) and its Postgres
backend's (read from ``/proc``). Prints CPU µs per span and each stage's share of the total; with
``--profile``, the cProfile top functions of conversion and normalisation.

usage: .venv/bin/python bench/ingest_stages.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
       [--spans 20480] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from ingest import make_bodies, scratch_database  # noqa: E402
from otel_llm_server.collector import protocol  # noqa: E402
from otel_llm_server.collector.convert import from_otlp  # noqa: E402

from otel_llm.accounts import create_project  # noqa: E402
from otel_llm.storage import db, migrate  # noqa: E402
from otel_llm.storage.normalize import should_store, to_row  # noqa: E402
from otel_llm.storage.writer import insert_rows  # noqa: E402

GROUP = 8  # requests per transaction


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin database")
    ap.add_argument("--spans", type=int, default=20_480)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    bodies = make_bodies(a.spans, seed=1)
    with scratch_database(a.dsn) as dsn:
        migrate.upgrade(dsn)
        engine = db.get_engine(dsn)
        project_id = create_project(engine, "bench").id
        clock = time.process_time
        began = clock()
        requests = [protocol.parse(body, protocol.PROTOBUF) for body in bodies]
        decode = clock() - began
        began = clock()
        records = [from_otlp(request).records for request in requests]
        convert = clock() - began
        began = clock()
        rows = [[to_row(r, project_id) for r in batch if should_store(r)] for batch in records]
        normalise = clock() - began
        with engine.connect() as conn:
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.commit()
            server_before, began = backend_cpu(backend), clock()
            for first in range(0, len(rows), GROUP):
                with conn.begin():
                    insert_rows(conn, [row for batch in rows[first : first + GROUP] for row in batch])
            copy_client, copy_server = clock() - began, backend_cpu(backend) - server_before
        db.dispose_all()
    stages = [
        ("decode (protobuf parse)", decode),
        ("convert (from_otlp)", convert),
        ("normalise (to_row)", normalise),
        ("COPY, client (psycopg + JSON)", copy_client),
        ("COPY, Postgres backend", copy_server),
    ]
    total = sum(seconds for _, seconds in stages)
    print(f"load average {os.getloadavg()[0]:.2f}; {a.spans} spans")
    for label, seconds in stages:
        print(f"{label:32s} {1e6 * seconds / a.spans:6.1f} us/span  {100 * seconds / total:5.1f} %")
    print(f"{'total':32s} {1e6 * total / a.spans:6.1f} us/span")
    if a.profile:
        for label, work in (
            ("convert", lambda: [from_otlp(request) for request in requests]),
            ("normalise", lambda: [to_row(r, project_id) for batch in records for r in batch]),
        ):
            profile = cProfile.Profile()
            profile.runcall(work)
            print(f"--- {label}")
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
