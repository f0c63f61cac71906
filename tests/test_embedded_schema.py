"""``otel_llm.configure()`` brings an SQLite file to the current schema itself; Postgres waits for an
explicit ``otel-llm db upgrade``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import openai
from sqlalchemy import create_engine, text

import otel_llm
from otel_llm import pipeline
from otel_llm.storage import migrate

WORKER = textwrap.dedent(
    """
    import sys, time

    import openai
    import otel_llm

    database_url, provider_url, start_at, worker = sys.argv[1:]
    time.sleep(max(float(start_at) - time.time(), 0))  # all workers configure at the same moment
    otel_llm.configure(database_url=database_url)
    otel_llm.instrument()
    client = openai.OpenAI(base_url=provider_url + "/v1", api_key="test-key", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": worker}])
    otel_llm.shutdown()
    """
)


def _llm_spans(url: str) -> int:
    with create_engine(url).connect() as connection:
        return connection.execute(text("SELECT count(*) FROM spans WHERE is_llm")).scalar_one()


def test_configure_creates_a_new_sqlite_file_and_leaves_postgres_to_db_upgrade(empty_db_url, mock_llm):
    otel_llm.configure(database_url=empty_db_url)

    if empty_db_url.startswith("sqlite"):
        assert migrate.current_revision(empty_db_url) == migrate.head_revision()
        otel_llm.instrument()
        client = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test-key", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        pipeline.flush()
        assert _llm_spans(empty_db_url) == 1  # written, not spooled
    else:
        assert migrate.current_revision(empty_db_url) is None  # untouched: `otel-llm db upgrade` does it


def test_configure_upgrades_an_older_sqlite_file_and_keeps_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "-1")
    older = migrate.current_revision(url)
    with create_engine(url).begin() as connection:
        connection.execute(text("INSERT INTO projects (name) VALUES ('shop')"))

    otel_llm.configure(database_url=url)

    assert older != migrate.head_revision() == migrate.current_revision(url)
    with create_engine(url).connect() as connection:
        assert connection.execute(text("SELECT name FROM projects")).scalars().all() == ["shop"]


def test_workers_starting_together_on_a_new_file_all_store_their_calls(tmp_path, mock_llm):
    """Without one transaction per upgrade, two processes both create the tables and one fails
    ("table ... already exists")."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    (tmp_path / "worker.py").write_text(WORKER)
    start_at = str(time.time() + 3)
    workers = [
        subprocess.Popen(
            [sys.executable, "worker.py", url, mock_llm.url, start_at, f"worker {n}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outcomes = [(worker.wait(timeout=120), worker.stderr.read()) for worker in workers]

    assert [code for code, _ in outcomes] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert not any("already exists" in err or "could not bring" in err for _, err in outcomes)
    assert migrate.current_revision(url) == migrate.head_revision()
    assert _llm_spans(url) == 4
