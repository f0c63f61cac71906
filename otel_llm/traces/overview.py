"""The overview's numbers: calls, errors, tokens, cost and p50/p95 latency over time and per model.

Counts and sums are aggregated in SQL. Percentiles use ``percentile_cont`` on Postgres; SQLite has
no percentile function, so there the durations are read and interpolated the same way (linear
between closest ranks), giving the same numbers on both databases.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, case, cast, func, literal, select

from otel_llm.storage.db import is_postgres
from otel_llm.storage.schema import spans

RANGES: dict[str, tuple[timedelta, int]] = {
    # range → (length, bucket seconds)
    "1h": (timedelta(hours=1), 300),
    "24h": (timedelta(hours=24), 3600),
    "7d": (timedelta(days=7), 6 * 3600),
    "30d": (timedelta(days=30), 86400),
}
DEFAULT_RANGE = "24h"
OPTIONS_WINDOW = timedelta(days=30)
OPTIONS_LIMIT = 200


@dataclass
class _Group:
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None

    def add(self, row) -> None:
        self.calls += row.calls
        self.errors += row.errors or 0
        self.input_tokens += row.input_tokens or 0
        self.output_tokens += row.output_tokens or 0
        if row.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + float(row.cost_usd)

    def as_dict(self, p50: float | None, p95: float | None) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "error_rate": (self.errors / self.calls) if self.calls else None,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "tokens": self.input_tokens + self.output_tokens,
            "cost_usd": self.cost_usd,
            "p50_ms": p50,
            "p95_ms": p95,
        }


def overview(
    engine: Engine, project_id: int, range_name: str = DEFAULT_RANGE, now: datetime | None = None
) -> dict:
    """Totals, a zero-filled time series and a per-model breakdown of the project's LLM calls."""
    if range_name not in RANGES:
        raise ValueError(f"unknown range {range_name!r}; use one of {', '.join(RANGES)}.")
    length, step = RANGES[range_name]
    now = now or datetime.now(UTC)
    first_bucket = int((now - length).timestamp()) // step + 1
    since = datetime.fromtimestamp(first_bucket * step, UTC)
    bucket = _bucket_expression(engine, step)
    model = func.coalesce(spans.c.request_model, spans.c.response_model, literal("(unknown)"))
    where = [spans.c.project_id == project_id, spans.c.is_llm.is_(True), spans.c.start_time >= since]
    rows = _aggregate(engine, bucket, model, where)
    by_bucket, by_model, total = defaultdict(_Group), defaultdict(_Group), _Group()
    calls_by_model: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        by_bucket[int(row.bucket)].add(row)
        by_model[row.model].add(row)
        total.add(row)
        calls_by_model[row.model][int(row.bucket)] = row.calls
    latency = _percentiles(engine, bucket, model, where)
    buckets = list(range(first_bucket, int(now.timestamp()) // step + 1))
    return {
        "range": range_name,
        "bucket_seconds": step,
        "since": since.isoformat(),
        "until": now.isoformat(),
        "totals": total.as_dict(*latency["total"].get(None, (None, None))),
        "series": [
            {
                "t": datetime.fromtimestamp(b * step, UTC).isoformat(),
                **by_bucket[b].as_dict(*latency["bucket"].get(b, (None, None))),
            }
            for b in buckets
        ],
        "models": sorted(
            ({"model": m, **g.as_dict(*latency["model"].get(m, (None, None)))} for m, g in by_model.items()),
            key=lambda item: -item["calls"],
        ),
        "calls_by_model": {m: [counts.get(b, 0) for b in buckets] for m, counts in calls_by_model.items()},
    }


def _bucket_expression(engine: Engine, step: int):
    if is_postgres(engine):
        return cast(func.floor(func.extract("epoch", spans.c.start_time) / step), Integer)
    return cast(func.strftime("%s", spans.c.start_time), Integer) // step


def _aggregate(engine: Engine, bucket, model, where) -> list:
    stmt = (
        select(
            bucket.label("bucket"),
            model.label("model"),
            func.count().label("calls"),
            func.sum(case((spans.c.status_code == "ERROR", 1), else_=0)).label("errors"),
            func.sum(spans.c.input_tokens).label("input_tokens"),
            func.sum(spans.c.output_tokens).label("output_tokens"),
            func.sum(spans.c.cost_usd).label("cost_usd"),
        )
        .where(*where)
        .group_by(bucket, model)
    )
    with engine.connect() as connection:
        return connection.execute(stmt).all()


def _percentiles(engine: Engine, bucket, model, where) -> dict[str, dict]:
    """``{"bucket": {b: (p50, p95)}, "model": {m: (p50, p95)}, "total": {None: (p50, p95)}}``."""
    if is_postgres(engine):
        return {
            "bucket": _pg_percentiles(engine, bucket, where),
            "model": _pg_percentiles(engine, model, where),
            "total": _pg_percentiles(engine, None, where),
        }
    stmt = select(bucket.label("bucket"), model.label("model"), spans.c.duration_ms).where(*where)
    groups: dict[str, dict] = {
        "bucket": defaultdict(list),
        "model": defaultdict(list),
        "total": defaultdict(list),
    }
    with engine.connect() as connection:
        for row in connection.execute(stmt):
            groups["bucket"][int(row.bucket)].append(row.duration_ms)
            groups["model"][row.model].append(row.duration_ms)
            groups["total"][None].append(row.duration_ms)
    return {
        kind: {key: (percentile(values, 0.5), percentile(values, 0.95)) for key, values in found.items()}
        for kind, found in groups.items()
    }


def _pg_percentiles(engine: Engine, key, where) -> dict:
    p50 = func.percentile_cont(0.5).within_group(spans.c.duration_ms)
    p95 = func.percentile_cont(0.95).within_group(spans.c.duration_ms)
    columns = [key.label("key")] if key is not None else [literal(None).label("key")]
    stmt = select(*columns, p50.label("p50"), p95.label("p95")).where(*where)
    if key is not None:
        stmt = stmt.group_by(key)
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
    return {
        (int(r.key) if isinstance(r.key, int | float) else r.key): (r.p50, r.p95)
        for r in rows
        if r.p50 is not None
    }


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (what Postgres ``percentile_cont`` computes)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def filter_options(engine: Engine, project_id: int) -> dict[str, list[str]]:
    """Values seen in the last 30 days, to suggest in the traces filters."""
    since = datetime.now(UTC) - OPTIONS_WINDOW
    names = {"provider": "provider", "model": "request_model", "prompt_name": "prompt_name"}
    names |= {"experiment": "experiment", "variant": "variant"}
    found = {}
    with engine.connect() as connection:
        for key, column_name in names.items():
            column = spans.c[column_name]
            stmt = (
                select(column)
                .where(spans.c.project_id == project_id, spans.c.start_time >= since, column.is_not(None))
                .distinct()
                .order_by(column)
                .limit(OPTIONS_LIMIT)
            )
            found[key] = [value for (value,) in connection.execute(stmt)]
    return found


def has_spans(engine: Engine, project_id: int) -> bool:
    stmt = select(spans.c.span_id).where(spans.c.project_id == project_id).limit(1)
    with engine.connect() as connection:
        return connection.execute(stmt).first() is not None
