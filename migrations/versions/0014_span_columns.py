"""span columns: what a span is (category), its conversation (session_id) and end user (user_id)

Revision ID: 0014_span_columns
Revises: 0013_evaluations
Create Date: 2026-12-04

``category`` starts as ``llm`` for stored model calls and ``other`` for the rest; ``session_id`` and
``user_id`` are read from the stored attributes (``gen_ai.conversation.id`` / ``session.id``,
``user.id`` / ``enduser.id``). Plain ``ADD COLUMN`` on both databases (no table rebuild on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_span_columns"
down_revision = "0013_evaluations"
branch_labels = None
depends_on = None

INDEXES = (("ix_spans_project_session", "session_id"), ("ix_spans_project_user", "user_id"))


def _json_text(key: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"attributes ->> '{key}'"
    return f"json_extract(attributes, '$.\"{key}\"')"


def upgrade() -> None:
    op.add_column("spans", sa.Column("category", sa.String(16), nullable=False, server_default="other"))
    op.add_column("spans", sa.Column("session_id", sa.String(200)))
    op.add_column("spans", sa.Column("user_id", sa.String(200)))
    session = f"COALESCE({_json_text('gen_ai.conversation.id')}, {_json_text('session.id')})"
    user = f"COALESCE({_json_text('user.id')}, {_json_text('enduser.id')})"
    op.execute(
        "UPDATE spans SET category = CASE WHEN is_llm THEN 'llm' ELSE 'other' END, "
        f"session_id = SUBSTR({session}, 1, 200), user_id = SUBSTR({user}, 1, 200)"
    )
    for name, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, "spans", ["project_id", column, "start_time"], postgresql_where=where, sqlite_where=where
        )


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="spans")
    for column in ("user_id", "session_id", "category"):
        op.execute(f"ALTER TABLE spans DROP COLUMN {column}")
