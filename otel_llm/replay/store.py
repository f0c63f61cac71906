"""Rows of the ``replays`` and ``replay_runs`` tables: written and read here only."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from otel_llm.storage.schema_replays import replay_runs, replays
from otel_llm.storage.timeutil import as_utc

MAX_LIST = 500


def _row(row) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in ("created_at", "finished_at"):
        if key in data and data[key] is not None:
            data[key] = as_utc(data[key])
    return data


def insert_replay(connection: Connection, **values: Any) -> int:
    """One complete replay row (status, error and summary known); returns its id."""
    values.setdefault("created_at", datetime.now(UTC))
    return int(connection.execute(insert(replays).values(**values).returning(replays.c.id)).scalar_one())


def get_replay(engine: Engine, project_id: int, replay_id: int) -> dict[str, Any] | None:
    stmt = select(replays).where(replays.c.project_id == project_id, replays.c.id == replay_id)
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    return _row(row) if row is not None else None


def list_replays(
    engine: Engine,
    project_id: int,
    *,
    run_id: int | None = None,
    original_span_id: str | None = None,
    singles_only: bool = False,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Replays, newest first; of one run, of one original span, or only those outside batch runs."""
    stmt = select(replays).where(replays.c.project_id == project_id)
    if run_id is not None:
        stmt = stmt.where(replays.c.run_id == run_id)
    if singles_only:
        stmt = stmt.where(replays.c.run_id.is_(None))
    if original_span_id:
        stmt = stmt.where(replays.c.original_span_id == original_span_id.strip().lower())
    stmt = stmt.order_by(replays.c.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    with engine.connect() as connection:
        return [_row(r) for r in connection.execute(stmt)]


def _settled(engine: Engine, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs still ``running`` whose process is gone (it ran on this host and no longer exists: the
    console or CLI was stopped mid-run) are marked ``error``, so they do not look alive forever.
    A run from another host is left as it is: only its own host can tell."""
    host = socket.gethostname()
    for run in runs:
        runner = (run.get("summary") or {}).get("runner") or {}
        pid = runner.get("pid")
        if run["status"] != "running" or runner.get("host") != host or not isinstance(pid, int):
            continue
        if _process_exists(pid):
            continue
        message = (
            f"interrupted: the process running it (pid {pid} on {host}) stopped before it finished; "
            "the replays stored so far are kept, start a new run for the rest."
        )
        finished = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                update(replay_runs)
                .where(replay_runs.c.id == run["id"], replay_runs.c.status == "running")
                .values(status="error", error=message, finished_at=finished)
            )
        run.update(status="error", error=message, finished_at=finished)
    return runs


def _process_exists(pid: int) -> bool:
    if os.name != "posix":  # no harmless probe elsewhere (signal 0 is CTRL_C_EVENT on Windows)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def create_run(
    engine: Engine, project_id: int, selection: dict, overrides: dict, actor: str, trace_id: str | None = None
) -> int:
    values = {
        "trace_id": trace_id,
        "project_id": project_id,
        "selection": selection,
        "overrides": overrides,
        "actor": actor,
        "status": "running",
        "summary": {"runner": {"host": socket.gethostname(), "pid": os.getpid()}},
        "created_at": datetime.now(UTC),
    }
    with engine.begin() as connection:
        return int(
            connection.execute(insert(replay_runs).values(**values).returning(replay_runs.c.id)).scalar_one()
        )


def finish_run(
    engine: Engine, run_id: int, status: str, stats: dict[str, Any], error: str | None = None
) -> None:
    """Store a run's outcome: the promoted figures and the whole summary."""
    columns = (
        "count",
        "error_count",
        "changed_share",
        "mean_similarity",
        "input_tokens_delta",
        "output_tokens_delta",
        "cost_delta_usd",
        "latency_delta_ms",
    )
    values = {name: stats.get(name) for name in columns}
    values.update(status=status, summary=stats, error=error, finished_at=datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(update(replay_runs).where(replay_runs.c.id == run_id).values(**values))


def get_run(engine: Engine, project_id: int, run_id: int) -> dict[str, Any] | None:
    stmt = select(replay_runs).where(replay_runs.c.project_id == project_id, replay_runs.c.id == run_id)
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    return _settled(engine, [_row(row)])[0] if row is not None else None


def list_runs(
    engine: Engine, project_id: int, limit: int = 50, trace_id: str | None = None
) -> list[dict[str, Any]]:
    """Newest first; ``trace_id`` keeps the runs that replayed that trace."""
    terms = [replay_runs.c.project_id == project_id]
    if trace_id:
        terms.append(replay_runs.c.trace_id == trace_id.strip().lower())
    stmt = (
        select(replay_runs)
        .where(*terms)
        .order_by(replay_runs.c.id.desc())
        .limit(max(1, min(limit, MAX_LIST)))
    )
    with engine.connect() as connection:
        rows = [_row(r) for r in connection.execute(stmt)]
    return _settled(engine, rows)
