"""The test suite with Postgres unreachable stops at once with one clear message (its password
masked) and exit code ``PG_UNREACHABLE_EXIT_CODE``, instead of failing test after test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_UNREACHABLE_EXIT_CODE

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgres_unreachable_stops_the_run_with_one_message():
    admin = f"postgresql://ada:hunter2@127.0.0.1:{_closed_port()}/postgres"
    env = {**os.environ, "OTEL_LLM_TEST_PG_ADMIN_URL": admin}
    command = [sys.executable, "-m", "pytest", "tests/test_migrations.py", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    output = result.stdout + result.stderr
    assert result.returncode == PG_UNREACHABLE_EXIT_CODE, output
    assert output.count("Postgres is unreachable at postgresql://ada:***@127.0.0.1:") == 1, output
    assert 'or leave those tests out with -m "not postgres"' in output
    assert "no tests ran" in output and "hunter2" not in output
