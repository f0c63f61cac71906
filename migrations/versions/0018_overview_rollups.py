"""overview rollups: LLM calls per hour, model, provider and status, kept exact by triggers on spans

Revision ID: 0018_overview_rollups
Revises: 0019_partitions
Create Date: 2026-12-04

Tables ``overview_rollups`` (calls, tokens, cost per project/hour/model/provider/status),
``overview_latency`` (the same key per hour and per day, with a count per log-spaced latency
bucket) and ``overview_latency_edges`` (each bucket's lower edge). See
``otel_llm/storage/schema_overview.py``. Only app traffic counts: LLM calls that are neither
replays nor evaluation calls.

Triggers keep the rollups exact on every write to ``spans``:

- Postgres: statement-level ``AFTER INSERT`` / ``UPDATE`` / ``DELETE`` triggers over transition
  tables (they fire for COPY and for ``INSERT … ON CONFLICT DO NOTHING``, whose transition table
  holds only the rows actually inserted, so retries never count twice). A statement's rows are
  summed per key and upserted in key order (concurrent writers wait on the row locks, in the same
  order). An update subtracts the old rows and adds the new ones (repricing changes ``cost_usd``);
  a delete subtracts. Rows of a project being deleted are skipped (its rollups cascade away).
- SQLite: the same per row, ``AFTER INSERT`` / ``UPDATE OF`` the rolled-up columns / ``DELETE``;
  the latency bucket is looked up in ``overview_latency_edges`` (SQLite builds may lack ``ln``).

Also: indexes ``ix_spans_llm_duration``, ``ix_spans_llm_cost`` and ``ix_spans_llm_cost_asc`` for
the spans list sorted by duration and by cost (partial, ``WHERE is_llm``, on Postgres).

Everything that defines the triggers is here, in ``create_triggers`` / ``drop_triggers``, so that a
later migration which re-creates ``spans`` (e.g. partitioned) re-creates them with one call. The
triggers are created before the backfill, in the same transaction: writers wait for its commit, so
nothing is missed or counted twice.
"""

import math

import sqlalchemy as sa
from alembic import op

revision = "0018_overview_rollups"
down_revision = "0019_partitions"
branch_labels = None
depends_on = None

# Must equal otel_llm/storage/schema_overview.py (tests/test_overview_rollups.py checks it).
BUCKETS_PER_E = 10
FIRST_BUCKET = -47
LAST_BUCKET = 230
PERIODS = (3600, 86400)

KEY = "project_id, hour, model, provider, status"
LATENCY_KEY = "project_id, start, period, model, provider, status, bucket"
COUNTED = "is_llm AND replay_of IS NULL AND evaluation IS NULL"
MODEL = "coalesce({a}request_model, {a}response_model, '(unknown)')"
SUMS = "calls, input_tokens, output_tokens, cost_n, cost_usd"
ADD_SUMS = ", ".join(f"{c} = {{r}}{c} + excluded.{c}" for c in SUMS.split(", "))

# --- Postgres: one statement per table over a statement's signed rows ------------------------------
PG_EPOCH = "extract(epoch FROM start_time)"
PG_ROLLUP_SQL = f"""
INSERT INTO overview_rollups AS r ({KEY}, {SUMS})
SELECT project_id, (floor({PG_EPOCH} / 3600) * 3600)::bigint, {MODEL.format(a="")},
    coalesce(provider, ''), status_code, sum(sign), sum(sign * coalesce(input_tokens, 0)),
    sum(sign * coalesce(output_tokens, 0)), sum(sign * (cost_usd IS NOT NULL)::int),
    coalesce(sum(sign * cost_usd), 0)
FROM ({{rows}}) s
WHERE {COUNTED} AND project_id IN (SELECT id FROM projects)
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
ON CONFLICT ({KEY}) DO UPDATE SET {ADD_SUMS.format(r="r.")}
"""

