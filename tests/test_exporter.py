"""SQL exporter: stores once, spools while Postgres is unreachable and drains after, isolates bad spans."""

import json
import logging
import time

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from otel_llm import exporter as exporter_module
from otel_llm.exporter import SQLSpanExporter
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.spool import Spool
from tests.span_factory import T0, emit, llm_attributes, span_pipeline
from tests.tcp_proxy import TcpProxy


def _count(url: str) -> int:
    with get_engine(url).connect() as connection:
        return connection.execute(select(func.count()).select_from(spans)).scalar_one()


def _names(url: str) -> set[str]:
    with get_engine(url).connect() as connection:
        return set(connection.execute(select(spans.c.name)).scalars())


def _finished_spans(n: int):
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("t")
    for i in range(n):
        emit(tracer, name=f"chat {i}", start_ns=T0 + i, **llm_attributes())
    return memory.get_finished_spans()


def test_duplicate_export_is_stored_once(db_url, tmp_path):
    exporter = SQLSpanExporter(db_url, spool_dir=str(tmp_path / "spool"))
    finished = _finished_spans(3)
    assert exporter.export(finished) == SpanExportResult.SUCCESS
    assert exporter.export(finished) == SpanExportResult.SUCCESS
    assert exporter.export(finished[:1]) == SpanExportResult.SUCCESS
    assert _count(db_url) == 3
    assert len(exporter.spool) == 0


def test_spans_of_a_real_pipeline_are_stored(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(tracer, **llm_attributes(model="gpt-4.1"))
    with get_engine(db_url).connect() as connection:
        row = connection.execute(select(spans)).one()
    assert (row.request_model, row.input_tokens, row.service_name) == ("gpt-4.1", 100, "test-app")
    assert row.cost_usd == pytest.approx((100 * 2.0 + 20 * 8.0) / 1e6)


@pytest.fixture
def proxied_pg(pg_url, monkeypatch):
    """The session Postgres behind a proxy the test can cut; fast retries."""
    monkeypatch.setattr(exporter_module, "MIN_RETRY_SECONDS", 0.05)
    url = make_url(pg_url)
    proxy = TcpProxy((url.host, url.port or 5432))
    yield pg_url, url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.close()


def _wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_spool_while_postgres_is_unreachable_then_drained(proxied_pg, tmp_path, caplog):
    direct, via_proxy, proxy = proxied_pg
    with span_pipeline(via_proxy, tmp_path) as (tracer, exporter):
        emit(tracer, name="before", **llm_attributes())
        assert _names(direct) == {"before"}

        proxy.close()
        with caplog.at_level(logging.WARNING, "otel_llm"):
            emit(tracer, name="during-1", **llm_attributes())  # never raises into the app
            emit(tracer, name="during-2", **llm_attributes())
        assert len(exporter.spool) == 2
        assert _names(direct) == {"before"}
        assert "database unavailable" in caplog.text

        proxy.open()  # no new spans: the background drainer writes the spool by itself
        assert _wait_for(lambda: _names(direct) == {"before", "during-1", "during-2"})
        assert _wait_for(lambda: len(exporter.spool) == 0)
        emit(tracer, name="after", **llm_attributes())
        assert _count(direct) == 4


def test_batch_processor_pipeline_spools_everything_while_down_then_flush_writes_it(proxied_pg, tmp_path):
    direct, via_proxy, proxy = proxied_pg
    proxy.close()
    exporter = SQLSpanExporter(via_proxy, spool_dir=str(tmp_path / "spool"))
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    for i in range(50):
        emit(tracer, name=f"chat {i}", start_ns=T0 + i, **llm_attributes())  # returns, no error
    provider.force_flush()
    assert sum(len(json.loads(p.read_text())["records"]) for p in exporter.spool.files()) == 50
    proxy.open()
    assert exporter.force_flush()
    assert _count(direct) == 50
    provider.shutdown()


def test_spool_bound_drops_oldest_and_logs(tmp_path, caplog):
    spool = Spool(tmp_path, max_bytes=2500)
    batches = [{"project": "p", "records": [{"n": i, "pad": "x" * 900}]} for i in range(5)]
    with caplog.at_level(logging.ERROR, "otel_llm"):
        for batch in batches:
            spool.put(batch)
    kept = [json.loads(p.read_text())["records"][0]["n"] for p in spool.files()]
    assert kept == [3, 4]
    assert spool.size_bytes() <= 2500
    assert caplog.text.count("dropped the 1 oldest batch(es), 1 span(s)") == 3


def test_corrupt_spool_file_is_moved_aside_and_the_rest_drained(db_url, tmp_path, caplog):
    exporter = SQLSpanExporter(db_url, spool_dir=str(tmp_path / "spool"))
    good = {"project": "default", "records": [_record_json("good")]}
    exporter.spool.put(good)
    (exporter.spool.directory / "00000000000000000001-broken.json").write_text('{"project": "default", "rec')
    with caplog.at_level(logging.ERROR, "otel_llm"):
        assert exporter.force_flush()
    assert _names(db_url) == {"good"}
    assert len(exporter.spool) == 0
    assert [p.name for p in exporter.spool.dead_directory.iterdir()] == [
        "00000000000000000001-broken.json.corrupt"
    ]
    assert "unreadable spool file" in caplog.text


def _record_json(name: str, start_ns: int = T0) -> dict:
    finished = _finished_spans(1)[0]
    from otel_llm.storage.normalize import from_readable

    data = from_readable(finished).to_json()
    data.update(name=name, start_ns=start_ns, end_ns=start_ns + 10**6)
    return data


def test_a_bad_span_does_not_poison_its_batch(db_url, tmp_path, caplog):
    exporter = SQLSpanExporter(db_url, spool_dir=str(tmp_path / "spool"))
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=64))
    tracer = provider.get_tracer("t")
    for i in range(20):
        absurd = 10**22 if i == 13 else T0 + i  # a start time past year 9999
        emit(tracer, name=f"chat {i}", start_ns=absurd, **llm_attributes())
    with caplog.at_level(logging.ERROR, "otel_llm"):
        provider.force_flush()
    assert _names(db_url) == {f"chat {i}" for i in range(20) if i != 13}
    dead = list(exporter.spool.dead_directory.iterdir())
    assert len(dead) == 1
    kept = json.loads(dead[0].read_text())
    assert [r["name"] for r in kept["records"]] == ["chat 13"] and kept["error"]
    assert len(exporter.spool) == 0  # nothing left to retry forever
    assert "could not be stored" in caplog.text
    provider.shutdown()


