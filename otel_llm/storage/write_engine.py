"""The one engine that writes span batches, used by the in-app exporter and the collector.

Callers ``submit`` a ``Job`` (a target project, its records and a ``done`` callback); one writer
thread takes every job waiting, normalises their records (``normalize.to_row``), writes them with
``writer.insert_rows`` (binary COPY on Postgres; spans already stored are skipped, so retries never
duplicate) and commits once, then calls each job's ``done``:

- **The data is bad** (``errors.is_data_error``): each job of the group is written alone, bisected
  until the refused spans are alone; ``done`` gets ``PartlyStored`` naming them (and, with
  ``dead_letter_refused``, they are kept in the spool's ``dead/``).
- **The database is away**: the group is fsynced to the spool (``storage.spool``) and ``done``
  gets None: durable. For a backoff period (doubling from ``retry[0]`` to ``retry[1]``) later groups
  go straight to the spool, so nobody waits on a database known to be down; the writer retries the
  spool on that schedule, and the first write that succeeds drains the spool.
- ``flush(deadline)`` and ``stop(timeout)`` try the database once more whatever the backoff, and
  drain the spool until the deadline; what is not written by then stays spooled for the next run.

Past ``max_queued_spans`` waiting, ``submit`` raises ``Overloaded``. The writer's own database
calls run with instrumentation suppressed, so they are never traced; it is a daemon thread, so it
never keeps a process alive, and a forked child starts its own on first use.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from otel_llm.masking import short_error
from otel_llm.pricing import PricingTable
from otel_llm.pricing.custom import table_for as project_pricing
from otel_llm.storage import dedup
from otel_llm.storage.errors import is_data_error, is_schema_missing
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.storage.spool import Part, SpanSpool, SpoolFull
from otel_llm.storage.writer import ensure_project, insert_rows

logger = logging.getLogger(__name__)

_CONFLICT_RETRIES = 3


class Overloaded(Exception):
    """More spans are waiting than the queue may hold: retry later."""


class Unavailable(Exception):
    """The database is unreachable and the spool cannot take more: retry later."""


class Rejected(Exception):
    """The database refused a group (not a connection problem): its jobs are retried alone."""


class PartlyStored(Exception):
    """Every span of the job is stored but ``rejected`` ones, which the database refused."""

    def __init__(self, rejected: int, message: str):
        super().__init__(message)
        self.rejected = rejected
        self.message = message


@dataclass(eq=False)
class Job:
    target: Any
    """``spool.Target`` or anything with ``project_name`` and ``project_id`` (a collector principal)."""
    records: list[SpanRecord]
    done: Callable[[BaseException | None], None]
    """Called once, from the writer thread: None when durable, else the reason it is not."""


class Backoff:
    def __init__(self, first: float, most: float):
        self.first, self.most = first, most
        self.delay = first

    def failed(self) -> float:
        """The wait before the next try; doubles up to ``most``."""
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay

    def reset(self) -> None:
        self.delay = self.first


class WriteEngine:
    def __init__(
        self,
        engine: Engine,
        spool: SpanSpool | None,
        pricing: PricingTable,
        max_group_spans: int = 20_000,
        max_queued_spans: int = 100_000,
        retry: tuple[float, float] = (1.0, 30.0),
        dead_letter_refused: bool = False,
        thread_name: str = "otel-llm-writer",
        log_prefix: str = "otel-llm",
    ):
        self.engine = engine
        self.spool = spool
        self.pricing = pricing
        self.max_group_spans = max_group_spans
        self.max_queued_spans = max_queued_spans
        self.backoff = Backoff(*retry)
        self.dead_letter_refused = dead_letter_refused
        self.thread_name = thread_name
        self.log_prefix = log_prefix
        self.stats = {"committed_spans": 0, "spooled_spans": 0, "refused_spans": 0, "groups": 0}
        self.writing_spans = 0
        self._reset_threading()
        if hasattr(os, "register_at_fork"):  # a forked child starts with an empty queue, its own writer
            method = weakref.WeakMethod(self._reset_threading)
            os.register_at_fork(after_in_child=lambda: (m := method()) and m())

    def _reset_threading(self) -> None:
        self._jobs: deque[Job] = deque()
        self._queued_spans = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._down_until = 0.0  # monotonic time before which the database is not tried again
        self._flush_requested = self._flushed = 0
        self._flush_deadline: float | None = None
        self._thread: threading.Thread | None = None
        if self.spool is not None:
            self.spool.after_fork()

    # --- for callers ---------------------------------------------------------------------
    def start(self) -> None:
        with self._cond:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Finish every job already submitted, try the database once more and drain the spool,
        for at most ``timeout`` seconds; then end the writer. True when nothing is left spooled."""
        deadline = time.monotonic() + timeout
        self.start()
        with self._cond:
            self._stopping = True
            self._request_flush(deadline)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(deadline - time.monotonic(), 0))
        return self.spool is None or not self.spool.pending()

    def flush(self, deadline: float) -> bool:
        """Write what is queued, try the database once more and drain the spool until ``deadline``
        (``time.monotonic()``). True when nothing is left spooled."""
        self.start()
        with self._cond:
            wanted = self._request_flush(deadline)
            while self._flushed < wanted and self._thread is not None and self._thread.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        return self.spool is None or not self.spool.pending()

    @property
    def queued_spans(self) -> int:
        return self._queued_spans

    def submit(self, job: Job) -> None:
        n = len(job.records)
        self.start()
        with self._cond:
            if self._stopping:
                raise Unavailable("shutting down")
            if self._queued_spans and self._queued_spans + n > self.max_queued_spans:
                raise Overloaded(f"{self._queued_spans} spans are already waiting to be written")
            self._jobs.append(job)
            self._queued_spans += n
            self._cond.notify()

    def withdraw(self, job: Job) -> bool:
        """Take back a job the writer has not started (True), e.g. when its caller gave up waiting."""
        with self._cond:
            try:
                self._jobs.remove(job)
            except ValueError:
                return False
            self._queued_spans -= len(job.records)
            return True

    def spool_parts(self, parts: Sequence[Part]) -> None:
        """Spool records the caller could not wait to see written; the writer drains them later."""
        assert self.spool is not None
        self.spool.put(parts)
        with self._cond:
            self._cond.notify()

    # --- the writer thread ---------------------------------------------------------------
    def _request_flush(self, deadline: float) -> int:
        self._flush_requested += 1
        self._flush_deadline = deadline
        self._cond.notify_all()
        return self._flush_requested

    def _run(self) -> None:
        with suppress_instrumentation():
            if self.spool is not None and self.spool.pending():
                self._drain_spool(None)
            while self._cycle():
                pass

    def _cycle(self) -> bool:
        """Take and write one group, drain the spool when due; False once stopped."""
        group, flush_ack, deadline = self._take()
        if group:
            self._handle(group)
            self.writing_spans = 0
        if flush_ack is not None and self.spool is not None:
            self.spool.refresh()
        if self._drain_due(forced=flush_ack is not None):
            self._drain_spool(deadline if flush_ack is not None else None)
        with self._cond:
            if flush_ack is not None:
                self._flushed = max(self._flushed, flush_ack)
                self._cond.notify_all()
            return not (self._stopping and not self._jobs and self._flushed >= self._flush_requested)

    def _take(self) -> tuple[list[Job], int | None, float | None]:
        with self._cond:
            while not (self._jobs or self._stopping or self._flush_wanted() or self._drain_due()):
                self._cond.wait(timeout=self._idle_wait())
            group: list[Job] = []
            spans = 0
            while self._jobs and (not group or spans + len(self._jobs[0].records) <= self.max_group_spans):
                job = self._jobs.popleft()
                group.append(job)
                spans += len(job.records)
            self._queued_spans -= spans
            self.writing_spans = spans
            ack = self._flush_requested if self._flush_wanted() and not self._jobs else None
            return group, ack, self._flush_deadline

    def _flush_wanted(self) -> bool:
        return self._flushed < self._flush_requested

    def _idle_wait(self) -> float:
        if self.spool is None or not self.spool.pending():
            return 3600.0
        return max(self._down_until - time.monotonic(), 0.05)

    def _drain_due(self, forced: bool = False) -> bool:
        pending = self.spool is not None and self.spool.pending()
        return pending and (forced or time.monotonic() >= self._down_until)

    def _handle(self, group: list[Job]) -> None:
        try:
            outcome: BaseException | None = self._store(group)
        except BaseException as exc:  # never let the writer thread die
            logger.exception("%s: unexpected error writing %d jobs", self.log_prefix, len(group))
            outcome = exc
        if isinstance(outcome, Rejected):  # find the spans at fault, store the rest
            for job in group:
                job.done(self._store_alone(job))
            return
        for job in group:
            job.done(outcome)

    def _store(self, group: list[Job]) -> BaseException | None:
        """None once the group is committed or spooled; the error for the callers otherwise."""
        spans = sum(len(j.records) for j in group)
        if time.monotonic() >= self._down_until:
            try:
                self._write([(j.target, j.records) for j in group])
            except Exception as exc:
                if is_data_error(exc):
                    return Rejected(self._short(exc))
                self._failed(exc)
            else:
                self.stats["committed_spans"] += spans
                self.stats["groups"] += 1
                self._succeeded()
                return None
        return self._spool_group([(j.target, j.records) for j in group], spans)

    def _store_alone(self, job: Job) -> BaseException | None:
        """Store one job's spans, one by one if need be; ``PartlyStored`` names the refused."""
        try:
            refused = self._write_each(job.target, job.records)
        except Exception as exc:
            self._failed(exc)
            return self._spool_group([(job.target, job.records)], len(job.records))
        self._refused(job.target, refused)
        return PartlyStored(len(refused), refused[0][1]) if refused else None

    def _refused(self, target: Any, refused: list[tuple[SpanRecord, str]]) -> None:
        if not refused:
            return
        self.stats["refused_spans"] += len(refused)
        if self.dead_letter_refused and self.spool is not None:  # the spool logs where it keeps them
            self.spool.reject((target, [r for r, _ in refused]), Rejected(refused[0][1]))
        else:  # the client is told (OTLP partial success); the operator is told here
            logger.warning(
                "%s: the database refused %d span(s): %s", self.log_prefix, len(refused), refused[0][1]
            )

    def _write_each(self, target: Any, records: list[SpanRecord]) -> list[tuple[SpanRecord, str]]:
        """Write ``records``, bisecting around spans the database refuses; returns those (with
        why). Raises when the database is unreachable."""
        try:
            self._write([(target, records)])
            return []
        except Exception as exc:
            if not is_data_error(exc):
                raise
            if len(records) == 1:
                return [(records[0], self._short(exc))]
        half = len(records) // 2
        return self._write_each(target, records[:half]) + self._write_each(target, records[half:])

    def _spool_group(self, parts: list[Part], spans: int) -> BaseException | None:
        if self.spool is None:
            return Unavailable("the database is unreachable")
        try:
            self.spool.put(parts)
        except SpoolFull as exc:
            return Unavailable(str(exc))
        except OSError as exc:
            logger.error("%s: spooling failed: %s", self.log_prefix, exc)
            return Unavailable("the database is unreachable and the spool failed")
        self.stats["spooled_spans"] += spans
        return None

    def _write(self, parts: list[Part]) -> None:
        """One transaction; retried when Postgres aborts it for a conflict with another writer."""
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                with self.engine.begin() as connection:
                    rows: list[dict[str, Any]] = []
                    moves: list[tuple[int, dedup.Moves]] = []
                    for target, records in parts:
                        project_id = _project_id(connection, target)
                        pricing = project_pricing(connection, project_id, self.pricing)
                        kept, moved = dedup.resolve(records, project_id)
                        rows.extend(to_row(r, project_id, pricing) for r in kept)
                        moves.append((project_id, moved))
                    insert_rows(connection, rows)  # sorted by primary key there: no deadlocks
                    for project_id, moved in moves:
                        dedup.reparent_stored(connection, project_id, moved)
                return
            except Exception as exc:
                if attempt == _CONFLICT_RETRIES or not _conflict(exc):
                    raise

    def _replay(self, part: Part) -> None:
        """Write spooled spans; those the database refuses go to the spool's dead letters."""
        assert self.spool is not None
        target, records = part
        refused = self._write_each(target, records)
        if refused:
            self.stats["refused_spans"] += len(refused)
            self.spool.reject((target, [r for r, _ in refused]), Rejected(refused[0][1]))

    def _drain_spool(self, deadline: float | None) -> None:
        assert self.spool is not None
        try:
            batches = self.spool.drain(self._replay, deadline)
        except Exception as exc:
            self._failed(exc)
            return
        self._succeeded()
        if batches:
            logger.warning("%s: database is back; %d spooled batches written", self.log_prefix, batches)

    def _failed(self, exc: BaseException) -> None:
        delay = self.backoff.failed()
        self._down_until = time.monotonic() + delay
        hint = "; run `otel-llm db upgrade` on it" if is_schema_missing(exc) else ""
        logger.warning(
            "%s: database unavailable (%s%s); spooling for %.1f s",
            self.log_prefix,
            self._short(exc),
            hint,
            delay,
        )

    def _succeeded(self) -> None:
        self._down_until = 0.0
        self.backoff.reset()

    def _short(self, exc: BaseException) -> str:
        """The error's first line, never with the database password in it."""
        text = short_error(getattr(exc, "orig", None) or exc, limit=300)
        password = self.engine.url.password
        return text.replace(str(password), "***") if password else text


def _project_id(connection: Connection, target: Any) -> int:
    if target.project_id is not None:
        return target.project_id
    return ensure_project(connection, target.project_name)


def _conflict(exc: BaseException) -> bool:
    """Deadlock or serialization failure (SQLSTATE class 40): the transaction may simply be rerun.

    The COPY path talks to psycopg directly, so its errors come unwrapped (not as ``DBAPIError``).
    """
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    return str(getattr(driver_error, "sqlstate", "") or "").startswith("40")
