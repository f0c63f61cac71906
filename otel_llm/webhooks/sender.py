"""The background sender: posts due deliveries of the outbox, retrying with exponential backoff.

:func:`deliver_due` is one pass; :func:`run_loop` repeats it until stopped (``otel-llm worker`` and
``otel-llm web`` run it in a thread; ``otel-llm webhooks deliver`` runs one pass). Several senders
may run against one database: each delivery is claimed first by moving its ``next_attempt_at`` a
lease (two minutes) ahead in one conditional UPDATE, so only one sender posts it.

An attempt succeeds on a 2xx answer. Anything else (another status, a redirect — never followed —,
a timeout, a refused connection, a destination the URL policy refuses) is recorded as the
delivery's ``last_error`` and retried after ``backoff(attempts)``: 10 s, 20 s, 40 s… capped at one
hour, ``MAX_ATTEMPTS`` times in all; then the delivery is ``failed``. Delivered and failed rows are
kept ``KEEP_DAYS`` (the log), then pruned. Errors are recorded redacted
and never logged with the secret.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine, delete, select, update

from otel_llm.masking import short_error
from otel_llm.storage.schema_webhooks import webhook_deliveries, webhooks
from otel_llm.storage.timeutil import now_utc
from otel_llm.webhooks import signing
from otel_llm.webhooks.errors import DestinationRefused
from otel_llm.webhooks.events import DELIVERED, FAILED, PENDING
from otel_llm.webhooks.urls import check_destination

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0
LEASE_SECONDS = 120.0
TIMEOUT_SECONDS = 5.0
BATCH = 50
WORKERS = 4
MAX_PER_PASS = 1000
KEEP_DAYS = 30
DEFAULT_INTERVAL_SECONDS = 2.0


@dataclass
class PassReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 10, 20, 40… at most an hour."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def deliver_due(
    engine: Engine,
    *,
    now: datetime | None = None,
    timeout: float = TIMEOUT_SECONDS,
    limit: int = MAX_PER_PASS,
) -> PassReport:
    """Post every delivery due at ``now`` (default: the current time) once, up to ``limit``; report
    the outcomes. Up to ``WORKERS`` webhooks are served at a time (a slow receiver does not hold up
    the others), each one's deliveries in the order of their events."""
    now = now or now_utc()
    report = PassReport()
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        ThreadPoolExecutor(WORKERS, thread_name_prefix="otel-llm-webhook") as pool,
    ):
        while sum(vars(report).values()) < limit:
            batch = [row for row in _due(engine, now) if _claim(engine, row.id, now)]
            if not batch:
                break
            by_webhook: dict[int, list] = {}
            for row in batch:
                by_webhook.setdefault(row.webhook_id, []).append(row)
            for outcomes in pool.map(lambda rows: _deliver(engine, client, rows, now), by_webhook.values()):
                for outcome in outcomes:
                    setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _deliver(engine: Engine, client: httpx.Client, rows: list, now: datetime) -> list[str]:
    """One webhook's deliveries, in the order of their events."""
    outcomes = []
    for row in rows:
        status_code, error = _attempt(client, row)
        outcomes.append(_save(engine, row, status_code, error, now))
    return outcomes


def _due(engine: Engine, now: datetime):
    d = webhook_deliveries
    stmt = (
        select(
            d.c.id,
            d.c.webhook_id,
            d.c.event_id,
            d.c.event,
            d.c.body,
            d.c.attempts,
            webhooks.c.url,
            webhooks.c.secret,
        )
        .join(webhooks, webhooks.c.id == d.c.webhook_id)
        .where(d.c.status == PENDING, d.c.next_attempt_at <= now)
        .order_by(d.c.id)
        .limit(BATCH)
    )
    with engine.connect() as connection:
        return connection.execute(stmt).all()


def _claim(engine: Engine, delivery_id: int, now: datetime) -> bool:
    d = webhook_deliveries
    with engine.begin() as connection:
        claimed = connection.execute(
            update(d)
            .where(d.c.id == delivery_id, d.c.status == PENDING, d.c.next_attempt_at <= now)
            .values(next_attempt_at=max(now, now_utc()) + timedelta(seconds=LEASE_SECONDS))
        )
    return claimed.rowcount == 1


def _attempt(client: httpx.Client, row) -> tuple[int | None, str | None]:
    """``(HTTP status, error)`` of one post; ``error`` None on a 2xx answer."""
    body = row.body.encode("utf-8")
    try:
        check_destination(row.url)
        headers = signing.headers(row.secret, body, row.event, row.event_id)  # signed at the real time
        response = client.post(row.url, content=body, headers=headers)
    except DestinationRefused as exc:
        return None, str(exc)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {short_error(exc)}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the receiver answered HTTP {response.status_code}"


def _save(engine: Engine, row, status_code: int | None, error: str | None, now: datetime) -> str:
    attempts = row.attempts + 1
    values: dict = {"attempts": attempts, "last_status_code": status_code, "last_error": error}
    if error is None:
        values |= {"status": DELIVERED, "delivered_at": now_utc(), "next_attempt_at": None}
        outcome = "delivered"
    elif attempts >= MAX_ATTEMPTS:
        values |= {"status": FAILED, "next_attempt_at": None}
        outcome = "failed"
    else:
        values |= {"next_attempt_at": now + timedelta(seconds=backoff(attempts))}
        outcome = "retrying"
    with engine.begin() as connection:
        connection.execute(
            update(webhook_deliveries).where(webhook_deliveries.c.id == row.id).values(**values)
        )
    return outcome


def prune(engine: Engine, *, now: datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Delete delivered and failed deliveries older than ``keep_days``; returns how many."""
    cutoff = (now or now_utc()) - timedelta(days=keep_days)
    d = webhook_deliveries
    with engine.begin() as connection:
        done = connection.execute(
            delete(d).where(d.c.status.in_((DELIVERED, FAILED)), d.c.created_at < cutoff)
        )
    return done.rowcount


def run_loop(engine: Engine, stop: threading.Event, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Deliver due webhooks every ``interval`` seconds until ``stop`` is set, pruning the log about
    hourly; a failed pass (the database away) is logged and the next one tried."""
    passes = 0
    while not stop.is_set():
        try:
            if passes % max(int(3600 / interval), 1) == 0:
                prune(engine)
            passes += 1
            deliver_due(engine)
        except Exception as exc:
            logger.warning(
                "otel-llm: webhook delivery pass failed (%s); trying again in %s s",
                short_error(exc),
                interval,
            )
        stop.wait(interval)


def start_background(
    engine: Engine, interval: float = DEFAULT_INTERVAL_SECONDS
) -> tuple[threading.Thread, threading.Event]:
    """Run :func:`run_loop` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop, args=(engine, stop, interval), name="otel-llm-webhooks", daemon=True
    )
    thread.start()
    return thread, stop
