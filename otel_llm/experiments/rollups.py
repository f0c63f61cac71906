"""Per-variant results read from the rollups Postgres keeps as spans are written.

The trigger of migration ``0006_experiment_rollups`` adds every stored LLM span tagged with an
experiment and a variant to ``experiment_rollups`` (counts, sums, sums of squares: means and
standard deviations are exact) and to ``experiment_latency_buckets`` (a log-scale histogram:
p50/p95 within ``histogram.RELATIVE_ERROR``). Reading an experiment's results is then a lookup of
a few rows, however many spans it has.

Feedback scores are rolled up too (``experiment_feedback_rollups``): a score and its span are paired
by whichever of the two is stored last, under a per-project lock (see the migration).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from otel_llm.experiments import histogram
from otel_llm.experiments.variant_rows import NO_VALUES, Moments, VariantRow
from otel_llm.storage.schema_experiments import experiment_feedback_rollups as scores
from otel_llm.storage.schema_experiments import experiment_latency_buckets as buckets
from otel_llm.storage.schema_experiments import experiment_rollups as rollups


def read(conn: Connection, project_id: int, experiment: str) -> dict[str, VariantRow]:
    """Per-variant rows of ``experiment`` from the rollups."""
    counts = _bucket_counts(conn, project_id, experiment)
    feedback = _feedback(conn, project_id, experiment)
    query = select(rollups).where(rollups.c.project_id == project_id, rollups.c.experiment == experiment)
    out = {}
    for r in conn.execute(query):
        latency = counts.get(r.variant, [])
        out[r.variant] = VariantRow(
            variant=r.variant,
            calls=r.calls,
            successes=r.successes,
            latency=Moments(r.latency_n, r.latency_sum, r.latency_sq),
            p50_ms=histogram.percentile(latency, 0.50, r.latency_min, r.latency_max),
            p95_ms=histogram.percentile(latency, 0.95, r.latency_min, r.latency_max),
            input_tokens=r.input_tokens,
            output_tokens=r.output_tokens,
            cost=Moments(r.cost_n, r.cost_sum, r.cost_sq),
            feedback=feedback.get(r.variant, NO_VALUES),
        )
    return out


def _feedback(conn: Connection, project_id: int, experiment: str) -> dict[str, Moments]:
    query = select(scores).where(scores.c.project_id == project_id, scores.c.experiment == experiment)
    return {r.variant: Moments(r.n, r.total, r.sum_squares) for r in conn.execute(query)}


def _bucket_counts(conn: Connection, project_id: int, experiment: str) -> dict[str, list[tuple[int, int]]]:
    query = select(buckets.c.variant, buckets.c.bucket, buckets.c["count"]).where(
        buckets.c.project_id == project_id, buckets.c.experiment == experiment
    )
    counts: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for variant, bucket, count in conn.execute(query):
        counts[variant].append((bucket, count))
    return counts
