"""An experiment's spans summarised per variant, attributed only by the variant tag.

Per variant: calls, successes, counts/sums/sums of squares of latency and cost (for means and
standard deviations), token sums, p50/p95 latency, and the feedback scores' moments. On Postgres
these come from the rollups triggers keep as spans and scores are written (``rollups``: a handful of
rows, whatever the number of spans); elsewhere from one exact ``GROUP BY variant`` over the
project's LLM spans whose ``experiment`` tag names the experiment, the successful calls' durations
read back for percentiles interpolated linearly like ``percentile_cont``, and the feedback joined to
the spans it scores. Nothing here looks at models or time windows: two experiments on the same
model at the same time never mix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from sqlalchemy import Connection, and_, case, func, select, union_all

from otel_llm.experiments import rollups
from otel_llm.experiments.variant_rows import NO_VALUES, Moments, VariantRow
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_scores import USER_FEEDBACK as FEEDBACK
from otel_llm.storage.schema_scores import scores as feedback


def _ok():
    return spans.c.status_code != "ERROR"


def _where(project_id: int, experiment: str):
    return and_(
        spans.c.project_id == project_id,
        spans.c.experiment == experiment,
        spans.c.variant.is_not(None),
        spans.c.is_llm.is_(True),
    )


def summary_query(project_id: int, experiment: str):
    """The exact per-variant aggregate (percentiles aside)."""
    latency = case((_ok(), spans.c.duration_ms))
    cost = spans.c.cost_usd
    return (
        select(
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
        )
        .where(_where(project_id, experiment))
        .group_by(spans.c.variant)
    )


def feedback_query(project_id: int, experiment: str):
    """``user_feedback`` scores per variant: on the LLM span itself, or on its whole trace."""
    on_span = (
        select(spans.c.variant, feedback.c.value.label("score"))
        .join(
            feedback,
            and_(
                feedback.c.project_id == spans.c.project_id,
                feedback.c.span_id == spans.c.span_id,
                feedback.c.name == FEEDBACK,
            ),
        )
        .where(_where(project_id, experiment))
    )
    on_trace = (
        select(spans.c.variant, feedback.c.value.label("score"))
        .join(
            feedback,
            and_(
                feedback.c.project_id == spans.c.project_id,
                feedback.c.trace_id == spans.c.trace_id,
                feedback.c.span_id.is_(None),
                feedback.c.name == FEEDBACK,
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


def feedback_moments(conn: Connection, project_id: int, experiment: str) -> dict[str, Moments]:
    """Count, sum and sum of squares of the feedback scores per variant, joined exactly."""
    query = feedback_query(project_id, experiment)
    return {r[0]: Moments(r[1], r[2] or 0.0, r[3] or 0.0) for r in conn.execute(query)}


def summarise(conn: Connection, project_id: int, experiment: str) -> dict[str, VariantRow]:
    """Per-variant rows of experiment ``experiment`` (variants without spans are absent).

    Postgres reads the rollups its triggers keep (``rollups``: exact counts and moments, feedback
    included, p50/p95 from a histogram within ``histogram.RELATIVE_ERROR``); other databases
    aggregate the spans and join the feedback.
    """
    if conn.dialect.name == "postgresql":
        return rollups.read(conn, project_id, experiment)
    rows = exact(conn, project_id, experiment)
    scores = feedback_moments(conn, project_id, experiment)
    return {name: replace(row, feedback=scores.get(name, NO_VALUES)) for name, row in rows.items()}


def exact(conn: Connection, project_id: int, experiment: str) -> dict[str, VariantRow]:
    """Per-variant rows aggregated from the spans themselves, exact percentiles included (without
    feedback). Reads every span of the experiment: used where there is no rollup (SQLite)."""
    percentiles = _exact_percentiles(conn, project_id, experiment)
    out = {}
    for r in conn.execute(summary_query(project_id, experiment)):
        p50, p95 = percentiles.get(r.variant, (None, None))
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
            feedback=NO_VALUES,
        )
    return out


def _exact_percentiles(conn: Connection, project_id: int, experiment: str) -> dict[str, tuple[float, float]]:
    """p50/p95 of successful calls' durations, interpolated linearly like ``percentile_cont``."""
    import numpy

    durations: dict[str, list[float]] = defaultdict(list)
    query = select(spans.c.variant, spans.c.duration_ms).where(
        _where(project_id, experiment), _ok(), spans.c.duration_ms.is_not(None)
    )
    for variant, duration in conn.execute(query):
        durations[variant].append(duration)
    percentiles = {
        variant: numpy.percentile(values, [50, 95], method="linear") for variant, values in durations.items()
    }
    return {variant: (float(p50), float(p95)) for variant, (p50, p95) in percentiles.items()}
