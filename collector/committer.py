"""Group commit: many requests' spans written in one transaction, each request answered after it.

Request handlers ``submit`` a ``Job`` (one request's records and where they go) and wait; one
writer thread takes every job waiting, normalises their records (``normalize.to_row``), writes
them with ``writer.insert_rows`` (binary COPY on Postgres; spans already stored are skipped, so
retries never duplicate) and commits once, then completes each job. While the database is
unreachable, jobs are fsynced to the spool instead (still durable, still answered 200) and the
spool is replayed once the database is back, also after a restart. The queue is bounded in spans:
past it ``submit`` raises ``Overloaded`` and the client is told to retry later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otel_llm_server.collector.auth import Principal
from otel_llm_server.collector.spooling import SpoolFull, WorkerSpool
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from otel_llm.pricing import PricingTable
from otel_llm.pricing.custom import table_for as project_pricing
from otel_llm.storage.errors import is_data_error
from otel_llm.storage.normalize import SpanRecord, should_store, to_row
from otel_llm.storage.writer import ensure_project, insert_rows

logger = logging.getLogger(__name__)

_CONFLICT_RETRIES = 3


class Overloaded(Exception):
    """More spans are waiting than the queue may hold: retry later."""


class Unavailable(Exception):
    """The database is unreachable and the spool cannot take more: retry later."""


class Rejected(Exception):
    """The database refused a group (not a connection problem): its requests are retried alone."""


class PartlyStored(Exception):
    """Every span of the request is stored but ``rejected`` ones, which the database refused."""

    def __init__(self, rejected: int, message: str):
        super().__init__(message)
        self.rejected = rejected
        self.message = message


@dataclass
class Job:
    principal: Principal
    records: list[SpanRecord]
    done: Callable[[BaseException | None], None]
    """Called once, from the writer thread: None when durable, else the reason it is not."""


class GroupCommitter:
    def __init__(
        self,
        engine: Engine,
        spool: WorkerSpool | None,
        pricing: PricingTable,
        max_group_spans: int = 20_000,
        max_queued_spans: int = 100_000,
        retry_interval: float = 2.0,
    ):
        self.engine = engine
        self.spool = spool
        self.pricing = pricing
        self.max_group_spans = max_group_spans
        self.max_queued_spans = max_queued_spans
        self.retry_interval = retry_interval
        self._jobs: deque[Job] = deque()
        self._queued_spans = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._down_until = 0.0
        self._next_drain = 0.0
        self.stats = {"committed_spans": 0, "spooled_spans": 0, "refused_spans": 0, "groups": 0}
        self.writing_spans = 0
        self._thread = threading.Thread(target=self._run, name="otel-llm-committer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish every job already submitted, then end the writer thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    @property
    def queued_spans(self) -> int:
        return self._queued_spans

    def submit(self, job: Job) -> None:
        n = len(job.records)
        with self._cond:
            if self._stopping:
                raise Unavailable("the collector is shutting down")
            if self._queued_spans and self._queued_spans + n > self.max_queued_spans:
                raise Overloaded(f"{self._queued_spans} spans are already waiting to be written")
            self._jobs.append(job)
            self._queued_spans += n
            self._cond.notify()

    def _take(self) -> list[Job]:
        with self._cond:
            while not self._jobs and not self._stopping:
                self._cond.wait(timeout=self._idle_wait())
                if not self._jobs and self._spool_due():
                    return []
            group: list[Job] = []
            spans = 0
            while self._jobs and (not group or spans + len(self._jobs[0].records) <= self.max_group_spans):
                job = self._jobs.popleft()
                group.append(job)
                spans += len(job.records)
            self._queued_spans -= spans
            self.writing_spans = spans
            return group

    def _idle_wait(self) -> float:
        return self.retry_interval if self.spool is not None and self.spool.pending() else 3600.0

    def _spool_due(self) -> bool:
        return self.spool is not None and self.spool.pending() and time.monotonic() >= self._next_drain

    def _run(self) -> None:
        if self._spool_due():
            self._drain_spool()
        while True:
            group = self._take()
            if group:
                self._handle(group)
                self.writing_spans = 0
            elif self._stopping:
                return
            if self._spool_due():
                self._drain_spool()

    def _handle(self, group: list[Job]) -> None:
        try:
            outcome: BaseException | None = self._store(group)
        except BaseException as exc:  # never let the writer thread die
            logger.exception("otel-llm collector: unexpected error writing %d requests", len(group))
            outcome = exc
        if isinstance(outcome, Rejected):  # find the spans at fault, store the rest
            for job in group:
                job.done(self._store_alone(job))
            return
        for job in group:
            job.done(outcome)

    def _store(self, group: list[Job]) -> BaseException | None:
        """None once the group is committed or spooled; the error for the clients otherwise."""
        spans = sum(len(j.records) for j in group)
        if time.monotonic() >= self._down_until:
            try:
                self._write([(j.principal, j.records) for j in group])
                self.stats["committed_spans"] += spans
                self.stats["groups"] += 1
                return None
            except Exception as exc:
                if not _unreachable(exc):
                    return Rejected(_short(exc))
                logger.warning("otel-llm collector: database unreachable (%s)", _short(exc))
                self._down_until = time.monotonic() + self.retry_interval
        return self._spool_group(group, spans)

    def _store_alone(self, job: Job) -> BaseException | None:
        """Store one request's spans, one by one if need be; ``PartlyStored`` names the refused."""
        try:
            refused = self._write_each(job.principal, job.records)
        except Exception as exc:
            return Unavailable(_short(exc))
        self.stats["refused_spans"] += len(refused)
        return PartlyStored(len(refused), refused[0][1]) if refused else None

    def _write_each(self, principal: Principal, records: list[SpanRecord]) -> list[tuple[SpanRecord, str]]:
        """Write ``records``, bisecting around spans the database refuses; returns those (with
        why). Raises when the database is unreachable."""
        try:
            self._write([(principal, records)])
            return []
        except Exception as exc:
            if not is_data_error(exc):
                raise
            if len(records) == 1:
                return [(records[0], _short(exc))]
        half = len(records) // 2
        return self._write_each(principal, records[:half]) + self._write_each(principal, records[half:])

    def _spool_group(self, group: list[Job], spans: int) -> BaseException | None:
        if self.spool is None:
            return Unavailable("the database is unreachable")
        try:
            self.spool.put([(j.principal, j.records) for j in group])
        except SpoolFull as exc:
            return Unavailable(str(exc))
        except OSError as exc:
            logger.error("otel-llm collector: spooling failed: %s", exc)
            return Unavailable("the database is unreachable and the spool failed")
        self.stats["spooled_spans"] += spans
        self._next_drain = time.monotonic() + self.retry_interval
        return None

    def _write(self, parts: list[tuple[Principal, list[SpanRecord]]]) -> None:
        """One transaction; retried when Postgres aborts it for a conflict with another writer."""
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                with self.engine.begin() as connection:
                    rows = []
                    for principal, records in parts:
                        project_id = _project_id(connection, principal)
                        pricing = project_pricing(connection, project_id, self.pricing)
                        rows.extend(to_row(r, project_id, pricing) for r in records if should_store(r))
                    insert_rows(connection, rows)  # sorted by primary key there: no deadlocks
                return
            except Exception as exc:
                if attempt == _CONFLICT_RETRIES or not _conflict(exc):
                    raise

    def _replay(self, parts: list[tuple[Principal, list[SpanRecord]]]) -> None:
        """Write spooled spans; those the database refuses go to the spool's dead letters."""
        assert self.spool is not None
        for principal, records in parts:
            refused = self._write_each(principal, records)
            if refused:
                self.stats["refused_spans"] += len(refused)
                self.spool.reject((principal, [r for r, _ in refused]), Rejected(refused[0][1]))

    def _drain_spool(self) -> None:
        assert self.spool is not None
        try:
            batches = self.spool.drain(self._replay)
        except Exception as exc:
            logger.info("otel-llm collector: spool not drained yet (%s)", _short(exc))
            self._next_drain = time.monotonic() + self.retry_interval
            return
        self._down_until = 0.0
        if batches:
            logger.warning("otel-llm collector: database is back; %d spooled batches written", batches)


def _project_id(connection: Connection, principal: Principal) -> int:
    if principal.project_id is not None:
        return principal.project_id
    return ensure_project(connection, principal.project_name)


def _conflict(exc: BaseException) -> bool:
    """Deadlock or serialization failure (SQLSTATE class 40): the transaction may simply be rerun.

    The COPY path talks to psycopg directly, so its errors come unwrapped (not as ``DBAPIError``).
    """
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    return str(getattr(driver_error, "sqlstate", "") or "").startswith("40")


def _unreachable(exc: BaseException) -> bool:
    """The database is away (not the data at fault): the spans can wait in the spool."""
    return not is_data_error(exc)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__


def summary(committer: GroupCommitter) -> dict[str, Any]:
    return {
        **committer.stats,
        "queued_spans": committer.queued_spans,
        "writing_spans": committer.writing_spans,
    }
