"""datasets: versioned project datasets; experiments' test cases become a dataset

Revision ID: 0009_datasets
Revises: 0007_sessions
Create Date: 2026-12-03

- ``datasets``, ``dataset_versions``, ``dataset_items`` (``otel_llm/storage/schema_datasets.py``).
- Every experiment with test cases gets a dataset ``<experiment>-cases`` at version 1 holding them,
  with the same ids (so ``experiment_run_items.test_case_id`` still names the same case, now a
  dataset item), and its runs record that version. ``experiment_test_cases`` is dropped.
- Downgrade puts the items of each experiment's dataset back as its test cases: those of the
  dataset's current version, and any earlier item one of its runs ran, so no run result is lost.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_datasets"
down_revision = "0007_sessions"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ITEM_FK = "fk_experiment_run_items_item"
_SQLITE_FK_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}

experiments = sa.table(
    "experiments",
    sa.column("id", sa.Integer),
    sa.column("project_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("dataset_id", sa.Integer),
)
test_cases = sa.table(
    "experiment_test_cases",
    sa.column("id", sa.Integer),
    sa.column("experiment_id", sa.Integer),
    sa.column("messages", sa.JSON),
    sa.column("reference_output", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
datasets = sa.table(
    "datasets",
    sa.column("id", sa.Integer),
    sa.column("project_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("current_version", sa.Integer),
)
versions = sa.table(
    "dataset_versions",
    sa.column("id", sa.Integer),
    sa.column("dataset_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("change", sa.Text),
    sa.column("actor", sa.String),
    sa.column("item_count", sa.Integer),
)
items = sa.table(
    "dataset_items",
    sa.column("id", sa.Integer),
    sa.column("dataset_id", sa.Integer),
    sa.column("input", JSONType),
    sa.column("expected_output", sa.Text),
    sa.column("meta", JSONType),
    sa.column("added_in", sa.Integer),
    sa.column("removed_in", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
runs = sa.table(
    "experiment_runs",
    sa.column("id", sa.Integer),
    sa.column("experiment_id", sa.Integer),
    sa.column("dataset_version_id", sa.Integer),
)
run_items = sa.table(
    "experiment_run_items",
    sa.column("run_id", sa.Integer),
    sa.column("test_case_id", sa.Integer),
)


def upgrade() -> None:
    _create_tables()
    op.add_column("experiments", sa.Column("dataset_id", sa.Integer))
    op.add_column("experiments", sa.Column("dataset_version", sa.Integer))
    op.add_column("experiment_runs", sa.Column("dataset_version_id", sa.Integer))
    _move_test_cases()
    _point_run_items_at("dataset_items", old_target="experiment_test_cases")
    op.drop_index("ix_experiment_test_cases_experiment", table_name="experiment_test_cases")
    op.drop_table("experiment_test_cases")


def _create_tables() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(210), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("current_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("project_id", "name", name="uq_datasets_project_name"),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("change", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(320), nullable=False, server_default=""),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"),
    )
    op.create_table(
        "dataset_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("input", JSONType, nullable=False),
        sa.Column("expected_output", sa.Text),
        sa.Column("meta", JSONType, nullable=False),
        sa.Column("source_trace_id", sa.String(32)),
        sa.Column("source_span_id", sa.String(16)),
        sa.Column("added_in", sa.Integer, nullable=False),
        sa.Column("removed_in", sa.Integer),
        sa.Column("replaces_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_dataset_items_dataset_version", "dataset_items", ["dataset_id", "added_in"])


def _move_test_cases() -> None:
    """Each experiment's test cases → dataset ``<name>-cases`` version 1, ids kept."""
    conn = op.get_bind()
    for experiment in conn.execute(sa.select(experiments).order_by(experiments.c.id)).all():
        cases = conn.execute(
            sa.select(test_cases).where(test_cases.c.experiment_id == experiment.id).order_by(test_cases.c.id)
        ).all()
        if not cases:
            continue
        dataset_id = _insert_dataset(conn, experiment)
        version_id = conn.execute(
            sa.insert(versions)
            .values(
                dataset_id=dataset_id,
                number=1,
                change=f"test cases of experiment {experiment.name}",
                actor="migration 0009_datasets",
                item_count=len(cases),
            )
            .returning(versions.c.id)
        ).scalar_one()
        conn.execute(sa.insert(items), [_item(case, dataset_id) for case in cases])
        conn.execute(
            sa.update(experiments).where(experiments.c.id == experiment.id).values(dataset_id=dataset_id)
        )
        conn.execute(
            sa.update(runs).where(runs.c.experiment_id == experiment.id).values(dataset_version_id=version_id)
        )
    _reset_sequence(conn, "dataset_items")


def _insert_dataset(conn, experiment) -> int:
    return conn.execute(
        sa.insert(datasets)
        .values(
            project_id=experiment.project_id,
            name=f"{experiment.name}-cases",
            description=f"Test cases of experiment {experiment.name}.",
            current_version=1,
        )
        .returning(datasets.c.id)
    ).scalar_one()