def test_nul_byte_rejected_by_postgres_is_isolated(pg_url, tmp_path):
    exporter = SQLSpanExporter(pg_url, spool_dir=str(tmp_path / "spool"))
    records = [_record_json("fine-1"), _record_json("bad\x00name", T0 + 1), _record_json("fine-2", T0 + 2)]
    exporter.spool.put({"project": "default", "records": records})
    assert exporter.force_flush()
    assert _names(pg_url) == {"fine-1", "fine-2"}
    assert len(list(exporter.spool.dead_directory.iterdir())) == 1


def test_export_after_shutdown_fails_quietly(sqlite_url, tmp_path):
    exporter = SQLSpanExporter(sqlite_url, spool_dir=str(tmp_path / "spool"))
    exporter.shutdown()
    assert exporter.export(_finished_spans(1)) == SpanExportResult.FAILURE
    assert _count(sqlite_url) == 0


def test_spool_left_by_an_earlier_run_is_written_in_the_background(db_url, tmp_path):
    earlier = SQLSpanExporter(db_url, spool_dir=str(tmp_path / "spool"))
    earlier.spool.put({"project": "default", "records": [_record_json("leftover")]})
    with span_pipeline(db_url, tmp_path) as (tracer, exporter):
        emit(tracer, name="fresh", **llm_attributes())
        assert _wait_for(lambda: _names(db_url) == {"leftover", "fresh"})
        assert _wait_for(lambda: len(exporter.spool) == 0)


def test_shutdown_while_down_keeps_the_spool_for_the_next_run(proxied_pg, tmp_path):
    direct, via_proxy, proxy = proxied_pg
    proxy.close()
    first = SQLSpanExporter(via_proxy, spool_dir=str(tmp_path / "spool"))
    assert first.export(_finished_spans(2)) == SpanExportResult.SUCCESS
    first.shutdown()
    assert len(first.spool) == 1
    proxy.open()
    second = SQLSpanExporter(via_proxy, spool_dir=str(tmp_path / "spool"))
    assert second.force_flush()
    assert _count(direct) == 2
    second.shutdown()


def test_exporter_database_calls_run_with_instrumentation_suppressed(db_url, tmp_path):
    """What a DB instrumentation (sqlalchemy, psycopg) checks before tracing a query."""
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled
    from sqlalchemy import event

    seen = []

    def record(*_args):
        seen.append(is_instrumentation_enabled())

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        exporter = SQLSpanExporter(db_url, spool_dir=str(tmp_path / "spool"))
        exporter.export(_finished_spans(2))
        exporter.spool.put({"project": "default", "records": [_record_json("spooled")]})
        exporter.force_flush()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen and not any(seen)
    assert is_instrumentation_enabled()  # and the app's context is untouched afterwards


def test_unmigrated_database_spools_with_a_hint_then_drains_after_upgrade(empty_db_url, tmp_path, caplog):
    from otel_llm.storage import migrate

    exporter = SQLSpanExporter(empty_db_url, spool_dir=str(tmp_path / "spool"))
    with caplog.at_level(logging.WARNING, "otel_llm"):
        assert exporter.export(_finished_spans(3)) == SpanExportResult.SUCCESS
    assert "otel-llm db upgrade" in caplog.text
    assert len(exporter.spool) == 1
    migrate.upgrade(empty_db_url)
    assert exporter.force_flush()
    assert _count(empty_db_url) == 3
    exporter.shutdown()


def test_a_forked_worker_writes_through_its_own_connections(pg_url, tmp_path):
    """gunicorn --preload style: configured in the parent, spans exported in the child, which must
    not share the parent's Postgres session."""
    import os

    from sqlalchemy import text

    def backend_pid() -> int:
        with get_engine(pg_url).connect() as connection:
            return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    exporter = SQLSpanExporter(pg_url, spool_dir=str(tmp_path / "spool"))
    exporter.export(_finished_spans(1))  # the parent now holds a pooled connection
    parent_session = backend_pid()
    pid = os.fork()
    if pid == 0:  # child: export, then report through the exit status only
        code = 1
        try:
            stored = exporter.export(_finished_spans(2)) == SpanExportResult.SUCCESS
            own_session = backend_pid() != parent_session
            code = 0 if stored and own_session and len(exporter.spool) == 0 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    exporter.export(_finished_spans(1))  # and the parent's connection still works
    assert _count(pg_url) == 4 and backend_pid() == parent_session
