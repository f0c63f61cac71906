"""The schema stays distributable with Citus by ``project_id`` (docs/deployment.md, "Past one Postgres"):
the tables that grow with traffic are distributed and co-located on ``project_id``, ``projects`` is a
reference table, and everything else stays a local table on the coordinator. Citus refuses a
distributed table whose primary key or unique constraints leave out the distribution column, and
foreign keys from a distributed table to anything but a reference table or a co-located one."""

from __future__ import annotations

from otel_llm.storage.schema import metadata

DISTRIBUTED = {
    "spans",
    "experiment_rollups",
    "experiment_latency_buckets",
    "experiment_feedback_rollups",
    "overview_rollups",
    "overview_latency",
    "prompt_rollups",
    "prompt_latency",
}
# Small, and read by the rollup triggers beside any project's spans (prompt_rollup_hashes: the
# prompt triggers look each span's hash up in it; Citus cannot join it per row if distributed).
REFERENCE = {"projects", "overview_latency_edges", "prompt_rollup_hashes"}


def _unique_column_sets(table) -> list[set[str]]:
    sets = [{c.name for c in table.primary_key.columns}]
    sets += [
        {c.name for c in con.columns}
        for con in table.constraints
        if con.__class__.__name__ == "UniqueConstraint"
    ]
    sets += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    return sets


def test_distributed_tables_keep_project_id_in_every_key():
    for name in sorted(DISTRIBUTED):
        table = metadata.tables[name]
        for columns in _unique_column_sets(table):
            assert "project_id" in columns, f"{name}: key {sorted(columns)} leaves out project_id"


def test_distributed_tables_refer_only_to_reference_or_co_located_tables():
    for name in sorted(DISTRIBUTED):
        for fk in metadata.tables[name].foreign_keys:
            target = fk.column.table.name
            assert target in REFERENCE or (target in DISTRIBUTED and fk.parent.name == "project_id"), (
                f"{name}.{fk.parent.name} refers to {target}"
            )


def test_reference_tables_refer_only_to_reference_tables():
    for name in sorted(REFERENCE):
        for fk in metadata.tables[name].foreign_keys:
            assert fk.column.table.name in REFERENCE, (
                f"{name}.{fk.parent.name} refers to {fk.column.table.name}"
            )


def test_no_local_table_refers_to_a_distributed_one():
    for table in metadata.tables.values():
        if table.name in DISTRIBUTED:
            continue
        for fk in table.foreign_keys:
            assert fk.column.table.name not in DISTRIBUTED, (
                f"{table.name}.{fk.parent.name} refers to a distributed table"
            )


def test_the_documented_layout_names_every_distributed_table():
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "deployment.md").read_text()
    for name in DISTRIBUTED | REFERENCE:
        assert f"'{name}'" in doc, f"docs/deployment.md does not say how {name} is distributed"
