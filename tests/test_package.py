"""The in-app package stays light, and settings parse the environment as documented."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from otel_llm import settings


def test_import_otel_llm_does_not_pull_web_cli_flask_or_scipy():
    code = (
        "import sys, otel_llm; otel_llm.configure; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'scipy', 'click', 'werkzeug') "
        "or m.startswith(('otel_llm_server.web', 'otel_llm_server.cli', 'otel_llm_server.collector'))]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import otel_llm imported: {out}"


@pytest.mark.parametrize(
    ("ours", "otel", "expected"),
    [
        (None, None, True),
        ("false", None, False),
        ("0", "true", False),
        (None, "false", False),
        (None, "NO_CONTENT", False),
        (None, "SPAN_ONLY", True),
        ("true", "false", True),
        ("maybe", None, True),  # unparseable: logged, default kept
    ],
)
def test_capture_content_switches(monkeypatch, ours, otel, expected):
    for name, value in (
        (settings.OTEL_LLM_CAPTURE_CONTENT, ours),
        (settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, otel),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert settings.capture_content() is expected
    assert settings.capture_content(not expected) is (not expected)  # an argument overrides the environment


def test_defaults_and_overrides(monkeypatch):
    monkeypatch.delenv(settings.OTEL_LLM_DATABASE_URL, raising=False)
    monkeypatch.delenv(settings.OTEL_LLM_PROJECT, raising=False)
    assert settings.database_url() == "sqlite:///otel_llm.db"
    assert settings.project() == "default"
    monkeypatch.setenv(settings.OTEL_LLM_DATABASE_URL, "postgresql://db/x")
    assert settings.database_url() == "postgresql://db/x"
    assert settings.database_url("sqlite:///other.db") == "sqlite:///other.db"


def test_bad_integer_falls_back_to_default(monkeypatch, caplog):
    monkeypatch.setenv(settings.OTEL_LLM_SPOOL_MAX_BYTES, "lots")
    assert settings.spool_max_bytes() == settings.DEFAULT_SPOOL_MAX_BYTES
    assert "not an integer" in caplog.text


def test_the_suite_stops_at_once_with_one_message_when_postgres_is_down(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "OTEL_LLM_TEST_PG_ADMIN_URL": f"postgresql://postgres@127.0.0.1:{port}/postgres"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_exporter.py"]
    root = Path(__file__).resolve().parents[1]

    down = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=120)
    sqlite_only = subprocess.run(
        [*command, "-m", "not postgres", "-k", "unmigrated"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=120,
    )

    assert down.returncode == 3
    assert down.stdout.count("Postgres is unreachable") == 1 and "passed" not in down.stdout
    assert sqlite_only.returncode == 0 and "1 passed" in sqlite_only.stdout  # SQLite tests still run
