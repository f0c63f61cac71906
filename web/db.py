"""The console's database handles: the primary engine for ``app.config["DATABASE_URL"]`` and, when
``READ_DATABASE_URL`` (``OTEL_LLM_READ_DATABASE_URL``) names a Postgres streaming replica, a read
engine for pages that only read.

Views call ``engine()`` for anything that writes or must see the latest state, and ``read_engine()``
for list, overview and detail reads. Reads right after a write go to the primary: after every write
request the primary's WAL position (LSN) is kept, in the process and in the user's session cookie,
and ``read_engine()`` answers with the replica only once the replica has replayed that position
(one ``pg_last_wal_replay_lsn()`` query per read request). An unreachable replica sends reads to the
primary for ``RETRY_SECONDS``, with a warning in the log.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, g, request, session
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from otel_llm.masking import short_error
from otel_llm.storage.db import get_engine, is_postgres

logger = logging.getLogger(__name__)

READ_METHODS = ("GET", "HEAD", "OPTIONS")
SESSION_KEY = "write_lsn"
RETRY_SECONDS = 30  # after a failed replica check, reads stay on the primary this long


class _Replica:
    """The read engine and the newest primary position this process wrote and the replica has not yet
    been seen to replay."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pending_lsn: str | None = None
        self.lock = threading.Lock()
        self.down_until = 0.0

    def wrote(self, lsn: str) -> None:
        with self.lock:
            self.pending_lsn = lsn

    def caught_up(self, lsn: str | None) -> bool:
        """Whether the replica has replayed ``lsn`` and this process's own last write."""
        with self.lock:
            pending = self.pending_lsn
        needed = [value for value in (lsn, pending) if value]
        checks = " AND ".join(
            f"pg_last_wal_replay_lsn() >= CAST(:l{i} AS pg_lsn)" for i in range(len(needed))
        )
        checks = checks or "true"  # still one round trip: a replica that went away is found here
        with self.engine.connect() as conn:
            replayed = bool(
                conn.execute(text(f"SELECT {checks}"), {f"l{i}": v for i, v in enumerate(needed)}).scalar()
            )
        if replayed and pending:
            with self.lock:
                if self.pending_lsn == pending:
                    self.pending_lsn = None
        return replayed


def init_app(app: Flask) -> None:
    """Resolve the engines once at start-up so a bad URL fails loudly before the first request."""
    app.extensions["otel_llm_engine"] = get_engine(app.config["DATABASE_URL"])
    read_url = app.config.get("READ_DATABASE_URL")
    if not read_url:
        return
    if not (is_postgres(read_url) and is_postgres(app.config["DATABASE_URL"])):
        raise ValueError("OTEL_LLM_READ_DATABASE_URL needs a Postgres store and a Postgres replica")
    app.extensions["otel_llm_replica"] = _Replica(get_engine(read_url))
    app.after_request(_remember_write)


def engine() -> Engine:
    return current_app.extensions["otel_llm_engine"]


def read_engine() -> Engine:
    """The replica when one is configured and has replayed this user's and this process's last write;
    else the primary. Decided once per request."""
    replica: _Replica | None = current_app.extensions.get("otel_llm_replica")
    if replica is None or request.method not in READ_METHODS:
        return engine()
    chosen = g.get("otel_llm_read_engine")
    if chosen is None:
        chosen = replica.engine if _replica_ready(replica) else engine()
        g.otel_llm_read_engine = chosen
    return chosen


def _replica_ready(replica: _Replica) -> bool:
    if time.monotonic() < replica.down_until:
        return False
    try:
        return replica.caught_up(session.get(SESSION_KEY))
    except SQLAlchemyError as exc:
        replica.down_until = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "read replica unavailable, reading from the primary for %d s: %s", RETRY_SECONDS, short_error(exc)
        )
        return False


def _remember_write(response):
    """After a successful write, the primary's WAL position: later reads wait for the replica to reach it."""
    if request.method in READ_METHODS or response.status_code >= 400:
        return response
    try:
        with engine().connect() as conn:
            lsn = str(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar())
    except SQLAlchemyError as exc:
        logger.warning("could not read the primary's WAL position: %s", type(exc).__name__)
        return response
    current_app.extensions["otel_llm_replica"].wrote(lsn)
    if session.get("user_id") is not None:  # a signed-in browser: its next page may hit another process
        session[SESSION_KEY] = lsn
    return response
