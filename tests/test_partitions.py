"""Postgres: ``spans`` partitioned by day; the maintenance step makes partitions ahead and drops the
ones past every project's retention; the migration converts a table holding spans and back."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from otel_llm.storage import maintenance, migrate, partitions, retention
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_experiments import experiment_rollups
from otel_llm.storage.writer import ensure_project, insert_rows
from tests.test_experiments_rollup import _span, _spans

BEFORE = "0015_span_kinds"  # down_revision of 0019_partitions (the lead re-chains it)


def _rows(engine, when: datetime, n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    with engine.begin() as connection:
        project_id = ensure_project(connection, "default")
    return [
        {**_span(rng, start_time=when + timedelta(seconds=i)), "project_id": project_id} for i in range(n)
    ]


def _store(engine, rows) -> int:
    with engine.begin() as connection:
        return insert_rows(connection, rows)


def _where(engine) -> dict[str, int]:
    """Spans per partition."""
    with engine.connect() as connection:
        found = connection.execute(text("SELECT tableoid::regclass::text, count(*) FROM spans GROUP BY 1"))
        return dict(found.all())


def test_maintenance_makes_partitions_ahead_moves_strays_and_drops_past_retention(pg_url):
    engine = get_engine(pg_url)
    now = datetime.now(UTC)
    far = now + timedelta(days=10)  # no partition yet: the default one takes them
    stored = _store(engine, _rows(engine, now - timedelta(days=60), 7, 1) + _rows(engine, far, 5, 2))
    assert stored == 12
    assert _where(engine)[partitions.DEFAULT] == 12
    assert _store(engine, _rows(engine, far, 5, 2)) == 0  # a span sent again is skipped (ON CONFLICT)

    report = maintenance.maintain(engine, now=far - timedelta(days=1))  # days pass; no retention yet
    assert f"{partitions.SCHEMA}.spans_{far:%Y%m%d}" in report.created
    assert _where(engine)[f"{partitions.SCHEMA}.spans_{far:%Y%m%d}"] == 5  # moved out of the default
    assert report.dropped == []  # a project keeps spans forever: no partition may go

    project_id = retention.policies(engine)[0].project_id
    retention.set_retention(engine, project_id, 30)
    report = maintenance.maintain(engine, now=now)
    with engine.connect() as connection:
        days = sorted(partitions.daily_partitions(connection))
    assert days[0] == (now - timedelta(days=30)).date()  # the partitions of older days are dropped
    assert len(report.dropped) == partitions.BACKFILL_DAYS - 30
    assert report.purged[0].spans == 7  # the 60-day-old spans of the default partition, by delete
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(spans)).scalar() == 5


def test_migration_converts_a_table_holding_spans_and_back(pg_url):
    engine = get_engine(pg_url)
    migrate.downgrade(pg_url, BEFORE)
    with engine.connect() as connection:
        assert not partitions.is_partitioned(connection)
    rows = _spans(5, 300)
    with engine.begin() as connection:
        project_id = ensure_project(connection, "default")
        insert_rows(connection, [{**r, "project_id": project_id} for r in rows[:200]])

    def snapshot():
        with engine.connect() as connection:
            stored = connection.execute(select(spans.c.span_id).order_by(spans.c.span_id)).scalars().all()
            rolled = connection.execute(
                select(experiment_rollups).order_by(experiment_rollups.c.variant)
            ).all()
        return stored, rolled

    before = snapshot()
    partitions.COPY_BATCH_ROWS, batch = 64, partitions.COPY_BATCH_ROWS  # several batches
    try:
        migrate.upgrade(pg_url)
        with engine.connect() as connection:
            assert partitions.is_partitioned(connection)
            kept = partitions.carried(connection)
        assert snapshot() == before  # every row, and the rollups not counted again
        assert kept.key_columns == ["project_id", "trace_id", "span_id", "start_time"]
        assert {"otel_llm_experiment_rollup"} <= {t.split()[2] for t in kept.triggers}
        assert any("ix_spans_experiment_results" in i for i in kept.indexes) and kept.foreign_keys

        with engine.begin() as connection:  # the trigger still counts new spans, once
            new = [{**r, "project_id": project_id} for r in rows[150:]]
            assert insert_rows(connection, new) == len(rows) - 200  # 50 of them were stored already
        after = snapshot()
        assert sum(r.calls for r in after[1]) > sum(r.calls for r in before[1])

        migrate.downgrade(pg_url, BEFORE)
        with engine.connect() as connection:
            assert not partitions.is_partitioned(connection)
            assert partitions.carried(connection).key_columns == ["project_id", "trace_id", "span_id"]
        assert snapshot() == after
    finally:
        partitions.COPY_BATCH_ROWS = batch
    migrate.upgrade(pg_url)


def test_a_dropped_partition_takes_its_overview_rollups_with_it(pg_url):
    """A DROP fires no delete trigger: the maintenance step removes the dropped day's overview rollups,
    so the overview keeps equalling what is stored."""
    from otel_llm.traces import overview

    engine = get_engine(pg_url)
    now = datetime.now(UTC)
    old = [{**r, "is_llm": True, "category": "llm"} for r in _rows(engine, now - timedelta(days=33), 6, 3)]
    new = [{**r, "is_llm": True, "category": "llm"} for r in _rows(engine, now - timedelta(days=2), 4, 4)]
    _store(engine, old + new)
    project_id = retention.policies(engine)[0].project_id
    assert overview.overview(engine, project_id, "90d", now=now)["totals"]["calls"] == 10

    retention.set_retention(engine, project_id, 30)
    report = maintenance.maintain(engine, now=now)
    assert f"{partitions.SCHEMA}.spans_{now - timedelta(days=33):%Y%m%d}" in report.dropped
    ours = overview.overview(engine, project_id, "90d", now=now)
    assert (
        ours["totals"]["calls"] == overview.exact(engine, project_id, "90d", now=now)["totals"]["calls"] == 4
    )
