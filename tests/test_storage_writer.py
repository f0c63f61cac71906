"""Write path on both databases: duplicates skipped, JSON stored as JSON, bad rows isolated."""

import pytest
from sqlalchemy import func, select, text

from otel_llm.storage import pg_copy, writer
from otel_llm.storage.db import get_engine
from otel_llm.storage.errors import is_data_error
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.storage.schema import spans
from tests.span_factory import T0, llm_attributes


def _record(i: int, **changes) -> SpanRecord:
    data = dict(
        trace_id=f"{i:032x}",
        span_id=f"{i:016x}",
        name=f"chat {i}",
        start_ns=T0 + i,
        end_ns=T0 + i + 5 * 10**6,
        attributes=llm_attributes(**{"gen_ai.request.seed": i}),
        events=[{"name": "gen_ai.choice", "time_unix_nano": T0, "attributes": {"index": 0}}],
        resource={"service.name": "svc"},
    )
    data.update(changes)
    return SpanRecord(**data)


def _count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(spans)).scalar_one()


def test_insert_rows_counts_new_rows_and_skips_stored_ones(db_url):
    engine = get_engine(db_url)
    with engine.begin() as connection:
        pid = writer.ensure_project(connection, "p")
        rows = [to_row(_record(i), pid) for i in range(10)]
        assert writer.insert_rows(connection, rows[:6]) == 6
    with engine.begin() as connection:
        assert writer.insert_rows(connection, rows) == 4
        assert writer.insert_rows(connection, rows) == 0  # twice in one transaction as well
    assert _count(engine) == 10


def test_json_columns_round_trip(db_url):
    engine = get_engine(db_url)
    writer.write_records(engine, "p", [_record(1)])
    with engine.connect() as connection:
        row = connection.execute(select(spans)).one()
    assert row.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert row.attributes["gen_ai.request.seed"] == 1
    assert row.events[0]["attributes"] == {"index": 0} and row.resource == {"service.name": "svc"}


def test_postgres_stores_jsonb_objects_queryable_by_key(pg_url):
    engine = get_engine(pg_url)
    writer.write_records(engine, "p", [_record(i) for i in range(3)])
    with engine.connect() as connection:
        kinds = (
            connection.execute(text("SELECT DISTINCT jsonb_typeof(attributes) FROM spans")).scalars().all()
        )
        seeds = connection.execute(
            text("SELECT (attributes->>'gen_ai.request.seed')::int FROM spans ORDER BY 1")
        ).scalars()
        assert kinds == ["object"] and list(seeds) == [0, 1, 2]


def test_failed_copy_leaves_nothing_behind_and_the_next_batch_works(pg_url):
    engine = get_engine(pg_url)
    with pytest.raises(Exception) as caught:
        writer.write_records(engine, "p", [_record(1), _record(2, name="nul\x00byte")])
    assert is_data_error(caught.value)
    assert _count(engine) == 0
    assert writer.write_records(engine, "p", [_record(3), _record(4)]) == 2
    assert _count(engine) == 2


def test_duplicates_go_through_one_reused_staging_table(pg_url):
    engine = get_engine(pg_url)
    for i in range(3):
        writer.write_records(engine, "p", [_record(i), _record(i + 1)])  # each batch repeats a span
    with engine.connect() as connection:
        staging = connection.execute(
            text("SELECT count(*) FROM pg_class WHERE relname LIKE 'otel_llm_spans_staging%'")
        ).scalar_one()
    assert _count(engine) == 4
    assert staging == 1 and pg_copy.STAGING.startswith("otel_llm_spans_staging_")


def test_concurrent_writers_of_the_same_spans_store_each_once(pg_url):
    import threading

    engine = get_engine(pg_url)
    writer.write_records(engine, "p", [])  # create the project first
    batch = [_record(i) for i in range(300)]
    errors, stored = [], []

    def write(order):
        try:
            stored.append(writer.write_records(engine, "p", batch[::order]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(order,)) for order in (1, -1, 1, -1)]  # opposite orders
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(stored) == 300 and _count(engine) == 300


def test_bad_rows_are_handed_over_and_the_rest_stored(db_url):
    engine = get_engine(db_url)
    rejected = []
    records = [_record(i) for i in range(16)]
    records[5] = _record(5, start_ns=10**22)  # past year 9999
    records[11] = _record(11, end_ns=-(10**22))
    stored = writer.write_records(engine, "p", records, on_rejected=lambda bad, exc: rejected.extend(bad))
    assert stored == 14 and _count(engine) == 14
    assert sorted(r.span_id for r in rejected) == [f"{5:016x}", f"{11:016x}"]


def test_absurd_integers_become_null_instead_of_failing(db_url):
    engine = get_engine(db_url)
    record = _record(1, attributes=llm_attributes(input_tokens=10**15, output_tokens=-(10**12)))
    writer.write_records(engine, "p", [record])
    with engine.connect() as connection:
        row = connection.execute(select(spans.c.input_tokens, spans.c.output_tokens, spans.c.cost_usd)).one()
    assert tuple(row) == (None, None, None)


def test_an_unreachable_database_is_not_a_data_error(tmp_path):
    import sqlalchemy

    engine = sqlalchemy.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(Exception) as caught:
        writer.write_records(engine, "p", [_record(1)], on_rejected=lambda *a: None)
    assert not is_data_error(caught.value)


def test_nan_attribute_is_stored_as_null_not_rejected(db_url):
    engine = get_engine(db_url)
    rejected = []
    attributes = {**llm_attributes(), "custom.score": float("nan"), "custom.big": float("inf")}
    writer.write_records(
        engine, "p", [_record(1, attributes=attributes)], on_rejected=lambda *a: rejected.append(a)
    )
    with engine.connect() as connection:
        stored = connection.execute(select(spans.c.attributes)).scalar_one()
    assert rejected == []
    assert stored["custom.score"] is None and stored["custom.big"] is None
    assert stored["gen_ai.request.model"] == "gpt-4o-mini"
