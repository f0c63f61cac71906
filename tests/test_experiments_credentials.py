"""A run without provider credentials fails before the first call, with one sentence saying what to
set: the CLI says it and stores nothing; a run started from the JSON API or the console is stored
``failed`` with that sentence, which its page and the runs list show."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import func, select

from otel_llm.storage.db import get_engine
from otel_llm.storage.schema_experiments import experiment_runs
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

BODY = {
    "name": "bakeoff",
    "variants": [
        {
            "name": "a",
            "weight": 50,
            "is_control": True,
            "config": {"provider": "openai", "model": "gpt-4o-mini"},
        },
        {"name": "b", "weight": 50, "config": {"provider": "anthropic", "model": "claude-3-5-haiku-latest"}},
    ],
    "test_cases": [{"messages": [{"role": "user", "content": "Hello"}]}],
}


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch):
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OTEL_LLM_MOCK_URL"):
        monkeypatch.delenv(name, raising=False)


def _runs(url) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(experiment_runs)).scalar_one()


def _cli(url, *args):
    return CliRunner().invoke(main, ["--database-url", url, "experiments", *args])


def test_cli_run_without_credentials_says_what_to_set_and_calls_nothing(db_url, mock_llm, monkeypatch):
    a, b = (
        "name=a,provider=openai,model=gpt-4o-mini",
        "name=b,provider=anthropic,model=claude-3-5-haiku-latest",
    )
    created = _cli(db_url, "create", "bakeoff", "--variant", a, "--variant", b, "--test-case", "Hi")
    assert created.exit_code == 0, created.output

    ran = _cli(db_url, "run", "bakeoff")
    assert ran.exit_code != 0
    assert ran.output.strip().splitlines() == [
        "Error: no credentials for provider 'anthropic': set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, "
        "or --base-url (OTEL_LLM_MOCK_URL) to call the local provider."
    ]
    assert "Traceback" not in ran.output and mock_llm.requests == [] and _runs(db_url) == 0

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-set")  # the next provider missing is named next
    ran = _cli(db_url, "run", "bakeoff")
    assert ran.exit_code != 0 and "set OPENAI_API_KEY, or --base-url" in ran.output
    assert "sk-ant-set" not in ran.output and mock_llm.requests == []

    ran = _cli(db_url, "run", "bakeoff", "--base-url", mock_llm.url)
    assert ran.exit_code == 0, ran.output
    assert len(mock_llm.requests) == 2 and _runs(db_url) == 1


def test_api_and_console_record_the_sentence_on_a_failed_run_and_call_nothing(db_url, mock_llm):
    web = make_app(db_url)  # no EXPERIMENTS_BASE_URL: the SDKs' own variables, unset here
    editor = bearer(api_key(db_url, "alpha", "editor"))
    http = web.test_client()
    assert http.post("/api/v1/experiments", json=BODY, headers=editor).status_code == 201
    sentence = (
        "no credentials for provider 'anthropic': set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, "
        "or --base-url (OTEL_LLM_MOCK_URL) to call the local provider."
    )

    started = http.post("/api/v1/experiments/bakeoff/runs", json={}, headers=editor)
    assert started.status_code == 202
    assert started.get_json() | {"run_id": 0} == {"run_id": 0, "status": "failed", "error": sentence}
    [run] = http.get("/api/v1/experiments/bakeoff/runs", headers=editor).get_json()["items"]
    assert (run["id"], run["status"], run["error"], run["items"]) == (
        started.get_json()["run_id"],
        "failed",
        sentence,
        0,
    )
    assert run["finished_at"] is not None

    member = signed_in_client(web, db_url, "ed@example.com", "editor", project="alpha")
    token = csrf_token(member, "/experiments/bakeoff")
    page = member.post(
        "/experiments/bakeoff/run", data={"csrf_token": token, "repeat": "1"}, follow_redirects=True
    )
    html = page.get_data(as_text=True)
    shown = sentence.replace("'", "&#39;")
    assert f"Run {run['id'] + 1} failed: {shown}" in html  # the flash
    assert html.count(f'class="flash-error">{shown}</td>') == 2  # each failed run in the table
    assert mock_llm.requests == [] and _runs(db_url) == 2

    shown = _cli(db_url, "-p", "alpha", "show", "bakeoff")
    assert shown.exit_code == 0, shown.output
    assert f"Run {run['id']} failed: {sentence}" in shown.output
