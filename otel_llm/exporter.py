"""``SQLSpanExporter``: an OpenTelemetry ``SpanExporter`` that stores spans in SQLite or Postgres.

It runs behind the SDK's ``BatchSpanProcessor`` and hands each batch to the write engine
(``storage.write_engine``, the collector's too): one transaction per batch, bad spans isolated and
kept in the spool's ``dead/``, batches spooled to disk while the database is unreachable and
written once it is back. It waits at most ``OTEL_LLM_FLUSH_TIMEOUT`` seconds for one batch (then
spools it), and never raises into the SDK.

At ``shutdown`` and at interpreter exit it tries the database once more, whatever the backoff,
and drains the spool, all within ``OTEL_LLM_FLUSH_TIMEOUT`` seconds (a database that accepts
connections but never answers holds the exit no longer); what is not written by then stays in the
spool for the next run. A database URL that can never work is reported once, here, and the
exporter then stores nothing (the app runs on): it is a configuration error, not an outage.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from sqlalchemy.engine import make_url

from otel_llm import settings
from otel_llm.masking import short_error
from otel_llm.pricing import PricingTable
from otel_llm.storage.db import get_engine
from otel_llm.storage.normalize import SpanRecord, from_readable
from otel_llm.storage.spool import SpanSpool, Spool, Target, destination_dir, destination_key
from otel_llm.storage.write_engine import Job, Overloaded, PartlyStored, Unavailable, WriteEngine

logger = logging.getLogger(__name__)

MIN_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class SQLSpanExporter(SpanExporter):
    def __init__(
        self,
        database_url: str | None = None,
        project: str | None = None,
        spool_dir: str | None = None,
        spool_max_bytes: int | None = None,
        pricing: PricingTable | None = None,
        flush_timeout: float | None = None,
    ):
        self.database_url = settings.database_url(database_url)
        self.project = settings.project(project)
        self.flush_timeout = settings.flush_timeout(flush_timeout)
        self._shutdown = threading.Event()
        self._exit_deadline: float | None = None
        self.spool: Spool | None = None
        self.writer: WriteEngine | None = None
        problem = url_problem(self.database_url)
        if problem is not None:
            logger.error("otel-llm: %s; no spans will be stored until it is fixed", problem)
            return
        self.spool = Spool(
            destination_dir(settings.spool_dir(spool_dir), self.database_url),
            settings.spool_max_bytes(spool_max_bytes),
            destination=destination_key(self.database_url),
        )
        self.writer = WriteEngine(
            get_engine(self.database_url),
            SpanSpool(self.spool),
            pricing or PricingTable.load(),
            retry=(MIN_RETRY_SECONDS, MAX_RETRY_SECONDS),
            dead_letter_refused=True,
            thread_name="otel-llm-spool",
        )
        self._target = Target(self.project)
        if self.writer.spool is not None and self.writer.spool.pending():
            self.writer.start()  # a spool left by an earlier run is written in the background
        atexit.register(_at_exit, weakref.ref(self))

    # --- SpanExporter ----------------------------------------------------------------------
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown.is_set() or self.writer is None:
            return SpanExportResult.FAILURE
        try:
            return self._hand_over([from_readable(s) for s in spans])
        except Exception:  # never into the SDK / app
            logger.exception("otel-llm: %d spans dropped", len(spans))
            return SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Try the database (whatever the backoff) and write what is spooled, within
        ``timeout_millis``; True when the spool is empty after."""
        if self.writer is None:
            return True
        return self.writer.flush(self._deadline(timeout_millis / 1000))

    def shutdown(self, timeout_millis: int = 30000) -> None:
        """Try the database once more and drain the spool, for at most ``OTEL_LLM_FLUSH_TIMEOUT``
        seconds (and ``timeout_millis``); then stop the writer. The rest stays spooled."""
        if self._shutdown.is_set():
            return
        self._shutdown.set()
        if self.writer is not None:
            self.writer.stop(max(self._deadline(timeout_millis / 1000) - time.monotonic(), 0))

    # --- internals -------------------------------------------------------------------------
    def _hand_over(self, records: list[SpanRecord]) -> SpanExportResult:
        assert self.writer is not None
        outcome = _Outcome()
        job = Job(self._target, records, outcome.set)
        try:
            self.writer.submit(job)
        except (Overloaded, Unavailable):
            return self._spool_here(records)
        if not outcome.wait(max(self._deadline(self.flush_timeout) - time.monotonic(), 0)):
            self.writer.withdraw(job)  # still queued: it will not be written twice
            return self._spool_here(records)  # being written: a second copy is harmless (stored once)
        if outcome.error is None or isinstance(outcome.error, PartlyStored):
            return SpanExportResult.SUCCESS
        logger.error("otel-llm: %d spans dropped (%s)", len(records), outcome.error)
        return SpanExportResult.FAILURE

    def _spool_here(self, records: list[SpanRecord]) -> SpanExportResult:
        assert self.writer is not None
        try:
            self.writer.spool_parts([(self._target, records)])
        except Exception as exc:
            logger.error("otel-llm: spooling failed (%s); %d spans dropped", exc, len(records))
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _deadline(self, seconds: float) -> float:
        """``seconds`` from now, but never past the exit deadline (one bound for the whole exit)."""
        deadline = time.monotonic() + min(seconds, self.flush_timeout)
        return deadline if self._exit_deadline is None else min(deadline, self._exit_deadline)

    def _at_exit(self) -> None:
        """Interpreter exit: from now on everything shares one ``flush_timeout`` (the SDK's own
        exit handler, which shuts the processor down, runs after this one); drain the spool."""
        if self._shutdown.is_set() or self.writer is None:
            return
        self._exit_deadline = time.monotonic() + self.flush_timeout
        self.writer.flush(self._exit_deadline)


def _at_exit(ref: weakref.ref[SQLSpanExporter]) -> None:
    exporter = ref()
    if exporter is not None:
        try:
            exporter._at_exit()
        except Exception:  # never into the interpreter's exit
            logger.exception("otel-llm: spool not drained at exit")


class _Outcome:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.error: BaseException | None = None

    def set(self, error: BaseException | None) -> None:
        self.error = error
        self._event.set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


def url_problem(database_url: str) -> str | None:
    """Why ``database_url`` can never work (malformed, unsupported, driver missing), else None.

    The sentence never contains the URL's password.
    """
    try:
        url = make_url(database_url)
    except Exception:
        return "the database URL (OTEL_LLM_DATABASE_URL) cannot be parsed"
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        return f"the database URL {shown} is not supported: use sqlite:///path or postgresql://user@host/db"
    try:
        get_engine(database_url)  # loads the dialect and its driver; does not connect
    except Exception as exc:
        reason = short_error(exc)
        if url.password:
            reason = reason.replace(str(url.password), "***")
        return f"the database URL {shown} cannot be used ({reason})"
    return None
