"""Prompt metrics read from the rollups equal the metrics computed from every span, on SQLite and
Postgres: through inserts (a retried batch included), versions created after their calls were
stored, repricing, updates and deletes, windows cut mid-day, the migration's backfill, and a dropped
partition."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

from otel_llm.feedback import Target, add_feedback
from otel_llm.pricing.reprice import reprice
from otel_llm.prompts import metrics, versions
from otel_llm.storage import maintenance, migrate, partitions, retention, writer
from otel_llm.storage import prompt_rollups as prompt_rollups_sql
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import SPAN_COLUMNS, spans
from otel_llm.storage.schema_prompt_rollups import prompt_latency, prompt_rollups
from otel_llm.traces import rollup
from tests.test_overview_rollups import _store

NOW = datetime.now(UTC)
TEMPLATES = ("You are terse.", "Be kind to {{customer}}.", "Answer in French.")


def _rows(project_id: int, hashes: list[str], n: int, seed: int) -> list[dict]:
    """Calls of prompt ``p`` over 20 days: tagged with a version, untagged with a system-prompt hash
    or a prompt hash of a version (or of none yet), with other prompts' names, with system prompts
    unique to the call, plus a replay, an evaluation call and a tool span that never count."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        start = NOW - timedelta(seconds=rng.uniform(0, 20 * 86400))
        duration = rng.lognormvariate(6, 1.0)
        row = dict.fromkeys(SPAN_COLUMNS)
        row.update(
            project_id=project_id, trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16], name="chat",
            kind="CLIENT", start_time=start, end_time=start + timedelta(milliseconds=duration),
            duration_ms=duration, status_code=rng.choice(["OK", "UNSET", "ERROR"]), is_llm=i % 23 != 0,
            category="llm" if i % 23 != 0 else "tool",
            provider="openai", operation="chat", request_model="gpt-4o-mini", response_model="gpt-4o-mini",
            input_tokens=rng.choice([None, rng.randint(1, 5000)]), output_tokens=rng.randint(0, 900),
            cost_usd=rng.choice([None, rng.uniform(1e-5, 0.05)]),
            replay_of=uuid.uuid4().hex[:16] if i % 29 == 0 else None,
            evaluation="run" if i % 31 == 0 else None, attributes={}, events=[], resource={},
        )  # fmt: skip
        unique = uuid.uuid4().hex + uuid.uuid4().hex
        match i % 6:
            case 0 | 1:
                row.update(prompt_name="p", prompt_version=str(1 + i % 3), prompt_hash=rng.choice(hashes))
            case 2:
                row.update(system_prompt_hash=rng.choice(hashes), prompt_name=rng.choice([None, "p", "q"]))
            case 3:
                row.update(system_prompt_hash=unique, prompt_hash=rng.choice(hashes))
            case 4:
                row.update(system_prompt_hash=rng.choice(hashes), prompt_hash=rng.choice(hashes))
            case 5:
                row.update(system_prompt_hash=unique)  # no version can claim it: not rolled up
        rows.append(row)
    return rows


def _assert_same(url: str, project_id: int, monkeypatch, since=None, until=None) -> None:
    """The metrics from the rollups equal those from the spans (percentiles within the bound)."""
    engine = get_engine(url)
    monkeypatch.setattr(metrics, "EXACT_CALLS", 0)  # read the rollups whatever the number of calls
    ours = metrics.version_metrics(engine, project_id, "p", since=since, until=until)
    truth = metrics.version_metrics(engine, project_id, "p", since=since, until=until, exact=True)
    assert [m.version for m in ours] == [m.version for m in truth]
    assert sum(m.calls for m in truth) > 0
    for mine, true in zip(ours, truth, strict=True):
        for key in ("calls", "errors", "success_rate", "feedback_count"):
            assert getattr(mine, key) == getattr(true, key), (mine.version, key)
        for key in (
            "avg_feedback",
            "avg_input_tokens",
            "avg_output_tokens",
            "avg_cost_usd",
            "total_cost_usd",
        ):
            _close(getattr(mine, key), getattr(true, key), 1e-9, key)
        for key in ("p50_ms", "p95_ms"):
            _close(getattr(mine, key), getattr(true, key), rollup.RELATIVE_ERROR + 1e-9, key)


