"""Nothing held back on disk when the app exits; a database that never answers does not hold the exit;
a database URL that can never work is one error at configure(). Real apps in subprocesses: the
openai SDK against the local provider, the SDK's BatchSpanProcessor and our exporter, Postgres
behind a TCP proxy the test cuts and restores (the shared server itself is never stopped)."""

from __future__ import annotations

import logging
import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SpanExportResult
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from otel_llm import pipeline
from otel_llm.exporter import SQLSpanExporter
from otel_llm.storage import db as storage_db
from otel_llm.storage.schema import spans
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

DB_PASSWORD = "pg-pw-never-shown"
API_KEY = "sk-outage-never-shown"

APP = textwrap.dedent(
    """
    import pathlib, sys, time
    import openai, otel_llm

    otel_llm.configure()
    otel_llm.instrument()
    client = openai.OpenAI(max_retries=0)
    stop, calls = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    made = 0
    while (calls and made < calls) or (not calls and not stop.exists()):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"call {made}"}]
        )
        made += 1
        time.sleep(0.02)
    print(made, flush=True)
    """
)


def _start_app(tmp_path: Path, database_url: str, mock_llm, calls: int = 0, **env: str) -> subprocess.Popen:
    app = tmp_path / "app.py"
    app.write_text(APP)
    environment = {
        **os.environ,
        "OTEL_LLM_DATABASE_URL": database_url,
        "OTEL_LLM_PROJECT": "outage",
        "OTEL_LLM_SPOOL_DIR": str(tmp_path / "spool"),
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": mock_llm.url + "/v1",
        **env,
    }
    command = [sys.executable, str(app), str(tmp_path / "stop"), str(calls)]
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _stored(url: str) -> int:
    storage_db.dispose_all()
    with storage_db.get_engine(url).connect() as connection:
        return connection.execute(select(func.count()).select_from(spans).where(spans.c.is_llm)).scalar_one()


def _spool_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "spool").rglob("*") if p.is_file() and "dead" not in p.parts]


def _wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


def test_calls_through_a_postgres_outage_are_all_stored_when_the_app_exits_soon_after(
    pg_url, mock_llm, tmp_path
):
    url = make_url(pg_url)
    proxy = TcpProxy((url.host, url.port or 5432))
    via_proxy = url.set(port=proxy.port, password=DB_PASSWORD).render_as_string(hide_password=False)
    app = _start_app(tmp_path, via_proxy, mock_llm)
    try:
        assert _wait_for(lambda: _stored(pg_url) > 0), "the app stored nothing before the outage"
        proxy.close()
        time.sleep(15)
        during = _spool_files(tmp_path)
        time.sleep(5)  # 20 s of outage
        proxy.open()
        time.sleep(5)  # the app exits 5 s after Postgres is back
        (tmp_path / "stop").touch()
        out, err = app.communicate(timeout=120)
    finally:
        app.kill()
        proxy.close()
    assert app.returncode == 0, err
    calls, stored, left = int(out), _stored(pg_url), _spool_files(tmp_path)
    print(f"outage test: {calls} calls made, {stored} stored, {len(left)} spool files left")
    assert during and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in during if p.exists())
    assert "database unavailable" in err
    assert stored == calls and left == []
    spooled_text = "".join(p.read_text() for p in during if p.exists())
    for secret in (DB_PASSWORD, API_KEY):
        assert secret not in err and secret not in spooled_text


class _Silent:
    """A TCP listener that accepts connections and never says a word (a wedged database)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.server.accept()[0])
            except OSError:
                return

    def close(self):
        self.server.close()
        for conn in self.accepted:
            conn.close()


def test_a_database_that_never_answers_holds_the_exit_no_longer_than_the_flush_timeout(mock_llm, tmp_path):
    silent = _Silent()
    # Without the bound, the exit would wait for this 600 s connect timeout.
    url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:{silent.port}/otel?connect_timeout=600"
    try:
        app = _start_app(tmp_path, url, mock_llm, calls=3, OTEL_LLM_FLUSH_TIMEOUT="2")
        out, err = app.communicate(timeout=180)  # generous: a loaded machine starts Python slowly
    finally:
        silent.close()
    assert app.returncode == 0, err
    assert silent.accepted, "the exporter never tried the database"
    spooled = [p for p in _spool_files(tmp_path) if p.suffix == ".json"]
    import json

    assert int(out) == 3 and sum(len(json.loads(p.read_text())["records"]) for p in spooled) == 3
    assert DB_PASSWORD not in err and API_KEY not in err


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://u:pw-in-url@db.example:notaport/app", "cannot be parsed"),
        ("mysql://u:pw-in-url@db.example/app", "mysql://u:***@db.example/app is not supported"),
        ("not a url", "cannot be parsed"),
        ("postgresql+nosuchdriver://u:pw-in-url@db.example/app", "cannot be used"),
    ],
)
def test_a_database_url_that_can_never_work_is_one_error_at_configure(url, said, caplog, tmp_path):
    with caplog.at_level(logging.INFO, "otel_llm"):
        provider = pipeline.configure(database_url=url)  # never raises into the app
        with provider.get_tracer("t").start_as_current_span("chat"):
            pass
        assert pipeline.flush()
        exporter = pipeline._state["exporter"]
        assert exporter.export([]) == SpanExportResult.FAILURE
        pipeline.shutdown()
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("otel_llm")]
    assert len(errors) == 1 and said in errors[0].getMessage(), caplog.text
    assert "pw-in-url" not in caplog.text
    assert exporter.writer is None  # no retry loop, no thread: a configuration error, not an outage


def test_the_default_spool_is_a_private_folder_per_user_and_per_database(monkeypatch, tmp_path):
    monkeypatch.delenv("OTEL_LLM_SPOOL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    one = SQLSpanExporter(f"sqlite:///{tmp_path / 'one.db'}")
    two = SQLSpanExporter(f"sqlite:///{tmp_path / 'two.db'}")
    assert (
        one.spool.directory.parent == two.spool.directory.parent == tmp_path / "data" / "otel-llm" / "spool"
    )
    assert one.spool.directory != two.spool.directory
    one.spool.put({"project": "default", "records": []})
    (path,) = one.spool.files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(one.spool.directory.stat().st_mode) == 0o700
