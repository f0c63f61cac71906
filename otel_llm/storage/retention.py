"""Retention: how many days each project keeps its spans, and the batched delete of older ones.

A project's ``retention_days`` (NULL: keep forever) is enforced by the maintenance step
(``otel_llm.storage.maintenance``). Spans past it are deleted in bounded batches, each its own short
transaction, so writers (the collector, exporters) are never held back for long: a batch takes row
locks on the spans it deletes only, which no writer touches (writers insert new spans).

What survives a deleted span is documented in ``docs/deployment.md`` ("Retention"): rows that refer
to spans (scores, replays, dataset items, evaluation results) keep their own copies and are kept;
the experiment rollups on Postgres keep history (they count the calls made, not the calls stored).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update

from otel_llm.storage.schema import projects, spans
from otel_llm.storage.timeutil import now_utc
from otel_llm.storage.vocabulary import DELETE_BATCH_SIZE

logger = logging.getLogger(__name__)

MAX_RETENTION_DAYS = 36_500  # a hundred years: beyond that, keep forever says it better


class InvalidRetention(ValueError):
    """A retention that is not a whole number of days from 1 to ``MAX_RETENTION_DAYS``."""


@dataclass(frozen=True)
class Policy:
    project_id: int
    project: str
    days: int | None  # None: keep forever


@dataclass(frozen=True)
class Purged:
    project: str
    days: int
    cutoff: datetime
    spans: int
    batches: int


def validate_days(days: int | None) -> int | None:
    """``days`` if it is a whole number from 1 to ``MAX_RETENTION_DAYS``, or None (keep forever)."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise InvalidRetention(
            f"retention must be a whole number of days from 1 to {MAX_RETENTION_DAYS} "
            f"(got {days!r}); use none to keep spans forever."
        )
    return days


def parse_days(text: str) -> int | None:
    """``"30"`` → 30, ``"none"``/``"forever"``/empty → None; anything else ``InvalidRetention``."""
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "none", "forever"):
        return None
    try:
        return validate_days(int(cleaned))
    except ValueError:
        raise InvalidRetention(
            f"retention must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, "
            f"or none to keep spans forever (got {text!r})."
        ) from None


def set_retention(engine: Engine, project_id: int, days: int | None) -> Policy:
    """Keep project ``project_id``'s spans for ``days`` (None: forever); returns the new policy."""
    days = validate_days(days)
    with engine.begin() as connection:
        connection.execute(update(projects).where(projects.c.id == project_id).values(retention_days=days))
    return policy_of(engine, project_id)


def policy_of(engine: Engine, project_id: int) -> Policy:
    with engine.connect() as connection:
        row = connection.execute(
            select(projects.c.id, projects.c.name, projects.c.retention_days).where(
                projects.c.id == project_id
            )
        ).one()
    return Policy(row.id, row.name, row.retention_days)


def policies(engine: Engine) -> list[Policy]:
    """Every project's retention, by name."""
    stmt = select(projects.c.id, projects.c.name, projects.c.retention_days).order_by(projects.c.name)
    with engine.connect() as connection:
        return [Policy(r.id, r.name, r.retention_days) for r in connection.execute(stmt)]


def longest_retention(found: list[Policy]) -> int | None:
    """Days after which no project keeps a span, or None when some project keeps spans forever."""
    if not found or any(p.days is None for p in found):
        return None
    return max(p.days for p in found if p.days is not None)


def cutoff_of(days: int, now: datetime | None = None) -> datetime:
    return (now or now_utc()) - timedelta(days=days)


def delete_expired(
    engine: Engine,
    now: datetime | None = None,
    batch_size: int = DELETE_BATCH_SIZE,
    progress: Callable[[Purged], None] | None = None,
) -> list[Purged]:
    """Delete every project's spans that started before its retention, ``batch_size`` per transaction."""
    done = []
    for policy in policies(engine):
        if policy.days is None:
            continue
        purged = purge_project(engine, policy, cutoff_of(policy.days, now), batch_size)
        if progress is not None:
            progress(purged)
        done.append(purged)
    return done


def purge_project(engine: Engine, policy: Policy, cutoff: datetime, batch_size: int) -> Purged:
    """Delete ``policy``'s project's spans older than ``cutoff`` in batches until none is left."""
    assert policy.days is not None
    older = (spans.c.project_id == policy.project_id) & (spans.c.start_time < cutoff)
    # A batch: the project's spans up to the start time of its ``batch_size``-th oldest. Both the
    # bound and the delete are range scans of (project_id, start_time), so a batch costs its own
    # rows only, and on Postgres the delete visits only the partitions that hold them.
    oldest = select(spans.c.start_time).where(older).order_by(spans.c.start_time).limit(batch_size)
    upto = select(func.max(oldest.subquery().c.start_time)).scalar_subquery()
    batch = delete(spans).where(older, spans.c.start_time <= upto)
    total = batches = 0
    while True:
        with engine.begin() as connection:
            deleted = connection.execute(batch).rowcount
        if deleted <= 0:
            break
        total += deleted
        batches += 1
        logger.info("otel-llm: retention deleted %d spans of %s (%d so far)", deleted, policy.project, total)
        if deleted < batch_size:
            break
    return Purged(policy.project, policy.days, cutoff, total, batches)
