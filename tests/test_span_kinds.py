"""Span kinds: every stored span is classified once (``otel_llm.storage.kinds``), and only model
calls count as LLM calls in experiment results and prompt metrics, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.experiments import aggregate
from otel_llm.prompts import catalog, metrics, versions
from otel_llm.storage.db import get_engine
from otel_llm.storage.kinds import classify
from otel_llm.storage.normalize import SpanRecord, to_row
from otel_llm.storage.schema import spans
from otel_llm.traces.overview import overview
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

MS = 10**6


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({attrs.GEN_AI_OPERATION_NAME: "chat", attrs.GEN_AI_PROVIDER_NAME: "openai"}, "llm"),
        ({attrs.GEN_AI_OPERATION_NAME: "text_completion"}, "llm"),
        ({attrs.GEN_AI_OPERATION_NAME: "generate_content"}, "llm"),
        ({attrs.GEN_AI_OPERATION_NAME: "embeddings", attrs.GEN_AI_REQUEST_MODEL: "e"}, "embedding"),
        ({attrs.GEN_AI_OPERATION_NAME: "invoke_agent", attrs.GEN_AI_REQUEST_MODEL: "m"}, "agent"),
        ({attrs.GEN_AI_OPERATION_NAME: "create_agent"}, "agent"),
        ({attrs.GEN_AI_OPERATION_NAME: "execute_tool"}, "tool"),
        ({"openinference.span.kind": "LLM"}, "llm"),
        ({"openinference.span.kind": "EMBEDDING"}, "embedding"),
        ({"openinference.span.kind": "RETRIEVER"}, "retrieval"),
        ({"openinference.span.kind": "RERANKER"}, "rerank"),
        ({"openinference.span.kind": "CHAIN"}, "chain"),
        ({"openinference.span.kind": "AGENT", "llm.model_name": "gpt-4o"}, "agent"),
        ({"openinference.span.kind": "GUARDRAIL"}, "other"),
        ({"traceloop.span.kind": "workflow"}, "chain"),
        ({"traceloop.span.kind": "task"}, "chain"),
        ({"traceloop.span.kind": "tool"}, "tool"),
        ({"llm.request.type": "embedding", attrs.GEN_AI_SYSTEM: "openai"}, "embedding"),  # OpenLLMetry
        ({attrs.GEN_AI_SYSTEM: "openai", attrs.GEN_AI_REQUEST_MODEL: "gpt-4o"}, "llm"),  # says no more
        ({attrs.GEN_AI_PROVIDER_NAME: "openai"}, "other"),  # no model: not a model call
        ({"http.method": "POST"}, "other"),
    ],
)
def test_every_span_gets_one_kind_and_only_model_calls_are_llm_calls(attributes, kind):
    row = to_row(SpanRecord("1" * 32, "2" * 16, "s", T0, T0 + MS, attributes=attributes), project_id=1)
    assert row["category"] == kind and row["is_llm"] is (kind == "llm")
    assert classify(row["attributes"]) == kind


def test_agent_tokens_are_not_a_cost_but_embeddings_are(sqlite_url):
    agent = {**llm_attributes(), attrs.GEN_AI_OPERATION_NAME: "invoke_agent"}
    embedding = {**llm_attributes(model="text-embedding-3-small"), attrs.GEN_AI_OPERATION_NAME: "embeddings"}
    record = SpanRecord("1" * 32, "2" * 16, "s", T0, T0 + MS)
    assert to_row(SpanRecord(**{**record.to_json(), "attributes": agent}), 1)["cost_usd"] is None
    row = to_row(SpanRecord(**{**record.to_json(), "attributes": embedding}), 1)
    assert row["cost_usd"] is not None and not row["is_llm"]


AGENTS = {  # an agent span as each convention writes it, with the model and totals frameworks add
    "genai": {**llm_attributes(input_tokens=500), attrs.GEN_AI_OPERATION_NAME: "invoke_agent"},
    "openinference": {
        "openinference.span.kind": "AGENT",
        "llm.provider": "openai",
        "llm.model_name": "gpt-4o-mini",
        "llm.token_count.prompt": 500,
    },
    "openllmetry": {
        "traceloop.span.kind": "agent",
        attrs.GEN_AI_SYSTEM: "openai",
        attrs.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        "gen_ai.usage.prompt_tokens": 500,
    },
}


def emit_agent_turn(tracer, start_ns: int, agent_attributes: dict) -> None:
    """An agent span around two LLM calls of 100 and 300 ms and a tool call."""
    agent = tracer.start_span("invoke_agent support", start_time=start_ns, attributes=agent_attributes)
    emit(tracer, start_ns=start_ns + MS, duration_ms=100.0, parent=agent, **llm_attributes())
    tool = {attrs.GEN_AI_OPERATION_NAME: "execute_tool", "gen_ai.tool.name": "lookup"}
    emit(tracer, "execute_tool lookup", start_ns=start_ns + 102 * MS, duration_ms=5.0, parent=agent, **tool)
    emit(tracer, start_ns=start_ns + 110 * MS, duration_ms=300.0, parent=agent, **llm_attributes())
    agent.end(end_time=start_ns + 2000 * MS)


@pytest.mark.parametrize("convention", sorted(AGENTS))
def test_agent_turn_counts_its_two_llm_calls_only(db_url, tmp_path, convention):
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    version = versions.create_version(engine, pid, "support", "You are terse.")
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        tags = {"prompt_name": "support", "prompt_version": 1, "prompt_hash": version.version_hash}
        with otel_llm.tags(experiment="ab", variant="a", **tags):
            emit_agent_turn(tracer, T0, AGENTS[convention])
        with otel_llm.tags(**tags):  # a judge's call on the same prompt: evaluation, never traffic
            emit(tracer, start_ns=T0 + 3000 * MS, **llm_attributes(**{attrs.EVALUATION: "judge"}))
    with engine.connect() as conn:
        kinds = dict(conn.execute(sa.select(spans.c.name, spans.c.category)).all())
        row = aggregate.summarise(conn, pid, "ab")["a"]
    assert kinds == {
        "invoke_agent support": "agent",
        "execute_tool lookup": "tool",
        "chat gpt-4o-mini": "llm",
    }
    assert row.calls == 2 and row.successes == 2  # not 4: the agent and the tool are not LLM calls
    assert row.latency.n == 2 and row.latency.total == pytest.approx(400.0)  # no agent latency
    assert row.input_tokens == 200
    (stats,) = metrics.version_metrics(engine, pid, "support")
    assert stats.calls == 2 and stats.p95_ms < 300.0 + 1e-6
    now = datetime.fromtimestamp(T0 / 1e9, UTC) + timedelta(hours=1)
    totals = overview(engine, pid, "24h", now=now)["totals"]
    assert (totals["calls"], totals["input_tokens"]) == (2, 200)  # the agent's 500 are its calls'


def _stored_turn(project_id: int) -> list[dict]:
    """Rows of an agent turn (OpenInference agent span, two LLM calls, a tool) as 0014 stored them:
    the agent span, naming a provider, counted as an LLM call and costed."""
    rows = []
    for i, (name, attributes) in enumerate(
        [
            ("agent", AGENTS["openinference"]),
            ("call-1", llm_attributes()),
            ("tool", {attrs.GEN_AI_OPERATION_NAME: "execute_tool"}),
            ("call-2", llm_attributes()),
        ]
    ):
        tagged = {**attributes, attrs.EXPERIMENT: "ab", attrs.EXPERIMENT_VARIANT: "a"}
        record = SpanRecord(
            "a" * 32, f"{i + 1:016x}", name, T0 + i * MS, T0 + (i + 100) * MS, attributes=tagged
        )
        rows.append(to_row(record, project_id))
    rows[0].update(is_llm=True, category="llm", cost_usd=0.5)
    return rows


def test_migration_reclassifies_stored_spans_and_rebuilds_rollups(empty_db_url):
    from otel_llm.storage import migrate
    from otel_llm.storage.writer import ensure_project, insert_rows

    migrate.upgrade(empty_db_url, "0014_span_columns")
    engine = get_engine(empty_db_url)
    with engine.begin() as conn:
        pid = ensure_project(conn, "default")
        insert_rows(conn, _stored_turn(pid))

    def state():
        with engine.connect() as conn:
            agent = conn.execute(sa.select(spans).where(spans.c.name == "agent")).one()
            return (
                agent.category,
                agent.is_llm,
                agent.cost_usd,
                aggregate.summarise(conn, pid, "ab")["a"].calls,
            )

    assert state() == ("llm", True, 0.5, 3)
    migrate.upgrade(empty_db_url)
    assert state() == ("agent", False, None, 2)
    migrate.downgrade(empty_db_url, "0014_span_columns")
    assert state() == ("llm", True, None, 3)
