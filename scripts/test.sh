#!/usr/bin/env bash
# The whole test suite on a fresh machine: makes .venv, installs otel-llm with its dev extras (and
# Debian's chromium for the browser tests when it is missing), then runs pytest against SQLite and the
# Postgres server at OTEL_LLM_TEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k prompts`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[all,dev]'

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  else
    echo "warning: chromium is not installed (sudo apt-get install chromium); browser tests will fail" >&2
  fi
fi

# -n auto: one pytest-xdist worker per core (each has its own Postgres databases, SQLite files, local
# provider and console). Tests are handed out in collection order, so the browser tests, collected
# last (tests/conftest.py), run last on each worker: Playwright's sync API leaves an event loop running.
# Run one test without it: `.venv/bin/python -m pytest tests/test_x.py -k name`.
# --durations: the 25 slowest tests are listed before the coverage report, to keep the suite quick.
# pytest's own exit code is returned as is: 5 (no tests collected) fails like any other error.
# The coverage report (least covered modules last, pyproject.toml [tool.coverage]) ends the output.
exec .venv/bin/python -m pytest -n auto --cov --cov-report=term --durations=25 "$@"
