"""Group commit: many requests' spans written in one transaction, each request answered after it.

The collector's use of the write engine (``otel_llm.storage.write_engine``, the in-app exporter's
too): request handlers ``submit`` a ``Job`` (one request's records and its principal) and wait; the
engine's writer takes every job waiting, commits them once and completes each job. While the
database is unreachable, jobs are fsynced to the spool instead (still durable, still answered 200)
and the spool is replayed once the database is back, also after a restart; at stop it tries the
database once more. The queue is bounded in spans: past it ``submit`` raises ``Overloaded`` and the
client is told to retry later. Spans the database refuses are reported to the client
(``PartlyStored``), not kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from otel_llm.pricing import PricingTable
from otel_llm.storage.spool import SpanSpool
from otel_llm.storage.write_engine import Job, Overloaded, PartlyStored, Rejected, Unavailable, WriteEngine

__all__ = ["GroupCommitter", "Job", "Overloaded", "PartlyStored", "Rejected", "Unavailable", "summary"]


class GroupCommitter(WriteEngine):
    def __init__(
        self,
        engine: Engine,
        spool: SpanSpool | None,
        pricing: PricingTable,
        max_group_spans: int = 20_000,
        max_queued_spans: int = 100_000,
        retry_interval: float = 2.0,
    ):
        super().__init__(
            engine,
            spool,
            pricing,
            max_group_spans=max_group_spans,
            max_queued_spans=max_queued_spans,
            retry=(retry_interval, retry_interval),
            thread_name="otel-llm-committer",
            log_prefix="otel-llm collector",
        )


def summary(committer: WriteEngine) -> dict[str, Any]:
    return {
        **committer.stats,
        "queued_spans": committer.queued_spans,
        "writing_spans": committer.writing_spans,
    }
