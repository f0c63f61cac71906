"""Nothing acknowledged is lost, nothing is stored twice: concurrent collectors, retries, restarts."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from otel_llm.accounts import create_key, create_project
from otel_llm.storage.db import get_engine
from tests.tcp_proxy import TcpProxy
from tests.test_collector_support import export_spans, genai_span, rows, running_collector, span_count

pytestmark = pytest.mark.postgres


def _unreachable(url: str) -> str:
    """The same database behind a port where nothing listens."""
    return make_url(url).set(port=1).render_as_string(hide_password=False)


def test_two_collectors_on_one_database_lose_and_duplicate_nothing(pg_url, tmp_path):
    engine = get_engine(pg_url)
    create_project(engine, "shop")
    _, token = create_key(engine, "shop", "editor")
    spans = [genai_span(i) for i in range(120)]
    with (
        running_collector(pg_url, tmp_path, "--no-spool", "--workers", "2") as one,
        running_collector(pg_url, tmp_path, "--no-spool") as two,
    ):
        # Both collectors get spans 40–79 at the same time, and span batches are retried.
        to_one = [list(range(0, 20)), list(range(40, 60)), list(range(20, 40)), list(range(60, 80))]
        to_two = [list(range(80, 100)), list(range(60, 80)), list(range(40, 60)), list(range(100, 120))]
        retries = [list(range(0, 40)), list(range(100, 120))]
        sent = export_spans(
            spans,
            [
                {"endpoint": one.endpoint, "token": token, "batches": to_one},
                {"endpoint": two.endpoint, "token": token, "batches": to_two},
                {"endpoint": two.endpoint, "token": token, "batches": retries},
                {"endpoint": one.endpoint, "token": token, "batches": retries},
            ],
        )
    assert sent.results == [["SUCCESS"] * 4, ["SUCCESS"] * 4, ["SUCCESS"] * 2, ["SUCCESS"] * 2]
    stored = rows(pg_url, "SELECT span_id, count(*) FROM spans GROUP BY span_id")
    assert sorted(r[0] for r in stored) == sorted(s["span_id"] for s in sent.spans)
    assert {r[1] for r in stored} == {1}


def test_spans_spooled_while_the_database_is_down_are_stored_after_a_restart(pg_url, tmp_path):
    spool = tmp_path / "spool"
    args = ("--no-auth", "--project", "spooled", "--spool-dir", str(spool))
    url = make_url(pg_url)
    proxy = TcpProxy((url.host, url.port or 5432))  # one URL; the database behind it comes and goes
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    proxy.close()
    try:
        with running_collector(via_proxy, tmp_path, *args) as collector:
            sent = export_spans(
                [genai_span(i) for i in range(5)],
                [{"endpoint": collector.endpoint, "batches": [[0, 1, 2], [3, 4]]}],
            )
            assert collector.health()["spooled_spans"] == 5
            assert collector.stop() == 0
        assert sent.results == [["SUCCESS", "SUCCESS"]]
        assert list(spool.rglob("*.json")) and span_count(pg_url) == 0

        proxy.open()
        with running_collector(via_proxy, tmp_path, *args):
            _wait(lambda: span_count(pg_url) >= 5)
    finally:
        proxy.close()
    stored = rows(
        pg_url,
        "SELECT s.span_id, s.provider, s.input_tokens, p.name FROM spans s JOIN projects p ON p.id = s.project_id",
    )
    assert sorted(r[0] for r in stored) == sorted(s["span_id"] for s in sent.spans)
    assert {(r[1], r[3]) for r in stored} == {("openai", "spooled")} and all(r[2] >= 1000 for r in stored)
    assert not list(spool.rglob("*.json"))


def test_a_spool_written_for_one_database_is_never_replayed_into_another(pg_url, tmp_path):
    spool = tmp_path / "spool"
    args = ("--no-auth", "--project", "spooled", "--spool-dir", str(spool))
    with running_collector(_unreachable(pg_url), tmp_path, *args) as collector:
        export_spans(
            [genai_span(i) for i in range(3)], [{"endpoint": collector.endpoint, "batches": [[0, 1, 2]]}]
        )
        assert collector.health()["spooled_spans"] == 3
    with running_collector(pg_url, tmp_path, *args) as collector:
        export_spans([genai_span(9)], [{"endpoint": collector.endpoint, "batches": [[0]]}])
        _wait(lambda: span_count(pg_url) >= 1)  # a spool is replayed at start, before new requests
    assert span_count(pg_url) == 1
    assert len(list(spool.rglob("*.json"))) == 1  # still waiting for its own database


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_without_a_spool_an_unreachable_database_means_503_retry_later(pg_url, tmp_path):
    with running_collector(_unreachable(pg_url), tmp_path, "--no-spool") as keyed:
        auth = httpx.post(
            keyed.endpoint,
            content=b"",
            headers={"Authorization": "Bearer ollm_x_y", "Content-Type": "application/x-protobuf"},
        )
    with running_collector(_unreachable(pg_url), tmp_path, "--no-spool", "--no-auth") as open_collector:
        target = {"endpoint": open_collector.endpoint, "batches": [[0]], "timeout": 3}
        sent = export_spans([genai_span(0)], [target])
        write = open_collector.health()
    assert auth.status_code == 503 and auth.headers["Retry-After"] == "1"
    assert sent.results == [["FAILURE"]] and "retrying in" in sent.stderr
    assert write["overloaded"] >= 2 and write["committed_spans"] == 0


def test_a_worker_that_dies_is_replaced(pg_url, tmp_path):
    with running_collector(pg_url, tmp_path, "--no-auth", "--no-spool", "--workers", "2") as collector:
        workers = _children(collector.process.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = _children(collector.process.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.1)
        assert len(now) == 2 and workers[0] not in now and workers[1] in now
        targets = [{"endpoint": collector.endpoint, "batches": [[i]]} for i in range(4)]
        sent = export_spans([genai_span(i) for i in range(4)], targets)
    assert sent.results == [["SUCCESS"]] * 4 and span_count(pg_url) == 4


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
