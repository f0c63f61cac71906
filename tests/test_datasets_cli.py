"""``otel-llm datasets``: import, export, add-spans, show, remove over a real database (SQLite and
Postgres), as a user types them."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm import datasets
from otel_llm.accounts import require_project
from otel_llm.storage.db import get_engine
from otel_llm.storage.writer import ensure_project
from tests.span_factory import emit, llm_attributes, span_pipeline


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.delenv("OTEL_LLM_PROJECT", raising=False)
    with get_engine(db_url).begin() as conn:
        ensure_project(conn, "default")

    def run(*args, ok=True):
        result = CliRunner().invoke(
            main, ["--database-url", db_url, "datasets", *args], catch_exceptions=False
        )
        assert (result.exit_code == 0) == ok, result.output
        return result

    return run


def _items(db_url, name="qa", version=None):
    engine = get_engine(db_url)
    return datasets.resolve(engine, require_project(engine, "default").id, name, version)


def test_csv_import_with_column_mapping_then_export_round_trips(cli, db_url, tmp_path):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "question,answer,category,ignored\n"
        'Where is my refund?,"Within 5 days, by card.",billing,x\n'
        "Reset my password,,account,y\n",
        encoding="utf-8",
    )
    out = cli(
        "import",
        "qa",
        str(tickets),
        "--input-column",
        "question",
        "--expected-column",
        "answer",
        "--metadata-column",
        "category",
        "--create",
    ).output
    assert "now v2 with 2 items" in out
    first, second = _items(db_url)
    assert first.messages == [{"role": "user", "content": "Where is my refund?"}]
    assert (first.expected_output, first.metadata) == ("Within 5 days, by card.", {"category": "billing"})
    assert second.expected_output is None

    exported = tmp_path / "qa.jsonl"
    cli("export", "qa", "-o", str(exported))
    cli("create", "copy")
    cli("import", "copy", str(exported))
    strip = lambda items: [i.spec() for i in items]  # noqa: E731
    assert strip(_items(db_url, "copy")) == strip(_items(db_url))


def test_jsonl_import_reports_the_bad_line_and_stores_nothing(cli, db_url, tmp_path):
    cli("create", "qa")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "fine"}\n\n{"messages": [{"role": "user"}]}\n', encoding="utf-8")
    out = cli("import", "qa", str(bad), ok=False).output
    assert "line 3:" in out and "content" in out
    bad.write_text('{"input": "fine"}\n{"inptu": "typo"}\n', encoding="utf-8")
    assert "line 2: unknown field 'inptu'" in cli("import", "qa", str(bad), ok=False).output
    bad.write_text("{not json\n", encoding="utf-8")
    assert "line 1: not JSON" in cli("import", "qa", str(bad), ok=False).output
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("q,a\nhello,hi\n", encoding="utf-8")
    assert (
        "line 1: no column 'question'"
        in cli("import", "qa", str(csv_file), "--input-column", "question", ok=False).output
    )
    assert _items(db_url) == [] and datasets.get(get_engine(db_url), 1, "qa").current_version == 1


def test_variables_items_from_csv(cli, db_url, tmp_path):
    cli("create", "vars")
    f = tmp_path / "v.csv"
    f.write_text("customer,issue,expected\nAda,late parcel,sorry\n", encoding="utf-8")
    cli(
        "import",
        "vars",
        str(f),
        "--variable-column",
        "customer",
        "--variable-column",
        "issue",
        "--expected-column",
        "expected",
    )
    [item] = _items(db_url, "vars")
    assert (item.variables, item.messages, item.expected_output) == (
        {"customer": "Ada", "issue": "late parcel"},
        None,
        "sorry",
    )


@pytest.fixture
def spans(db_url, tmp_path):
    now = datetime.now(UTC)
    start = lambda days: int((now - timedelta(days=days)).timestamp() * 1e9)  # noqa: E731
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        recent = emit(tracer, start_ns=start(1), **llm_attributes(user="Where is my refund?", answer="Soon."))
        emit(
            tracer,
            name="chat claude",
            start_ns=start(2),
            **llm_attributes(model="claude-haiku-4-5", provider="anthropic"),
        )
        emit(tracer, start_ns=start(30), **llm_attributes(user="Old question"))
        emit(tracer, name="GET /health", start_ns=start(1))
    return recent


def test_add_spans_uses_the_traces_filters_and_links_the_span(cli, db_url, spans):
    cli("create", "qa")
    out = cli("add-spans", "qa", "--model", "gpt-4o-mini", "--since", "7d", "--limit", "200").output
    assert "Added 1 spans to qa: now v2 with 1 items" in out
    [item] = _items(db_url)
    assert (item.source_trace_id, item.source_span_id) == spans
    assert item.messages == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Where is my refund?"},
    ]
    assert item.expected_output == "Soon." and item.metadata["model"] == "gpt-4o-mini"
    again = cli("add-spans", "qa", "--model", "gpt-4o-mini", "--since", "7d")
    assert "already holds it" in again.output and "No span added" in again.output
    assert "Added 2 spans" in cli("add-spans", "qa").output  # the other LLM spans; never GET /health


def test_show_versions_and_remove(cli, db_url, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"input": "one"}\n{"input": "two"}\n', encoding="utf-8")
    cli("create", "qa", "--description", "questions")
    cli("import", "qa", str(f))
    first = _items(db_url)[0]
    assert "now v3 with 1 items" in cli("remove", "qa", str(first.id)).output
    shown = cli("show", "qa@v2").output
    assert "qa v2 of 3: 2 items" in shown and re.search(rf"^\s*{first.id}\s+one", shown, re.M)
    assert "one" not in cli("show", "qa").output
    history = json.loads(cli("show", "qa", "--versions", "--json").output)
    assert [(v["number"], v["item_count"]) for v in history] == [(3, 1), (2, 2), (1, 0)]
    listed = json.loads(cli("list", "--json").output)
    assert [(d["name"], d["current_version"], d["item_count"]) for d in listed] == [("qa", 3, 1)]
    assert "no item 99999" in cli("remove", "qa", "99999", ok=False).output
    assert "does not exist" in cli("show", "nope", ok=False).output
