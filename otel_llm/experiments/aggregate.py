"""The SQL that summarises an experiment's spans per variant, attributed only by the variant tag.

One ``GROUP BY variant`` over the project's LLM spans whose ``experiment`` tag names the
experiment: counts, sums and sums of squares (for means and standard deviations), and on Postgres
the p50/p95 latency with ``percentile_cont``. SQLite has no percentile aggregate, so there the
successful calls' durations are read back and interpolated the same way (linear, like
``percentile_cont``). Nothing here looks at models or time windows: two experiments on the same
model at the same time never mix.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, and_, case, func, literal, select, union_all

from otel_llm.storage.schema import spans
from otel_llm.storage.schema_prompts import feedback


@dataclass(frozen=True)
class Moments:
    """Count, mean and sample standard deviation from SQL sums."""

    n: int
    total: float
    sum_squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        variance = (self.sum_squares - self.total**2 / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))


@dataclass(frozen=True)
class VariantRow:
    variant: str
    calls: int
    successes: int
    latency: Moments
    p50_ms: float | None
    p95_ms: float | None
    input_tokens: int
    output_tokens: int
    cost: Moments
    feedback: Moments


def _ok():
    return spans.c.status_code != "ERROR"


def _where(project_id: int, experiment: str):
    return and_(spans.c.project_id == project_id, spans.c.experiment == experiment, spans.c.is_llm.is_(True))


def summary_query(project_id: int, experiment: str, postgres: bool):
    """The per-variant aggregate (``percentile_cont`` included on Postgres)."""
    latency = case((_ok(), spans.c.duration_ms))
    cost = spans.c.cost_usd
    columns = [
        spans.c.variant,
        func.count().label("calls"),
        func.sum(case((_ok(), 1), else_=0)).label("successes"),
        func.count(latency).label("latency_n"),
        func.sum(latency).label("latency_sum"),
        func.sum(latency * latency).label("latency_sq"),
        func.sum(spans.c.input_tokens).label("input_tokens"),
        func.sum(spans.c.output_tokens).label("output_tokens"),
        func.count(cost).label("cost_n"),
        func.sum(cost).label("cost_sum"),
        func.sum(cost * cost).label("cost_sq"),
    ]
    if postgres:
        columns += [
            func.percentile_cont(0.5).within_group(spans.c.duration_ms).filter(_ok()).label("p50"),
            func.percentile_cont(0.95).within_group(spans.c.duration_ms).filter(_ok()).label("p95"),
        ]
    else:
        columns += [literal(None).label("p50"), literal(None).label("p95")]
    return select(*columns).where(_where(project_id, experiment)).group_by(spans.c.variant)


def feedback_query(project_id: int, experiment: str):
    """Feedback scores per variant: on the LLM span itself, or on its whole trace."""
    on_span = (
        select(spans.c.variant, feedback.c.score)
        .join(
            feedback, and_(feedback.c.project_id == spans.c.project_id, feedback.c.span_id == spans.c.span_id)
        )
        .where(_where(project_id, experiment))
    )
    on_trace = (
        select(spans.c.variant, feedback.c.score)
        .join(
            feedback,
            and_(
                feedback.c.project_id == spans.c.project_id,
                feedback.c.trace_id == spans.c.trace_id,
                feedback.c.span_id.is_(None),
            ),
        )
        .where(_where(project_id, experiment))
    )
    scores = union_all(on_span, on_trace).subquery()
    return select(
        scores.c.variant,
        func.count(scores.c.score),
        func.sum(scores.c.score),
        func.sum(scores.c.score * scores.c.score),
    ).group_by(scores.c.variant)


def summarise(conn: Connection, project_id: int, experiment: str) -> dict[str, VariantRow]:
    """Per-variant rows of experiment ``experiment`` (variants without spans are absent)."""
    postgres = conn.dialect.name == "postgresql"
    rows = conn.execute(summary_query(project_id, experiment, postgres)).all()
    scores = {
        r[0]: Moments(r[1], r[2] or 0.0, r[3] or 0.0)
        for r in conn.execute(feedback_query(project_id, experiment))
    }
    percentiles = {} if postgres else _sqlite_percentiles(conn, project_id, experiment)
    out = {}
    for r in rows:
        p50, p95 = (r.p50, r.p95) if postgres else percentiles.get(r.variant, (None, None))
        out[r.variant] = VariantRow(
            variant=r.variant,
            calls=r.calls,
            successes=int(r.successes or 0),
            latency=Moments(r.latency_n, r.latency_sum or 0.0, r.latency_sq or 0.0),
            p50_ms=p50,
            p95_ms=p95,
            input_tokens=int(r.input_tokens or 0),
            output_tokens=int(r.output_tokens or 0),
            cost=Moments(r.cost_n, r.cost_sum or 0.0, r.cost_sq or 0.0),
            feedback=scores.get(r.variant, Moments(0, 0.0, 0.0)),
        )
    return out


def _sqlite_percentiles(conn: Connection, project_id: int, experiment: str) -> dict[str, tuple[float, float]]:
    import numpy

    durations: dict[str, list[float]] = defaultdict(list)
    query = select(spans.c.variant, spans.c.duration_ms).where(_where(project_id, experiment), _ok())
    for variant, duration in conn.execute(query):
        durations[variant].append(duration)
    return {
        variant: tuple(float(x) for x in numpy.percentile(values, [50, 95], method="linear"))
        for variant, values in durations.items()
    }
