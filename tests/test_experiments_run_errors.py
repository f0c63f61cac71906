"""A run that fails midway is stored ``failed`` with one sentence saying why (no password, no key),
shown by the API, the console and the CLI, and resumes once the cause is gone; replay and run-item
errors shown to a user are masked the same way."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main

from otel_llm import pipeline, providers
from otel_llm.experiments import calls, runs, service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.storage.db import get_engine
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

SECRETS = ("hunter2", "sk-live0123456789abcdef")
CAUSE = "cannot reach postgresql://ada:hunter2@db.internal/otel (key sk-live0123456789abcdef)"
MASKED = "cannot reach postgresql://ada:***@db.internal/otel (key sk-***)"
VARIANTS = [
    VariantSpec("a", 50, True, {"provider": "openai", "model": "gpt-4o-mini"}),
    VariantSpec("b", 50, False, {"provider": "openai", "model": "gpt-4.1-mini"}),
]


@pytest.fixture(autouse=True)
def _pipeline_torn_down():
    yield
    pipeline.uninstrument()
    pipeline.shutdown()


@pytest.fixture
def broken_client(monkeypatch):
    """Making the provider client fails, with secrets in the message (as a driver's error may)."""
    real = providers.client

    def boom(*args, **kwargs):
        raise RuntimeError(CAUSE)

    monkeypatch.setattr(providers, "client", boom)
    return lambda: monkeypatch.setattr(providers, "client", real)


def _create(url, project="alpha"):
    spec = ExperimentSpec(name="bakeoff", variants=VARIANTS, test_cases=[case_from_text("Hi")])
    return service.create_experiment(get_engine(url), project, spec)


def test_a_run_failing_midway_is_failed_with_the_masked_reason_and_resumes(db_url, mock_llm, broken_client):
    _create(db_url, "default")
    engine = get_engine(db_url)
    with pytest.raises(runs.RunFailed) as failed:
        runs.run_experiment(engine, "default", "bakeoff", base_url=mock_llm.url)
    assert str(failed.value) == (
        f"run 1 of 'bakeoff' failed: {MASKED}; run it again to resume once that is fixed."
    )
    [run] = runs.run_summaries(engine, "default", "bakeoff")
    assert (run["status"], run["error"], run["items"]) == ("failed", MASKED, 0)
    assert run["finished_at"] is not None

    broken_client()  # the cause is gone: the next run resumes the failed one and clears its error
    report = runs.run_experiment(engine, "default", "bakeoff", base_url=mock_llm.url)
    assert (report.run_id, report.status, report.done) == (1, "completed", 2)
    [run] = runs.run_summaries(engine, "default", "bakeoff")
    assert (run["status"], run["error"], run["items"]) == ("completed", None, 2)


def test_cli_run_failing_midway_says_why_in_one_line(sqlite_url, mock_llm, broken_client):
    _create(sqlite_url, "default")
    cli = CliRunner()
    ran = cli.invoke(
        main, ["--database-url", sqlite_url, "experiments", "run", "bakeoff", "--base-url", mock_llm.url]
    )
    assert ran.exit_code == 1
    assert ran.output.strip().splitlines()[-1] == (
        f"Error: run 1 of 'bakeoff' failed: {MASKED}; run it again to resume once that is fixed."
    )
    shown = cli.invoke(main, ["--database-url", sqlite_url, "experiments", "show", "bakeoff"])
    assert f"Run 1 failed: {MASKED}" in shown.output
    assert not any(secret in ran.output + shown.output for secret in SECRETS)


def _wait_for_failed(http, headers, run_id):
    for _ in range(200):
        [run] = [r for r in http.get("/api/v1/experiments/bakeoff/runs", headers=headers).get_json()["items"]]
        if run["id"] == run_id and run["status"] != "running":
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still running: {run}")


def test_api_and_console_show_a_midway_failure_on_the_run(db_url, mock_llm, broken_client, caplog):
    _create(db_url)
    web = make_app(db_url, EXPERIMENTS_BASE_URL=mock_llm.url)
    editor = bearer(api_key(db_url, "alpha", "editor"))
    http = web.test_client()
    started = http.post("/api/v1/experiments/bakeoff/runs", json={}, headers=editor)
    assert started.status_code == 202 and started.get_json()["status"] == "running"
    run = _wait_for_failed(http, editor, started.get_json()["run_id"])
    assert (run["status"], run["error"]) == ("failed", MASKED)

    member = signed_in_client(web, db_url, "ed@example.com", "editor", project="alpha")
    csrf_token(member, "/experiments/bakeoff")
    html = member.get("/experiments/bakeoff").get_data(as_text=True)
    assert f'class="flash-error">{MASKED}</td>' in html
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed" in logged and not any(secret in html + logged for secret in SECRETS)


def test_provider_errors_of_run_items_and_replays_are_masked():
    class Client:
        class chat:  # noqa: N801 - the SDK's shape
            class completions:  # noqa: N801
                @staticmethod
                def create(**kwargs):
                    raise RuntimeError("401 for Bearer sk-proj0123456789abcdef via http://u:hunter2@proxy")

    variant = calls.PreparedVariant("a", {"provider": "openai", "model": "gpt-4o-mini"}, None, {})
    result = calls.call(Client(), "bakeoff", variant, [{"role": "user", "content": "Hi"}], None)
    assert not result.ok and "hunter2" not in result.error and "sk-proj0123456789abcdef" not in result.error
    assert result.error == "RuntimeError: 401 for Bearer *** via http://u:***@proxy"
