"""Recompute stored costs after a price change, and list the models seen without a price.

``reprice`` walks a project's LLM and embeddings spans in (start_time, span_id) order, in batches,
and sets each one's cost from its stored tokens with the project's prices as of the span's start. On Postgres the
experiment rollups (migration 0006) hold cost sums: each batch adjusts them by the cost it changed,
under the rollups' per-project lock, in the same transaction, so results stay exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, bindparam, func, or_, select, text, update

from otel_llm.pricing.custom import table_for
from otel_llm.pricing.table import PricingTable
from otel_llm.storage import kinds
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_experiments import experiment_rollups
from otel_llm.storage.timeutil import as_utc

BATCH = 1000
_COLUMNS = [
    spans.c.trace_id,
    spans.c.span_id,
    spans.c.start_time,
    spans.c.provider,
    spans.c.request_model,
    spans.c.response_model,
    spans.c.input_tokens,
    spans.c.output_tokens,
    spans.c.cache_read_tokens,
    spans.c.cache_write_tokens,
    spans.c.cost_usd,
    spans.c.experiment,
    spans.c.variant,
    spans.c.is_llm,
]


@dataclass
class RepriceResult:
    scanned: int = 0
    changed: int = 0
    cost_before: float = 0.0
    cost_after: float = 0.0

    def as_dict(self) -> dict:
        return {
            "scanned": self.scanned,
            "changed": self.changed,
            "cost_before_usd": round(self.cost_before, 10),
            "cost_after_usd": round(self.cost_after, 10),
        }


def _where(project_id: int, since: datetime, until: datetime | None, model: str | None):
    costed = spans.c.category.in_(sorted(kinds.COSTED))  # model calls and embeddings
    clauses = [spans.c.project_id == project_id, costed, spans.c.start_time >= as_utc(since)]
    if until is not None:
        clauses.append(spans.c.start_time < as_utc(until))
    if model:
        clauses.append(or_(spans.c.response_model == model, spans.c.request_model == model))
    return and_(*clauses)


def count_spans(engine: Engine, project_id: int, since: datetime, until=None, model=None) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(spans).where(_where(project_id, since, until, model))
        return int(connection.execute(query).scalar() or 0)


def reprice(
    engine: Engine,
    project_id: int,
    since: datetime,
    *,
    until: datetime | None = None,
    model: str | None = None,
    pricing: PricingTable | None = None,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> RepriceResult:
    """Recompute the cost of the project's LLM spans that started at or after ``since``."""
    table = table_for(engine, project_id, pricing)
    result = RepriceResult()
    after: tuple | None = None
    where = _where(project_id, since, until, model)
    while True:
        query = select(*_COLUMNS).where(where).order_by(spans.c.start_time, spans.c.span_id).limit(batch)
        if after is not None:
            query = query.where(
                or_(
                    spans.c.start_time > after[0],
                    and_(spans.c.start_time == after[0], spans.c.span_id > after[1]),
                )
            )
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            if not rows:
                break
            _apply(connection, project_id, rows, table, result)
        after = (rows[-1].start_time, rows[-1].span_id)
        result.scanned += len(rows)
        if on_batch:
            on_batch(len(rows))
    return result


def _new_cost(table: PricingTable, row) -> float | None:
    return table.cost(
        row.response_model or row.request_model,
        row.input_tokens,
        row.output_tokens,
        row.cache_read_tokens,
        row.cache_write_tokens,
        provider=row.provider,
        at=as_utc(row.start_time),
    )


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-12 * max(1.0, abs(a))


def _apply(connection: Connection, project_id: int, rows, table: PricingTable, result: RepriceResult) -> None:
    changes = []
    deltas: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for row in rows:
        new = _new_cost(table, row)
        result.cost_before += row.cost_usd or 0.0
        result.cost_after += new or 0.0
        if _same(new, row.cost_usd):
            continue
        changes.append({"t": row.trace_id, "s": row.span_id, "c": new})
        if row.is_llm and row.experiment is not None and row.variant is not None:  # what the rollups hold
            d = deltas[(row.experiment, row.variant)]
            d[0] += (new is not None) - (row.cost_usd is not None)
            d[1] += (new or 0.0) - (row.cost_usd or 0.0)
            d[2] += (new or 0.0) ** 2 - (row.cost_usd or 0.0) ** 2
    if not changes:
        return
    statement = (
        update(spans)
        .where(
            spans.c.project_id == project_id,
            spans.c.trace_id == bindparam("t"),
            spans.c.span_id == bindparam("s"),
        )
        .values(cost_usd=bindparam("c"))
    )
    connection.execute(statement, changes)
    result.changed += len(changes)
    if deltas and connection.dialect.name == "postgresql":
        _adjust_rollups(connection, project_id, deltas)


def _adjust_rollups(connection: Connection, project_id: int, deltas) -> None:
    connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('otel_llm.experiment_rollups'), :p)"), {"p": project_id}
    )
    r = experiment_rollups.c
    statement = (
        update(experiment_rollups)
        .where(r.project_id == project_id, r.experiment == bindparam("e"), r.variant == bindparam("v"))
        .values(
            cost_n=r.cost_n + bindparam("dn"),
            cost_sum=r.cost_sum + bindparam("ds"),
            cost_sq=r.cost_sq + bindparam("dq"),
        )
    )
    params = [{"e": e, "v": v, "dn": d[0], "ds": d[1], "dq": d[2]} for (e, v), d in sorted(deltas.items())]
    connection.execute(statement, params)


@dataclass(frozen=True)
class MissingPrice:
    provider: str | None
    model: str
    calls: int
    last_seen: datetime | None

    def as_dict(self) -> dict:
        return {
            "provider": self.provider,
            "model": self.model,
            "calls": self.calls,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }


def missing_prices(engine: Engine, project_id: int, since: datetime | None = None) -> list[MissingPrice]:
    """Models of LLM calls stored with tokens but no cost, most calls first."""
    model = func.coalesce(spans.c.response_model, spans.c.request_model)
    clauses = [
        spans.c.project_id == project_id,
        spans.c.category.in_(sorted(kinds.COSTED)),
        spans.c.cost_usd.is_(None),
        or_(spans.c.input_tokens.is_not(None), spans.c.output_tokens.is_not(None)),
    ]
    if since is not None:
        clauses.append(spans.c.start_time >= as_utc(since))
    query = (
        select(
            spans.c.provider, model.label("model"), func.count().label("calls"), func.max(spans.c.start_time)
        )
        .where(*clauses)
        .group_by(spans.c.provider, model)
        .order_by(func.count().desc(), model)
    )
    with engine.connect() as connection:
        return [
            MissingPrice(p, m or "(no model)", int(n), as_utc(last) if last else None)
            for p, m, n, last in connection.execute(query)
        ]