def _close(mine, true, rel: float, key: str) -> None:
    if true is None:
        assert mine is None, key
    else:
        assert mine == pytest.approx(true, rel=rel, abs=1e-12), key


def _rollup_rows(url: str) -> tuple[set, set]:
    """Both tables' rows holding calls (costs rounded: sums added in another order differ in the
    last bits)."""
    with get_engine(url).connect() as connection:
        r = prompt_rollups.c
        sums = {
            (*row[:-1], round(row[-1], 9))
            for row in connection.execute(
                select(prompt_rollups).where(r.calls != 0).order_by(*prompt_rollups.primary_key)
            )
        }
        latency = {
            tuple(row)
            for row in connection.execute(select(prompt_latency).where(prompt_latency.c["count"] != 0))
        }
    return sums, latency


@pytest.fixture
def project(db_url):
    engine = get_engine(db_url)
    with engine.begin() as connection:
        project_id = writer.ensure_project(connection, "alpha")
    return engine, project_id


def test_rollups_equal_spans_through_writes_new_versions_and_deletes(db_url, project, monkeypatch):
    engine, pid = project
    v1 = versions.create_version(engine, pid, "p", TEMPLATES[0])
    v2 = versions.create_version(engine, pid, "p", TEMPLATES[1])
    later = versions.content.version_hash(TEMPLATES[2])  # v3's hash, before v3 exists
    rows = _rows(pid, [v1.version_hash, v2.version_hash, later], 1500, seed=1)
    _store(db_url, rows)
    _store(db_url, rows[:200])  # a retried batch: stored once, counted once
    with engine.begin() as connection:  # another project's calls with the same hashes
        other = writer.ensure_project(connection, "beta")
    _store(db_url, _rows(other, [v1.version_hash, later], 300, seed=2))
    _assert_same(db_url, pid, monkeypatch)
    untracked = _rollup_rows(db_url)

    v3 = versions.create_version(engine, pid, "p", TEMPLATES[2])  # claims calls stored before it
    assert v3.version_hash == later
    assert _rollup_rows(db_url) != untracked
    _assert_same(db_url, pid, monkeypatch)
    add_feedback(engine, pid, Target(None, rows[0]["span_id"]), 1.0, source="api")
    add_feedback(engine, pid, Target(rows[8]["trace_id"], None), 0.0, source="sdk")
    _assert_same(db_url, pid, monkeypatch)

    assert reprice(engine, pid, NOW - timedelta(days=30)).changed > 0
    with engine.begin() as connection:
        connection.execute(
            delete(spans).where(spans.c.project_id == pid, spans.c.start_time < NOW - timedelta(days=12))
        )
        connection.execute(
            spans.update()
            .where(spans.c.project_id == pid, spans.c.prompt_version == "2")
            .values(status_code="ERROR", duration_ms=spans.c.duration_ms * 3, prompt_version="1")
        )
        connection.execute(spans.update().where(spans.c.project_id == pid).values(session_id="s-1"))
    _assert_same(db_url, pid, monkeypatch)

    # the triggers' rows are exactly what a backfill of the stored spans makes
    kept = _rollup_rows(db_url)
    with engine.begin() as connection:
        connection.execute(delete(prompt_rollups))
        connection.execute(delete(prompt_latency))
        for statement in prompt_rollups_sql.backfill_statements(connection.dialect.name):
            connection.execute(text(statement))
    assert _rollup_rows(db_url) == kept


