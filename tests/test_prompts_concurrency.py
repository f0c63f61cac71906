"""Race-freedom: concurrent writers through separate connections, on Postgres and on SQLite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from otel_llm.prompts import catalog, labels, versions
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema_prompts import prompt_label_history, prompt_labels

WRITERS = 20


def _together(engine, fn):
    """Run ``fn(i)`` for i in 0..19 on 20 threads released at the same moment."""
    barrier = threading.Barrier(WRITERS)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(run, range(WRITERS)))


@pytest.mark.parametrize("url_fixture", ["pg_url", "sqlite_url"])
def test_concurrent_new_versions_get_1_to_20(request, url_fixture):
    engine = get_engine(request.getfixturevalue(url_fixture))
    pid = catalog.project_id(engine, "default", create=True)
    created = _together(engine, lambda i: versions.create_version(engine, pid, "race", f"text {i}"))
    assert sorted(v.version for v in created) == list(range(1, WRITERS + 1))
    stored = versions.list_versions(engine, pid, "race")
    assert sorted(v.version for v in stored) == list(range(1, WRITERS + 1))
    assert {v.template for v in stored} == {f"text {i}" for i in range(WRITERS)}
    by_number = {v.version: v for v in stored}
    assert all(by_number[n].parent_version == n - 1 for n in range(2, WRITERS + 1))


@pytest.mark.parametrize("url_fixture", ["pg_url", "sqlite_url"])
def test_concurrent_publishes_leave_exactly_one_published(request, url_fixture):
    engine = get_engine(request.getfixturevalue(url_fixture))
    pid = catalog.project_id(engine, "default", create=True)
    for i in range(WRITERS):
        versions.create_version(engine, pid, "race", f"text {i}")
    moves = _together(engine, lambda i: labels.publish(engine, pid, "race", i + 1, actor=f"user{i}"))
    published = [v.version for v in versions.list_versions(engine, pid, "race") if v.published]
    assert len(published) == 1
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(prompt_labels)).scalar() == 1
        history = connection.execute(
            select(prompt_label_history.c.from_version, prompt_label_history.c.to_version).order_by(
                prompt_label_history.c.id
            )
        ).all()
    assert sum(m.changed for m in moves) == len(history) == WRITERS
    # the history is one unbroken chain: each move starts where the previous one ended
    assert history[0].from_version is None
    assert all(history[i].from_version == history[i - 1].to_version for i in range(1, len(history)))
    assert history[-1].to_version == published[0]
