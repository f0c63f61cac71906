"""Console reads from a real Postgres streaming replica (``OTEL_LLM_READ_DATABASE_URL``): list reads go
to the replica, a read right after a write goes to the primary until the replica has replayed it, and
an unreachable replica sends reads to the primary."""

from __future__ import annotations

import uuid

import pytest

from otel_llm.accounts import create_key, create_project
from otel_llm.storage import migrate
from otel_llm.storage.db import dispose_all, get_engine
from tests import pg_replica
from tests.span_factory import T0, emit, llm_attributes, span_pipeline
from tests.web_helpers import bearer, make_app

pytestmark = pytest.mark.skipif(not pg_replica.available(), reason="needs the Postgres 15 server binaries")


@pytest.fixture(scope="module")
def replicated():
    cluster = pg_replica.ReplicaCluster()
    try:
        ports = cluster.start()
        yield cluster, ports
    finally:
        dispose_all()
        cluster.close()


@pytest.fixture
def console(replicated, tmp_path):
    cluster, ports = replicated
    dbname = f"replica_{uuid.uuid4().hex[:10]}"
    import psycopg

    with psycopg.connect(ports.url(ports.primary_port), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    primary, replica = ports.url(ports.primary_port, dbname), ports.url(ports.replica_port, dbname)
    migrate.upgrade(primary)
    create_project(get_engine(primary), "alpha")
    key = create_key(get_engine(primary), "alpha", "editor", name="t")[1]
    app = make_app(primary, READ_DATABASE_URL=replica)
    ports.wait_caught_up()
    return app.test_client(), key, primary, ports, tmp_path


def _store(primary: str, tmp_path, name: str) -> str:
    with span_pipeline(primary, tmp_path, project="alpha") as (tracer, _):
        return emit(tracer, name=name, start_ns=T0, **llm_attributes())[1]


def _listed(client, key) -> set[str]:
    response = client.get("/api/v1/spans?limit=100", headers=bearer(key))
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["name"] for item in response.get_json()["items"]}


def test_reads_go_to_the_replica_and_a_read_after_a_write_to_the_primary(console):
    client, key, primary, ports, tmp_path = console
    _store(primary, tmp_path, "first")
    ports.wait_caught_up()
    ports.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        span_id = _store(primary, tmp_path, "second")
        assert _listed(client, key) == {"first"}, "a plain read comes from the (paused) replica"

        written = client.post(
            "/api/v1/feedback", json={"span_id": span_id, "score": 1, "comment": "ok"}, headers=bearer(key)
        )
        assert written.status_code in (200, 201), written.get_data(as_text=True)
        assert _listed(client, key) == {"first", "second"}, "the read after a write comes from the primary"
    finally:
        ports.replica_sql("SELECT pg_wal_replay_resume()")
    ports.wait_caught_up()
    assert _listed(client, key) == {"first", "second"}

    ports.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        _store(primary, tmp_path, "third")
        assert _listed(client, key) == {"first", "second"}, "caught up again: reads are back on the replica"
    finally:
        ports.replica_sql("SELECT pg_wal_replay_resume()")


def test_an_unreachable_replica_sends_reads_to_the_primary(replicated, console, caplog):
    cluster, _ = replicated
    client, key, primary, ports, tmp_path = console
    _store(primary, tmp_path, "kept")
    cluster.stop_replica()
    assert _listed(client, key) == {"kept"}
    assert "read replica unavailable" in caplog.text


def test_a_replica_beside_an_sqlite_store_is_refused(sqlite_url):
    with pytest.raises(ValueError, match="needs a Postgres store"):
        make_app(sqlite_url, READ_DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