PG_LATENCY_SQL = f"""
INSERT INTO overview_latency AS r ({LATENCY_KEY}, count)
SELECT project_id, (floor({PG_EPOCH} / p.period) * p.period)::bigint, p.period, {MODEL.format(a="")},
    coalesce(provider, ''), status_code,
    least(floor(ln(greatest(duration_ms, 0.01)) * {BUCKETS_PER_E})::int, {LAST_BUCKET}), sum(sign)
FROM ({{rows}}) s CROSS JOIN (VALUES {", ".join(f"({p})" for p in PERIODS)}) AS p(period)
WHERE {COUNTED} AND project_id IN (SELECT id FROM projects)
GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT ({LATENCY_KEY}) DO UPDATE SET count = r.count + excluded.count
"""

PG_SOURCES = {
    "insert": "SELECT 1 AS sign, * FROM new_rows",
    "update": "SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows",
    "delete": "SELECT -1 AS sign, * FROM old_rows",
}
PG_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def _pg_function(event: str) -> str:
    rows = PG_SOURCES[event]
    return f"""
CREATE FUNCTION otel_llm_overview_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {PG_ROLLUP_SQL.replace("{rows}", rows)};
    {PG_LATENCY_SQL.replace("{rows}", rows)};
    RETURN NULL;
END
$$
"""


def _pg_trigger(event: str) -> str:
    return f"""CREATE TRIGGER otel_llm_overview_{event} AFTER {event.upper()} ON spans
    REFERENCING {PG_TRANSITIONS[event]} FOR EACH STATEMENT EXECUTE FUNCTION otel_llm_overview_{event}()"""


# --- SQLite: the same per row ---------------------------------------------------------------------
SQLITE_EPOCH = "CAST(strftime('%s', {a}start_time) AS INTEGER)"
SQLITE_ROLLUP_SQL = f"""
INSERT INTO overview_rollups ({KEY}, {SUMS})
SELECT {{a}}project_id, {SQLITE_EPOCH} / 3600 * 3600, {MODEL}, coalesce({{a}}provider, ''),
    {{a}}status_code, {{sign}}, {{sign}} * coalesce({{a}}input_tokens, 0),
    {{sign}} * coalesce({{a}}output_tokens, 0), {{sign}} * ({{a}}cost_usd IS NOT NULL),
    {{sign}} * coalesce({{a}}cost_usd, 0)
{{from_spans}}WHERE {{counted}}
ON CONFLICT ({KEY}) DO UPDATE SET {ADD_SUMS.format(r="")}
"""

SQLITE_LATENCY_SQL = f"""
INSERT INTO overview_latency ({LATENCY_KEY}, count)
SELECT {{a}}project_id, {SQLITE_EPOCH} / p.period * p.period, p.period, {MODEL},
    coalesce({{a}}provider, ''), {{a}}status_code,
    coalesce((SELECT e.bucket FROM overview_latency_edges e WHERE e.lower_ms <= {{a}}duration_ms
              ORDER BY e.lower_ms DESC LIMIT 1), {FIRST_BUCKET}), {{sign}}
FROM {{spans}}({" UNION ALL ".join(f"SELECT {p} AS period" for p in PERIODS)}) p
WHERE {{counted}}
ON CONFLICT ({LATENCY_KEY}) DO UPDATE SET count = count + excluded.count
"""

# Columns an update must change for the rollups to change.
ROLLED_UP = (
    "project_id, start_time, duration_ms, status_code, is_llm, provider, request_model, response_model, "
    "input_tokens, output_tokens, cost_usd, replay_of, evaluation"
)


def _sqlite_sql(alias: str, sign: int, table: str = "") -> str:
    """Both upserts for row ``alias`` (NEW or OLD in a trigger), or for every row ``alias`` of
    ``table``: SQLite's upsert takes a many-row SELECT row by row, so the backfill is the same SQL."""
    a = f"{alias}."
    counted = " AND ".join(f"{a}{c}" for c in ("is_llm", "replay_of IS NULL", "evaluation IS NULL"))
    counted += f" AND EXISTS (SELECT 1 FROM projects WHERE id = {a}project_id)"
    values = {
        "{a}": a,
        "{sign}": str(sign),
        "{counted}": counted,
        "{from_spans}": f"FROM {table} {alias}\n" if table else "",
        "{spans}": f"{table} {alias}, " if table else "",
    }
    statements = []
    for template in (SQLITE_ROLLUP_SQL, SQLITE_LATENCY_SQL):
        for placeholder, value in values.items():
            template = template.replace(placeholder, value)
        statements.append(template.strip() + ";\n")
    return "".join(statements)