def test_windows_cut_mid_day_add_the_partial_days_from_the_spans(db_url, project, monkeypatch):
    engine, pid = project
    v1 = versions.create_version(engine, pid, "p", TEMPLATES[0])
    _store(db_url, _rows(pid, [v1.version_hash], 900, seed=3))
    noonish = NOW.replace(hour=13, minute=17)
    _assert_same(db_url, pid, monkeypatch, since=noonish - timedelta(days=7, hours=5))
    _assert_same(
        db_url, pid, monkeypatch, since=noonish - timedelta(days=9), until=noonish - timedelta(days=2)
    )
    _assert_same(db_url, pid, monkeypatch, until=noonish - timedelta(days=3))


def test_small_windows_keep_exact_percentiles(db_url, project):
    engine, pid = project
    v1 = versions.create_version(engine, pid, "p", TEMPLATES[0])
    _store(db_url, _rows(pid, [v1.version_hash], 300, seed=4))
    assert metrics.version_metrics(engine, pid, "p") == metrics.version_metrics(engine, pid, "p", exact=True)


def test_migration_backfills_and_downgrades_with_data(empty_db_url, monkeypatch):
    migrate.upgrade(empty_db_url)
    engine = get_engine(empty_db_url)
    with engine.begin() as connection:
        pid = writer.ensure_project(connection, "alpha")
    v1 = versions.create_version(engine, pid, "p", TEMPLATES[0])
    v2 = versions.create_version(engine, pid, "p", TEMPLATES[1])
    _store(empty_db_url, _rows(pid, [v1.version_hash, v2.version_hash], 600, seed=5))
    migrate.downgrade(empty_db_url, "0018_overview_rollups")
    _store(empty_db_url, _rows(pid, [v1.version_hash, v2.version_hash], 300, seed=6))  # stored without them
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM spans")).scalar() == 900
    migrate.upgrade(empty_db_url)  # the backfill counts all 900
    _assert_same(empty_db_url, pid, monkeypatch)


def test_a_dropped_partition_takes_its_days_rollups(pg_url, monkeypatch):
    """A DROP fires no delete trigger: the maintenance step removes the dropped days' rollups."""
    engine = get_engine(pg_url)
    with engine.begin() as connection:
        pid = writer.ensure_project(connection, "alpha")
    v1 = versions.create_version(engine, pid, "p", TEMPLATES[0])
    _store(pg_url, _rows(pid, [v1.version_hash], 600, seed=7))
    retention.set_retention(engine, pid, 10)
    report = maintenance.maintain(engine, now=NOW)
    assert f"{partitions.SCHEMA}.spans_{NOW - timedelta(days=15):%Y%m%d}" in report.dropped
    day = int(datetime.combine((NOW - timedelta(days=10)).date(), datetime.min.time(), UTC).timestamp())
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).where(prompt_rollups.c.day < day)).scalar() == 0
        assert connection.execute(select(func.count()).where(prompt_latency.c.day < day)).scalar() == 0
    _assert_same(pg_url, pid, monkeypatch)


def test_a_version_created_while_its_calls_are_being_written_counts_each_once(pg_url, monkeypatch):
    """The calls' transaction has run its trigger (the hash was not tracked) but not committed when
    the version is created: the version waits for that commit, then re-keys the calls."""
    engine = get_engine(pg_url)
    with engine.begin() as connection:
        pid = writer.ensure_project(connection, "alpha")
    versions.create_version(engine, pid, "p", TEMPLATES[0])
    later = versions.content.version_hash(TEMPLATES[1])
    rows = [r for r in _rows(pid, [later], 400, seed=8) if r["prompt_version"] is None]
    writing = engine.connect()
    transaction = writing.begin()
    writer.insert_rows(writing, rows)
    created = threading.Thread(target=versions.create_version, args=(engine, pid, "p", TEMPLATES[1]))
    created.start()
    created.join(timeout=1)
    assert created.is_alive()  # waiting for the calls' transaction
    transaction.commit()
    writing.close()
    created.join(timeout=30)
    (v2, _) = metrics.version_metrics(engine, pid, "p", exact=True)
    assert v2.calls > 0
    _assert_same(pg_url, pid, monkeypatch)
