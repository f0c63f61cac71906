"""CLI: ``otel-llm scores`` and ``traces list --score`` through click's runner, on SQLite and Postgres."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from tests.span_factory import T0, emit, llm_attributes, span_pipeline


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.delenv("OTEL_LLM_PROJECT", raising=False)

    def run(*args, ok=True):
        result = CliRunner().invoke(main, ["--database-url", db_url, *args], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return run


def test_declare_add_list_and_filter_the_traces_list(cli, db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        _, good = emit(tracer, name="good answer", start_ns=T0, **llm_attributes())
        _, poor = emit(tracer, name="poor answer", start_ns=T0 + 10**9, **llm_attributes())
    assert (
        "1 to 5"
        in cli(
            "scores", "config", "set", "helpfulness", "--type", "numeric", "--min", "1", "--max", "5"
        ).output
    )
    cli("scores", "config", "set", "exact", "--type", "boolean")
    configs = json.loads(cli("scores", "config", "list", "--json").output)
    assert [(c["name"], c["scale"]) for c in configs] == [
        ("exact", "true or false"),
        ("helpfulness", "1 to 5"),
    ]

    refused = cli("scores", "add", good, "helpfulness", "6", ok=False)
    assert "outside the scale of score 'helpfulness': 1 to 5" in refused.output
    assert (
        "Recorded helpfulness = 5" in cli("scores", "add", good, "helpfulness", "5", "-c", "spot on").output
    )
    cli("scores", "add", poor, "helpfulness", "2")
    cli("scores", "add", good, "exact", "true")
    listed = json.loads(cli("scores", "list", good, "--json").output)
    assert [(s["name"], s["display"], s["source"], s["source_name"]) for s in listed] == [
        ("exact", "true", "human", "cli"),
        ("helpfulness", "5", "human", "cli"),
    ]

    table = cli("traces", "list", "--score", "helpfulness").output.splitlines()
    assert "HELPFULNESS" in table[0]
    assert [line.split()[-1] for line in table[1:]] == ["2", "5"]
    kept = cli("traces", "list", "--score", "helpfulness>=4", "--score", "exact=true", "--json").output
    assert [(i["name"], i["scores"]) for i in json.loads(kept)["items"]] == [
        ("good answer", {"helpfulness": "5", "exact": "true"})
    ]
    bad = cli("traces", "list", "--score", "helpfulness>=great", ok=False)
    assert "give a number" in bad.output


def test_feedback_add_is_a_user_feedback_score(cli):
    cli("feedback", "add", "0af7651916cd43dd8448eb211c80319c", "0.25", "--comment", "wrong")
    listed = json.loads(cli("scores", "list", "--name", "user_feedback", "--json").output)
    assert [(s["value"], s["comment"], s["source"], s["source_name"]) for s in listed] == [
        (0.25, "wrong", "human", "cli")
    ]
    cli("scores", "config", "set", "user_feedback", "--type", "numeric", "--min", "0.5", "--max", "1")
    refused = cli("feedback", "add", "0af7651916cd43dd8448eb211c80319c", "0.25", ok=False)
    assert "0.5 to 1" in refused.output