def _sqlite_trigger(event: str) -> str:
    body = {
        "insert": _sqlite_sql("NEW", 1),
        "update": _sqlite_sql("OLD", -1) + _sqlite_sql("NEW", 1),
        "delete": _sqlite_sql("OLD", -1),
    }[event]
    on = f"UPDATE OF {ROLLED_UP}" if event == "update" else event.upper()
    return f"CREATE TRIGGER otel_llm_overview_{event} AFTER {on} ON spans BEGIN\n{body}END"


EVENTS = ("insert", "update", "delete")


def create_triggers(dialect: str) -> None:
    """Create the triggers on ``spans`` (and on Postgres their functions)."""
    for event in EVENTS:
        if dialect == "postgresql":
            op.execute(_pg_function(event))
            op.execute(_pg_trigger(event))
        else:
            op.execute(_sqlite_trigger(event))


def drop_triggers(dialect: str) -> None:
    for event in EVENTS:
        op.execute(
            f"DROP TRIGGER otel_llm_overview_{event}" + (" ON spans" if dialect == "postgresql" else "")
        )
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION otel_llm_overview_{event}()")


def _key_columns(time_column: str) -> list[sa.Column]:
    return [
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column(time_column, sa.BigInteger, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
    ]


def _create_tables() -> None:
    op.create_table(
        "overview_rollups",
        *_key_columns("hour"),
        *[
            sa.Column(c, sa.BigInteger, nullable=False)
            for c in ("calls", "input_tokens", "output_tokens", "cost_n")
        ],
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "hour", "model", "provider", "status", name="pk_overview_rollups"
        ),
    )
    op.create_table(
        "overview_latency",
        *_key_columns("start"),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id",
            "period",
            "start",
            "model",
            "provider",
            "status",
            "bucket",
            name="pk_overview_latency",
        ),
    )
    edges = op.create_table(
        "overview_latency_edges",
        sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("lower_ms", sa.Float, nullable=False),
    )
    op.create_index("ix_overview_latency_edges_lower", "overview_latency_edges", ["lower_ms"], unique=True)
    rows = [
        {"bucket": b, "lower_ms": math.exp(b / BUCKETS_PER_E)}
        for b in range(FIRST_BUCKET + 1, LAST_BUCKET + 1)
    ]
    op.bulk_insert(edges, rows)


def _backfill(dialect: str) -> None:
    if dialect == "postgresql":
        rows = "SELECT 1 AS sign, * FROM spans"
        op.execute(PG_ROLLUP_SQL.replace("{rows}", rows))
        op.execute(PG_LATENCY_SQL.replace("{rows}", rows))
        return
    for statement in _sqlite_sql("s", 1, table="spans").split(";\n")[:2]:
        op.execute(statement)


def _create_sort_indexes() -> None:
    where = sa.text("is_llm")
    keys = {
        "duration": "duration_ms",
        "cost": "coalesce(cost_usd, -1.0)",
        "cost_asc": "coalesce(cost_usd, 1000000000000000000.0)",
    }
    for name, key in keys.items():
        columns = [sa.text("project_id"), sa.text(key), sa.text("trace_id"), sa.text("span_id")]
        op.create_index(f"ix_spans_llm_{name}", "spans", columns, postgresql_where=where)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _create_sort_indexes()
    _create_tables()
    create_triggers(dialect)  # their locks hold writers back until the backfill commits
    _backfill(dialect)


def downgrade() -> None:
    drop_triggers(op.get_bind().dialect.name)
    op.drop_table("overview_latency_edges")
    op.drop_table("overview_latency")
    op.drop_table("overview_rollups")
    op.drop_index("ix_spans_llm_cost_asc", table_name="spans")
    op.drop_index("ix_spans_llm_cost", table_name="spans")
    op.drop_index("ix_spans_llm_duration", table_name="spans")
