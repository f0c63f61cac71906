"""scores: named, typed scores on spans and traces, and their configs

Revision ID: 0010_scores
Revises: 0009_datasets
Create Date: 2026-12-03

``score_configs`` declares a project's score names (data type, numeric scale, categories);
``scores`` holds every judgement (human, API or evaluator), see ``otel_llm/storage/schema_scores.py``.

Feedback becomes the score ``user_feedback``: each project with feedback gets its config (numeric,
no bounds) and every ``feedback`` row becomes a score with the same id, target, value, comment and
time; its channel (sdk, api, cli, console) is kept as ``source_name`` and gives the source (cli and
console: human; sdk and api: api). The ``feedback`` table is dropped. On Postgres the experiment
rollup triggers of ``0006_experiment_rollups`` now pair ``user_feedback`` scores with spans: the
feedback trigger moves to ``scores``, the spans trigger reads ``scores``. The rollups already count
the moved rows, so the rows are copied before the new trigger exists. Downgrade does the reverse
(``user_feedback`` scores back into ``feedback``, ids kept; other scores are dropped with the table).
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0010_scores"
down_revision = "0009_datasets"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ON_SPAN = sa.text("span_id IS NOT NULL")
ON_RUN = sa.text("eval_run_id IS NOT NULL")


def _project_column() -> sa.Column:
    return sa.Column(
        "project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _json() -> sa.types.TypeEngine:
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.JSON().with_variant(JSONB(), "postgresql")


def _create_tables() -> None:
    op.create_table(
        "score_configs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _project_column(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("min_value", sa.Float),
        sa.Column("max_value", sa.Float),
        sa.Column("categories", _json()),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        _created_at(),
        _created_at("updated_at"),
        sa.UniqueConstraint("project_id", "name", name="uq_score_configs_project_name"),
    )
    op.create_table(
        "scores",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        _project_column(),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("span_id", sa.String(16)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("string_value", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(200)),
        sa.Column("source_version", sa.String(50)),
        sa.Column("author", sa.String(320), nullable=False, server_default=""),
        sa.Column("eval_run_id", BIG_ID),
        sa.Column("details", _json()),
        _created_at(),
    )
    op.create_index(
        "ix_scores_project_span",
        "scores",
        ["project_id", "span_id", "name"],
        postgresql_where=ON_SPAN,
        sqlite_where=ON_SPAN,
    )
    op.create_index("ix_scores_project_trace", "scores", ["project_id", "trace_id", "name"])
    op.create_index("ix_scores_project_name", "scores", ["project_id", "name", "value"])
    op.create_index(
        "ix_scores_eval_run",
        "scores",
        ["eval_run_id", "name", "value"],
        postgresql_where=ON_RUN,
        sqlite_where=ON_RUN,
    )


FEEDBACK = "user_feedback"
FEEDBACK_DESCRIPTION = (
    "Feedback from the app (otel_llm.record_feedback, otel-llm feedback add, POST /api/v1/feedback)."
)
HUMAN_CHANNELS = "('cli', 'console')"


def _rollups():
    """Migration 0006, whose rollup SQL the Postgres triggers reuse (with ``scores`` for ``feedback``)."""
    path = Path(__file__).with_name("0006_experiment_rollups.py")
    spec = importlib.util.spec_from_file_location("otel_llm_migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _on_scores(sql: str) -> str:
    """0006's per-span probes of ``feedback`` as probes of the ``user_feedback`` scores (same index
    use: ``(project_id, span_id, name)`` and ``(project_id, trace_id, name)``)."""
    return sql.replace(
        "SELECT score FROM feedback WHERE", f"SELECT value AS score FROM scores WHERE name = '{FEEDBACK}' AND"
    )


def _copy_feedback_to_scores() -> None:
    op.execute(
        f"""INSERT INTO score_configs (project_id, name, data_type, description, created_by)
        SELECT DISTINCT project_id, '{FEEDBACK}', 'numeric', '{FEEDBACK_DESCRIPTION}', 'migration'
        FROM feedback"""
    )
    op.execute(
        f"""INSERT INTO scores (id, project_id, trace_id, span_id, name, data_type, value, comment,
            source, source_name, author, created_at)
        SELECT id, project_id, trace_id, span_id, '{FEEDBACK}', 'numeric', score, comment,
            CASE WHEN source IN {HUMAN_CHANNELS} THEN 'human' ELSE 'api' END, source, '', created_at
        FROM feedback ORDER BY id"""
    )
    if op.get_bind().dialect.name == "postgresql":  # ids were copied: move the sequence past them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('scores', 'id'), coalesce(max(id), 0) + 1, false) FROM scores"
        )


def _copy_scores_to_feedback() -> None:
    op.execute(
        f"""INSERT INTO feedback (id, project_id, trace_id, span_id, score, comment, source, created_at)
        SELECT id, project_id, trace_id, span_id, value, comment,
            CASE WHEN source_name IN ('sdk', 'api', 'cli', 'console') THEN source_name
                 WHEN source = 'human' THEN 'console' ELSE 'api' END, created_at
        FROM scores WHERE name = '{FEEDBACK}' AND value IS NOT NULL ORDER BY id"""
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('feedback', 'id'), coalesce(max(id), 0) + 1, false) FROM feedback"
        )


def _create_feedback_table() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _project_column(),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("span_id", sa.String(16)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(16), nullable=False),
        _created_at(),
    )
    op.create_index("ix_feedback_project_span", "feedback", ["project_id", "span_id"])
    op.create_index("ix_feedback_project_trace", "feedback", ["project_id", "trace_id"])


def _drop_feedback_table() -> None:
    op.drop_index("ix_feedback_project_trace", table_name="feedback")
    op.drop_index("ix_feedback_project_span", table_name="feedback")
    op.drop_table("feedback")


def _feedback_function(name: str, rows: str, sign: str) -> str:
    """A statement trigger's function adding (``sign`` "") or taking back (``sign`` "-") the
    ``user_feedback`` scores of transition table ``rows`` in the rollups, under 0006's lock."""
    r = _rollups()
    feedback = f"(SELECT project_id, trace_id, span_id, value AS score FROM {rows} WHERE name = '{FEEDBACK}')"
    moments = "count(*), sum(score), sum(score * score)"
    signed = f"{sign}count(*), {sign}sum(score), {sign}sum(score * score)"
    upsert = r._sql(r.FEEDBACK_SQL, feedback=feedback).replace(moments, signed)
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {rows} WHERE name = '{FEEDBACK}') THEN
        RETURN NULL;
    END IF;
    PERFORM {r.LOCK} FROM (SELECT DISTINCT project_id FROM {rows} WHERE name = '{FEEDBACK}' ORDER BY 1) p;
    {upsert};
    RETURN NULL;
