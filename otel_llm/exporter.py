"""``SQLSpanExporter``: an OpenTelemetry ``SpanExporter`` that stores spans in SQLite or Postgres.

It runs behind the SDK's ``BatchSpanProcessor``, so the app thread never waits on the database.
Each batch is one transaction. When the database is unreachable the batch goes to a bounded
on-disk spool and is written once the database is back. It never raises into the app, and its own
database calls are never traced.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_llm import settings
from otel_llm.pricing import PricingTable
from otel_llm.storage.db import get_engine
from otel_llm.storage.normalize import SpanRecord, from_readable
from otel_llm.storage.spool import Spool
from otel_llm.storage.writer import write_records

logger = logging.getLogger(__name__)


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
        self._shutdown = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            return SpanExportResult.FAILURE
        try:
            records = [from_readable(s) for s in spans]
        except Exception:
            logger.exception("otel-llm: could not read %d spans; dropped", len(spans))
            return SpanExportResult.FAILURE
        token = otel_context.attach(otel_context.get_current())
        try:
            with suppress_instrumentation():
                return self._store(records)
        finally:
            otel_context.detach(token)

    def _store(self, records: list[SpanRecord]) -> SpanExportResult:
        batch = {"project": self.project, "records": [r.to_json() for r in records]}
        try:
            self._drain_spool()
            self._write(batch)
            return SpanExportResult.SUCCESS
        except Exception as exc:
            logger.warning("otel-llm: database unavailable (%s); %d spans spooled", _short(exc), len(records))
            try:
                self.spool.put(batch)
                return SpanExportResult.SUCCESS
            except Exception:
                logger.exception("otel-llm: spooling failed; %d spans dropped", len(records))
                return SpanExportResult.FAILURE

    def _write(self, batch: dict) -> None:
        records = [SpanRecord.from_json(r) for r in batch["records"]]
        write_records(get_engine(self.database_url), batch["project"], records, self.pricing)

    def _drain_spool(self) -> None:
        if self.spool.files():
            drained = self.spool.drain(self._write)
            if drained:
                logger.info("otel-llm: database is back; %d spooled batches written", drained)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        try:
            with suppress_instrumentation():
                self._drain_spool()
            return True
        except Exception as exc:
            logger.warning("otel-llm: spool not drained yet: %s", _short(exc))
            return False

    def shutdown(self) -> None:
        self.force_flush()
        self._shutdown = True


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
