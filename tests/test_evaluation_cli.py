"""``otel-llm eval``: run with a progress bar, show with intervals and items, gate exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm import pipeline
from otel_llm.prompts import versions
from otel_llm.storage.db import get_engine
from tests.evaluation_data import make_dataset


def _cli(db_url, *args):
    return CliRunner().invoke(main, ["--database-url", db_url, "eval", *args], catch_exceptions=False)


def test_run_show_and_gate_from_the_terminal(sqlite_url, mock_llm):
    engine = get_engine(sqlite_url)
    rows = [(f"How do I reset my password? Case {i}.", "Open the sign-in page.") for i in range(10)]
    project_id = make_dataset(engine, "default", "faq", rows)
    for text in ("You help customers. Be brief.", "You help customers."):
        versions.create_version(engine, project_id, "support", text, config={"model": "gpt-4o-mini"})
    try:
        ran = _cli(
            sqlite_url, "run", "faq", "--prompt", "support@v1", "--variant", "a:model=gpt-4o-mini",
            "--variant", "b:model=gpt-4o-mini,prompt=support@v2", "--evaluator", "similarity",
            "--evaluator", "exact", "--base-url", mock_llm.url,
        )  # fmt: skip
        assert ran.exit_code == 0, ran.output
        assert "Evaluating faq" in ran.output and "Run 1 completed: 20 items now" in ran.output
        shown = _cli(sqlite_url, "show", "1", "--items")
        assert "similarity" in shown.output and "(n=10)" in shown.output
        assert "b scores" in shown.output and "paired t-test over 10 paired items" in shown.output
        assert "Items (largest drop first):" in shown.output
        assert "expected: Open the sign-in page." in shown.output and "input: How do I reset" in shown.output
        listed = _cli(sqlite_url, "list")
        assert "faq@v1" in listed.output and "a, b / similarity, exact" in listed.output
        failed = _cli(
            sqlite_url, "gate", "--dataset", "faq", "--baseline", "support@v1", "--candidate", "support@v2",
            "--evaluator", "similarity", "--json", "--base-url", mock_llm.url,
        )  # fmt: skip
        verdict = json.loads(failed.output)
        assert failed.exit_code == 1 and verdict["passed"] is False
        assert verdict["reasons"][0].startswith("FAIL similarity")
        missing = _cli(sqlite_url, "show", "99")
        assert missing.exit_code == 1 and "there is no evaluation run 99" in missing.output
    finally:
        pipeline.uninstrument()