def _item(case, dataset_id: int) -> dict:
    return {
        "id": case.id,
        "dataset_id": dataset_id,
        "input": {"messages": case.messages},
        "expected_output": case.reference_output,
        "meta": {},
        "added_in": 1,
        "removed_in": None,
        "created_at": case.created_at,
    }


def _reset_sequence(conn, table: str) -> None:
    """Rows inserted with explicit ids: move Postgres's sequence past them (SQLite needs nothing)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _point_run_items_at(target: str, old_target: str) -> None:
    """Move ``experiment_run_items.test_case_id``'s foreign key from ``old_target`` to ``target``."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # SQLite rebuilds the table; the convention names 0004's unnamed key
        with op.batch_alter_table("experiment_run_items", naming_convention=_SQLITE_FK_NAMES) as batch:
            batch.drop_constraint(_fk_name(old_target, sqlite), type_="foreignkey")
            batch.create_foreign_key(
                _fk_name(target, sqlite), target, ["test_case_id"], ["id"], ondelete="CASCADE"
            )
        return
    op.drop_constraint(_fk_name(old_target, sqlite), "experiment_run_items", type_="foreignkey")
    op.create_foreign_key(
        _fk_name(target, sqlite), "experiment_run_items", target, ["test_case_id"], ["id"], ondelete="CASCADE"
    )


def _fk_name(target: str, sqlite: bool) -> str:
    if target == "dataset_items":
        return ITEM_FK
    return (
        "fk_experiment_run_items_test_case_id_experiment_test_cases"
        if sqlite
        else "experiment_run_items_test_case_id_fkey"
    )


def downgrade() -> None:
    op.create_table(
        "experiment_test_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "experiment_id", sa.Integer, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("reference_output", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_experiment_test_cases_experiment", "experiment_test_cases", ["experiment_id"])
    _restore_test_cases()
    _point_run_items_at("experiment_test_cases", old_target="dataset_items")
    op.drop_column("experiment_runs", "dataset_version_id")
    op.drop_column("experiments", "dataset_version")
    op.drop_column("experiments", "dataset_id")
    op.drop_index("ix_dataset_items_dataset_version", table_name="dataset_items")
    op.drop_table("dataset_items")
    op.drop_table("dataset_versions")
    op.drop_table("datasets")


def _restore_test_cases() -> None:
    """Each experiment's dataset items → its test cases, ids kept where no other experiment took
    them first (a dataset two experiments share); run items follow a case that got a new id.
    Items with prompt variables instead of messages cannot be test cases and stay behind."""
    conn = op.get_bind()
    taken: set[int] = set()
    for experiment in conn.execute(sa.select(experiments).where(experiments.c.dataset_id.is_not(None))).all():
        for item in _items_for(conn, experiment):
            messages = (item.input or {}).get("messages")
            if not isinstance(messages, list):
                continue
            row = {
                "experiment_id": experiment.id,
                "messages": messages,
                "reference_output": item.expected_output,
                "created_at": item.created_at,
            }
            if item.id not in taken:
                conn.execute(sa.insert(test_cases).values(id=item.id, **row))
                taken.add(item.id)
                continue
            new_id = conn.execute(sa.insert(test_cases).values(**row).returning(test_cases.c.id)).scalar_one()
            _follow(conn, experiment.id, item.id, new_id)
        _reset_sequence(conn, "experiment_test_cases")
    _drop_orphan_run_items(conn)


def _items_for(conn, experiment) -> list:
    """The dataset's current items, and any item one of the experiment's runs ran."""
    current = (
        sa.select(datasets.c.current_version).where(datasets.c.id == experiment.dataset_id).scalar_subquery()
    )
    ran = sa.select(run_items.c.test_case_id).join(runs, runs.c.id == run_items.c.run_id)
    ran = ran.where(runs.c.experiment_id == experiment.id)
    return conn.execute(
        sa.select(items)
        .where(
            items.c.dataset_id == experiment.dataset_id,
            sa.or_(
                sa.and_(
                    items.c.added_in <= current,
                    sa.or_(items.c.removed_in.is_(None), items.c.removed_in > current),
                ),
                items.c.id.in_(ran),
            ),
        )
        .order_by(items.c.id)
    ).all()


def _follow(conn, experiment_id: int, old_id: int, new_id: int) -> None:
    ran = sa.select(runs.c.id).where(runs.c.experiment_id == experiment_id)
    conn.execute(
        sa.update(run_items)
        .where(run_items.c.test_case_id == old_id, run_items.c.run_id.in_(ran))
        .values(test_case_id=new_id)
    )


def _drop_orphan_run_items(conn) -> None:
    """Run items whose item could not become a test case (none, in practice: runs send messages)."""
    conn.execute(sa.delete(run_items).where(run_items.c.test_case_id.not_in(sa.select(test_cases.c.id))))