END
$$"""


def _triggers_on_scores() -> None:
    """The rollup triggers of 0006, re-made over ``user_feedback`` scores; deleting such a score
    takes it back out of the rollups."""
    r = _rollups()
    op.execute("DROP TRIGGER otel_llm_experiment_feedback_rollup ON feedback")
    spans_function = r.SPANS_FUNCTION_SQL.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    op.execute(spans_function.replace(r.NEW_SPANS_FEEDBACK_SQL, _on_scores(r.NEW_SPANS_FEEDBACK_SQL)))
    op.execute(_feedback_function("otel_llm_experiment_feedback_rollup", "new_scores", ""))
    op.execute(_feedback_function("otel_llm_experiment_feedback_unroll", "old_scores", "-"))
    op.execute(
        """CREATE TRIGGER otel_llm_experiment_feedback_rollup AFTER INSERT ON scores
        REFERENCING NEW TABLE AS new_scores FOR EACH STATEMENT
        EXECUTE FUNCTION otel_llm_experiment_feedback_rollup()"""
    )
    op.execute(
        """CREATE TRIGGER otel_llm_experiment_feedback_unroll AFTER DELETE ON scores
        REFERENCING OLD TABLE AS old_scores FOR EACH STATEMENT
        EXECUTE FUNCTION otel_llm_experiment_feedback_unroll()"""
    )


def _triggers_on_feedback() -> None:
    r = _rollups()
    op.execute("DROP TRIGGER otel_llm_experiment_feedback_unroll ON scores")
    op.execute("DROP TRIGGER otel_llm_experiment_feedback_rollup ON scores")
    op.execute("DROP FUNCTION otel_llm_experiment_feedback_unroll()")
    op.execute(r.SPANS_FUNCTION_SQL.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute(r.FEEDBACK_FUNCTION_SQL.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute(r.TRIGGERS_SQL[1])


def upgrade() -> None:
    _create_tables()
    _copy_feedback_to_scores()
    if op.get_bind().dialect.name == "postgresql":
        _triggers_on_scores()
    _drop_feedback_table()


def downgrade() -> None:
    _create_feedback_table()
    _copy_scores_to_feedback()
    if op.get_bind().dialect.name == "postgresql":
        _triggers_on_feedback()
    for index in (
        "ix_scores_eval_run",
        "ix_scores_project_name",
        "ix_scores_project_trace",
        "ix_scores_project_span",
    ):
        op.drop_index(index, table_name="scores")
    op.drop_table("scores")
    op.drop_table("score_configs")
