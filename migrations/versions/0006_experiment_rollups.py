"""experiment rollups: per-variant totals and latency histograms kept up to date by Postgres

Revision ID: 0006_experiment_rollups
Revises: 0005_replays
Create Date: 2026-11-27

Tables ``experiment_rollups`` (counts, sums and sums of squares per project/experiment/variant),
``experiment_latency_buckets`` (log-scale histogram of successful calls' durations, see
``otel_llm/experiments/histogram.py``) and ``experiment_feedback_rollups`` (feedback scores' count,
sum and sum of squares) exist on both databases. On Postgres, statement-level ``AFTER INSERT``
triggers keep them: on ``spans`` for each statement's new LLM experiment spans (it fires for COPY
and for INSERT … ON CONFLICT DO NOTHING, and its transition table holds only the rows actually
inserted, so duplicate exports and retries never count twice), and on ``feedback`` for new scores.
Writers of a project's rollups take one transaction-scoped advisory lock per project first, then
upsert in key order: concurrent writers wait on each other, never deadlock, and a span and its
score written at the same moment are paired exactly once. The triggers are created before the
backfill, in the same transaction: their locks on the tables hold writers back until the backfill
is committed, so nothing is missed or counted twice. SQLite computes results exactly from the
spans and leaves these tables empty.

Also: ``ix_spans_experiment_results`` becomes partial (``WHERE experiment IS NOT NULL``), so spans
outside experiments no longer cost an index write.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_experiment_rollups"
down_revision = "0005_replays"
branch_labels = None
depends_on = None

RESULTS_INCLUDE = ["status_code", "is_llm", "cost_usd", "input_tokens", "output_tokens", "span_id"]
RESULTS_COLUMNS = ["project_id", "experiment", "variant", "duration_ms"]
KEY = "project_id, experiment, variant"
TAGGED = "experiment IS NOT NULL AND variant IS NOT NULL AND is_llm"
S_TAGGED = "s.experiment IS NOT NULL AND s.variant IS NOT NULL AND s.is_llm"
OK = "status_code <> 'ERROR'"
# Must equal otel_llm.experiments.histogram.bucket_of (tests/test_experiments_rollup.py checks it).
BUCKET = "floor(ln(greatest(duration_ms, 0.01)) * 40)::int"
# Every writer of a project's rollups holds this lock (key: this number and the project id).
LOCK = "pg_advisory_xact_lock(hashtext('otel_llm.experiment_rollups'), project_id)"

ROLLUP_SQL = f"""
INSERT INTO experiment_rollups AS r ({KEY}, calls, successes, latency_n, latency_sum, latency_sq,
    latency_min, latency_max, input_tokens, output_tokens, cost_n, cost_sum, cost_sq)
SELECT {KEY}, count(*), count(*) FILTER (WHERE {OK}),
    count(duration_ms) FILTER (WHERE {OK}),
    coalesce(sum(duration_ms) FILTER (WHERE {OK}), 0),
    coalesce(sum(duration_ms * duration_ms) FILTER (WHERE {OK}), 0),
    min(duration_ms) FILTER (WHERE {OK}), max(duration_ms) FILTER (WHERE {OK}),
    coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
    count(cost_usd), coalesce(sum(cost_usd), 0), coalesce(sum(cost_usd * cost_usd), 0)
FROM {{spans}} WHERE {TAGGED}
GROUP BY {KEY} ORDER BY {KEY}
ON CONFLICT ({KEY}) DO UPDATE SET
    calls = r.calls + EXCLUDED.calls, successes = r.successes + EXCLUDED.successes,
    latency_n = r.latency_n + EXCLUDED.latency_n, latency_sum = r.latency_sum + EXCLUDED.latency_sum,
    latency_sq = r.latency_sq + EXCLUDED.latency_sq,
    latency_min = least(r.latency_min, EXCLUDED.latency_min),
    latency_max = greatest(r.latency_max, EXCLUDED.latency_max),
    input_tokens = r.input_tokens + EXCLUDED.input_tokens,
    output_tokens = r.output_tokens + EXCLUDED.output_tokens,
    cost_n = r.cost_n + EXCLUDED.cost_n, cost_sum = r.cost_sum + EXCLUDED.cost_sum,
    cost_sq = r.cost_sq + EXCLUDED.cost_sq
"""

BUCKETS_SQL = f"""
INSERT INTO experiment_latency_buckets AS b ({KEY}, bucket, count)
SELECT {KEY}, {BUCKET}, count(*)
FROM {{spans}} WHERE {TAGGED} AND {OK} AND duration_ms IS NOT NULL
GROUP BY {KEY}, 4 ORDER BY {KEY}, 4
ON CONFLICT ({KEY}, bucket) DO UPDATE SET count = b.count + EXCLUDED.count
"""

# A score counts for the LLM span it names, or for every LLM span of the trace it names (no span
# id): the same pairs as the exact join in otel_llm/experiments/aggregate.py. A pair is added by
# whichever of the two rows is stored last: the feedback trigger pairs new scores with stored spans,
# the spans trigger new spans with stored scores.
FEEDBACK_SQL = f"""
INSERT INTO experiment_feedback_rollups AS r ({KEY}, n, total, sum_squares)
SELECT {KEY}, count(*), sum(score), sum(score * score) FROM (
    SELECT s.project_id, s.experiment, s.variant, f.score
    FROM {{feedback}} f JOIN {{spans}} s ON s.project_id = f.project_id AND s.span_id = f.span_id
    WHERE f.span_id IS NOT NULL AND {S_TAGGED}
    UNION ALL
    SELECT s.project_id, s.experiment, s.variant, f.score
    FROM {{feedback}} f JOIN {{spans}} s ON s.project_id = f.project_id AND s.trace_id = f.trace_id
    WHERE f.span_id IS NULL AND {S_TAGGED}
) pairs
GROUP BY {KEY} ORDER BY {KEY}
ON CONFLICT ({KEY}) DO UPDATE SET
    n = r.n + EXCLUDED.n, total = r.total + EXCLUDED.total, sum_squares = r.sum_squares + EXCLUDED.sum_squares
