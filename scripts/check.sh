#!/usr/bin/env bash
# The fast checks, before the tests (CI runs this first; so does the pre-commit hook): ruff lint,
# ruff format, and mypy on the in-app package and the collector (configured in pyproject.toml).
# Run from anywhere: `bash scripts/check.sh`. Uses .venv (scripts/test.sh makes it) unless PYTHON
# names another interpreter with the dev extras installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}

# mypy cannot follow the editable install's import hook, and the server folders install under
# another name (collector/ is otel_llm_server.collector): give it that layout as symlinks.
tree=build/typecheck/otel_llm_server
mkdir -p "$tree"
cp otel_llm_server/__init__.py "$tree/__init__.py"
for folder in collector web cli migrations; do
  ln -sfn "../../../$folder" "$tree/$folder"
done

status=0
only=${1:-}  # --mypy-only: the type check alone (the pre-commit hook; ruff has its own hooks there)
step() {
  local name=$1
  shift
  local started=$SECONDS
  if "$@"; then
    echo "check: $name ok ($((SECONDS - started)) s)"
  else
    echo "check: $name FAILED" >&2
    status=1
  fi
}
if [ "$only" != --mypy-only ]; then
  step "ruff check" "$PYTHON" -m ruff check .
  step "ruff format" "$PYTHON" -m ruff format --check .
fi
step "mypy" "$PYTHON" -m mypy
exit $status
