"""``otel_llm.configure(database_url=…, project=…)`` is where the app's clients read and write too:
``get_prompt``, ``experiment`` and ``record_feedback`` follow it over the environment variables."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text

import otel_llm
from otel_llm.experiments import client as experiments_client
from otel_llm.experiments import service as experiments
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.prompts import catalog, labels, versions
from otel_llm.prompts import client as prompts_client
from otel_llm.prompts.errors import PromptUnavailable
from otel_llm.storage.db import get_engine

SPAN_ID = "5f1c0e2a9b3d4c71"


@pytest.fixture
def configured(db_url, tmp_path, monkeypatch):
    """A prompt and a running experiment in project "shop" of ``db_url``; the environment names an
    empty SQLite file and the default project, as on an app configured in code."""
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    monkeypatch.delenv("OTEL_LLM_PROJECT", raising=False)
    prompts_client.clear_cache()
    experiments_client.clear_cache()
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "shop", create=True)
    versions.create_version(engine, pid, "support", "You help {{customer}}.")
    labels.publish(engine, pid, "support", 1)
    spec = ExperimentSpec(
        name="bakeoff",
        variants=[
            VariantSpec("a", 50, True, {"provider": "openai", "model": "gpt-4o-mini"}),
            VariantSpec("b", 50, False, {"provider": "openai", "model": "gpt-4o"}),
        ],
    )
    experiments.create_experiment(engine, "shop", spec)
    experiments.start(engine, "shop", "bakeoff")
    otel_llm.configure(database_url=db_url, project="shop", tracer_provider=TracerProvider())
    yield engine
    prompts_client.clear_cache()
    experiments_client.clear_cache()


def test_get_prompt_reads_the_configured_database_and_project(configured):
    prompt = otel_llm.get_prompt("support")
    assert (prompt.version, prompt.is_fallback) == (1, False)
    assert prompt.render(customer="Ada") == "You help Ada."


def test_experiment_assigns_from_the_configured_database_and_project(configured):
    with otel_llm.experiment("bakeoff", unit_id="user-1") as variant:
        assert variant.tagged and variant.name in {"a", "b"}
        assert variant.config["model"] in {"gpt-4o-mini", "gpt-4o"}


def test_record_feedback_writes_to_the_configured_database_and_project(configured):
    assert otel_llm.record_feedback(SPAN_ID, 1.0) is not None
    with configured.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.name FROM scores f JOIN projects p ON p.id = f.project_id WHERE f.span_id = :s AND f.name = 'user_feedback'"
            ),
            {"s": SPAN_ID},
        ).all()
    assert [r.name for r in rows] == ["shop"]


def test_an_argument_still_wins_over_configure(configured):
    with pytest.raises(PromptUnavailable, match="support@production"):
        otel_llm.get_prompt("support", project="other-project")