"""


# The same pairs for a batch of new spans: one probe of each feedback index per span (the planner
# would otherwise hash the whole feedback table for every batch).
NEW_SPANS_FEEDBACK_SQL = f"""
INSERT INTO experiment_feedback_rollups AS r ({KEY}, n, total, sum_squares)
SELECT s.project_id, s.experiment, s.variant, count(*), sum(f.score), sum(f.score * f.score)
FROM new_rows s CROSS JOIN LATERAL (
    SELECT score FROM feedback WHERE project_id = s.project_id AND span_id = s.span_id
    UNION ALL
    SELECT score FROM feedback WHERE project_id = s.project_id AND trace_id = s.trace_id AND span_id IS NULL
    OFFSET 0
) f
WHERE {S_TAGGED}
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT ({KEY}) DO UPDATE SET
    n = r.n + EXCLUDED.n, total = r.total + EXCLUDED.total, sum_squares = r.sum_squares + EXCLUDED.sum_squares
"""


def _sql(template: str, **sources: str) -> str:
    return template.replace("{spans}", sources.get("spans", "spans")).replace(
        "{feedback}", sources.get("feedback", "feedback")
    )


# Why the lock: a span and its score written at the same time by two transactions would each miss
# the other (neither is committed yet). Holding the project's lock until commit, the second one
# waits, and its queries — each with a fresh snapshot — then see the first one's rows. The spans
# trigger takes it before any upsert, so rollup rows are only ever locked under it: no deadlock.
SPANS_FUNCTION_SQL = f"""
CREATE FUNCTION otel_llm_experiment_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows WHERE {TAGGED}) THEN
        RETURN NULL;
    END IF;
    PERFORM {LOCK} FROM (SELECT DISTINCT project_id FROM new_rows WHERE {TAGGED} ORDER BY 1) p;
    {_sql(ROLLUP_SQL, spans="new_rows")};
    {_sql(BUCKETS_SQL, spans="new_rows")};
    {NEW_SPANS_FEEDBACK_SQL};
    RETURN NULL;
END
$$
"""

FEEDBACK_FUNCTION_SQL = f"""
CREATE FUNCTION otel_llm_experiment_feedback_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM {LOCK} FROM (SELECT DISTINCT project_id FROM new_feedback ORDER BY 1) p;
    {_sql(FEEDBACK_SQL, feedback="new_feedback")};
    RETURN NULL;
END
$$
"""

TRIGGERS_SQL = [
    """CREATE TRIGGER otel_llm_experiment_rollup AFTER INSERT ON spans
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION otel_llm_experiment_rollup()""",
    """CREATE TRIGGER otel_llm_experiment_feedback_rollup AFTER INSERT ON feedback
    REFERENCING NEW TABLE AS new_feedback FOR EACH STATEMENT
    EXECUTE FUNCTION otel_llm_experiment_feedback_rollup()""",
]


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("experiment", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(200), nullable=False),
    ]


def _create_tables() -> None:
    counts = ["calls", "successes", "latency_n", "input_tokens", "output_tokens", "cost_n"]
    sums = ["latency_sum", "latency_sq", "cost_sum", "cost_sq"]
    op.create_table(
        "experiment_rollups",
        *_key_columns(),
        *[sa.Column(name, sa.BigInteger, nullable=False) for name in counts],
        *[sa.Column(name, sa.Float, nullable=False) for name in sums],
        sa.Column("latency_min", sa.Float),
        sa.Column("latency_max", sa.Float),
        sa.PrimaryKeyConstraint("project_id", "experiment", "variant", name="pk_experiment_rollups"),
    )
    op.create_table(
        "experiment_latency_buckets",
        *_key_columns(),
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "experiment", "variant", "bucket", name="pk_experiment_latency_buckets"
        ),
    )
    op.create_table(
        "experiment_feedback_rollups",
        *_key_columns(),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("sum_squares", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "experiment", "variant", name="pk_experiment_feedback_rollups"),
    )


def _results_index(partial: bool) -> None:
    op.drop_index("ix_spans_experiment_results", table_name="spans")
    where = sa.text("experiment IS NOT NULL") if partial else None
    op.create_index(
        "ix_spans_experiment_results",
        "spans",
        RESULTS_COLUMNS,
        postgresql_include=RESULTS_INCLUDE,
        postgresql_where=where,
        sqlite_where=where,
    )


def upgrade() -> None:
    _create_tables()
    _results_index(partial=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SPANS_FUNCTION_SQL)
        op.execute(FEEDBACK_FUNCTION_SQL)
        for statement in TRIGGERS_SQL:  # their locks hold writers back until the backfill commits
            op.execute(statement)
        for template in (ROLLUP_SQL, BUCKETS_SQL, FEEDBACK_SQL):
            op.execute(_sql(template))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER otel_llm_experiment_feedback_rollup ON feedback")
        op.execute("DROP TRIGGER otel_llm_experiment_rollup ON spans")
        op.execute("DROP FUNCTION otel_llm_experiment_feedback_rollup()")
        op.execute("DROP FUNCTION otel_llm_experiment_rollup()")
    _results_index(partial=False)
    op.drop_table("experiment_feedback_rollups")
    op.drop_table("experiment_latency_buckets")
    op.drop_table("experiment_rollups")
