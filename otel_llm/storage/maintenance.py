"""The maintenance step: partitions ahead, partitions past every retention dropped, and the batched
delete of each project's spans past its retention.

Run by ``otel-llm db maintain`` and, every ``--maintain-every`` seconds, by ``otel-llm worker``. It is
safe to run from several processes at once: partition DDL waits at most ``LOCK_TIMEOUT`` for its
lock (else it is left to the next run), and the deletes only remove what is already past retention.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from otel_llm.storage import citus, partitions, retention
from otel_llm.storage.timeutil import now_utc

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = "5s"  # partition DDL locks ``spans`` briefly; never queue writers behind a long read


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    purged: list[retention.Purged] = field(default_factory=list)


def maintain(
    engine: Engine,
    now: datetime | None = None,
    batch_size: int = retention.DELETE_BATCH_SIZE,
    progress: Callable[[retention.Purged], None] | None = None,
) -> Report:
    """One maintenance pass over the database; returns what it did."""
    now = now or now_utc()
    report = Report()
    with engine.connect() as connection:
        partitioned = partitions.is_partitioned(connection)
    if partitioned:
        report.created = _ddl(engine, lambda c: partitions.ensure_ahead(c, now))
        keep = retention.longest_retention(retention.policies(engine))
        if keep is not None:
            cutoff = retention.cutoff_of(keep, now)
            report.dropped = _ddl(engine, lambda c: partitions.drop_before(c, cutoff))
    report.purged = retention.delete_expired(engine, now, batch_size, progress)
    return report


def _ddl(engine: Engine, step: Callable[[Connection], list[str]]) -> list[str]:
    """Run partition DDL in its own transaction; a lock not had within ``LOCK_TIMEOUT`` skips it."""
    try:
        with engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            if citus.citus_installed(connection):  # one connection per node, else a distributed deadlock
                connection.execute(text("SET LOCAL citus.multi_shard_modify_mode TO sequential"))
            return step(connection)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        logger.warning("otel-llm: spans is busy; partition maintenance is left to the next run")
        return []
