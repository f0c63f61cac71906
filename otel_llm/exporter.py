"""``SQLSpanExporter``: an OpenTelemetry ``SpanExporter`` that stores spans in SQLite or Postgres.

It runs behind the SDK's ``BatchSpanProcessor``, so the app thread never waits on the database.
Each batch is one transaction. Its own database calls run with instrumentation suppressed, so they
are never traced, and it never raises into the SDK.

When the database is unreachable, the batch goes to a bounded on-disk spool (``storage.spool``)
and further batches go straight there, without waiting on the database, until a retry succeeds
(backoff from 1 s up to 30 s). A daemon thread retries on that schedule, so spooled spans are
written even if the app sends no more; it stops at ``shutdown`` and never keeps the process alive.
A span whose data can never be stored is split off its batch and kept in the spool's ``dead/``
folder, so it cannot block the spans around it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Sequence

from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_llm import settings
from otel_llm.pricing import PricingTable
from otel_llm.storage.db import get_engine
from otel_llm.storage.errors import is_schema_missing
from otel_llm.storage.normalize import SpanRecord, from_readable
from otel_llm.storage.spool import Spool
from otel_llm.storage.writer import write_records

logger = logging.getLogger(__name__)

MIN_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


class SQLSpanExporter(SpanExporter):
    def __init__(
        self,
        database_url: str | None = None,
        project: str | None = None,
        spool_dir: str | None = None,
        spool_max_bytes: int | None = None,
        pricing: PricingTable | None = None,
    ):
        self.database_url = settings.database_url(database_url)
        self.project = settings.project(project)
        self.spool = Spool(settings.spool_dir(spool_dir), settings.spool_max_bytes(spool_max_bytes))
        self.pricing = pricing or PricingTable.load()
        self._shutdown = threading.Event()
        self._retry_at = 0.0  # monotonic time before which the database is not tried again
        self._backoff = MIN_RETRY_SECONDS
        self._drainer: threading.Thread | None = None
        self._drainer_lock = threading.Lock()
        if hasattr(os, "register_at_fork"):  # a forked worker starts with no drainer and free locks
            method = weakref.WeakMethod(self._after_fork)
            os.register_at_fork(after_in_child=lambda: (m := method()) and m())

    # --- SpanExporter ----------------------------------------------------------------------
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown.is_set():
            return SpanExportResult.FAILURE
        try:
            with suppress_instrumentation():
                return self._store(self.project, [from_readable(s) for s in spans])
        except Exception:  # never into the SDK / app
            logger.exception("otel-llm: %d spans dropped", len(spans))
            return SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Write what is spooled, within ``timeout_millis``; True when the spool is empty after."""
        return self._flush(timeout_millis, even_if_down=True)

    def shutdown(self, timeout_millis: int = 30000) -> None:
        """Write what is spooled (unless the database is known to be down: exit is not held up
        by it; the spool stays on disk for the next run) and stop the drainer."""
        self._flush(timeout_millis, even_if_down=False)
        self._shutdown.set()
        drainer = self._drainer
        if drainer is not None and drainer is not threading.current_thread():
            drainer.join(timeout=2)

    def _flush(self, timeout_millis: int, even_if_down: bool) -> bool:
        deadline = time.monotonic() + timeout_millis / 1000
        try:
            if even_if_down or time.monotonic() >= self._retry_at:
                with suppress_instrumentation():
                    self._drain(deadline)
        except Exception as exc:
            self._failed(exc)
        return not self.spool.files()

    # --- internals -------------------------------------------------------------------------
    def _after_fork(self) -> None:
        self._drainer = None
        self._drainer_lock = threading.Lock()
        self.spool.after_fork()

    def _store(self, project: str, records: list[SpanRecord]) -> SpanExportResult:
        if time.monotonic() < self._retry_at:  # database known to be down: do not wait on it
            return self._spool(project, records, None)
        try:
            self._write_records(project, records)
        except Exception as exc:
            return self._spool(project, records, exc)
        if self.spool.files():  # backlog from an outage or an earlier run: written in the background
            self._start_drainer()
        return SpanExportResult.SUCCESS

    def _spool(self, project: str, records: list[SpanRecord], exc: BaseException | None) -> SpanExportResult:
        if exc is not None:
            self._failed(exc)
        try:
            self.spool.put(_batch(project, records))
        except Exception:
            logger.exception("otel-llm: spooling failed; %d spans dropped", len(records))
            return SpanExportResult.FAILURE
        self._start_drainer()
        return SpanExportResult.SUCCESS

    def _write_batch(self, batch: dict) -> None:
        """Write a spooled batch."""
        self._write_records(batch["project"], [SpanRecord.from_json(r) for r in batch["records"]])

    def _write_records(self, project: str, records: list[SpanRecord]) -> None:
        def reject(bad: list[SpanRecord], error: BaseException) -> None:
            self.spool.reject(_batch(project, bad), error)

        write_records(get_engine(self.database_url), project, records, self.pricing, on_rejected=reject)
        self._succeeded()

    def _drain(self, deadline: float | None = None) -> None:
        wait = 0.0 if deadline is None else max(deadline - time.monotonic(), 0.0)
        drained = self.spool.drain(self._write_batch, wait=wait, deadline=deadline)
        if drained:
            logger.warning("otel-llm: database is back; %d spooled batches written", drained)

    def _failed(self, exc: BaseException) -> None:
        hint = "; run `otel-llm db upgrade` on it" if is_schema_missing(exc) else ""
        logger.warning(
            "otel-llm: database unavailable (%s%s); spooling for %.1f s", _short(exc), hint, self._backoff
        )
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_RETRY_SECONDS)

    def _succeeded(self) -> None:
        self._retry_at = 0.0
        self._backoff = MIN_RETRY_SECONDS

    def _start_drainer(self) -> None:
        with self._drainer_lock:
            if self._drainer is not None:
                return
            self._drainer = threading.Thread(target=self._drain_loop, name="otel-llm-spool", daemon=True)
            self._drainer.start()

    def _drain_loop(self) -> None:
        """Retry the spool on the backoff schedule until it is empty or the exporter shuts down."""
        while not self._shutdown.is_set():
            self._shutdown.wait(max(self._retry_at - time.monotonic(), 0.05))
            if self._shutdown.is_set() or time.monotonic() < self._retry_at:
                continue
            try:
                with suppress_instrumentation():
                    self._drain()
            except Exception as exc:
                self._failed(exc)
                continue
            with self._drainer_lock:  # decided under the lock, so a batch spooled now gets a drainer
                if not self.spool.files():
                    self._drainer = None
                    return


def _batch(project: str, records: list[SpanRecord]) -> dict:
    return {"project": project, "records": [r.to_json() for r in records]}


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
