"""Issue 16's "done means", end to end: an agent app (an agent span around three real LLM calls, one
with a tool definition, two tool calls and a retrieval), inside an experiment and a linked prompt,
traced by our instrumentation, by each other one (the real package) and by each other one together
with ours, stored through our exporter on SQLite and Postgres. The stored trace is one trace with
the right kinds; its totals, the experiment's results and the prompt's metrics count the three LLM
calls only.

The app writes its own agent, tool and retrieval spans in the convention of the instrumentation it
uses: the GenAI conventions' operation names with ours and the official one, OpenInference's span
kinds with OpenInference, and with OpenLLMetry Traceloop's span kinds, which have no retrieval kind
(Traceloop's ``@task`` would make it a chain): that app writes its retrieval with the GenAI
operation name.
"""

from __future__ import annotations

import json

import openai
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.experiments import client as experiment_client
from otel_llm.experiments import results, service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.exporter import SQLSpanExporter
from otel_llm.instrumentation import available_instrumentors
from otel_llm.instrumentation.common import content
from otel_llm.processor import LLMSpanProcessor
from otel_llm.prompts import catalog, labels, metrics, versions
from otel_llm.prompts import client as prompt_client
from otel_llm.storage import db as storage_db
from otel_llm.storage.schema import spans
from otel_llm.traces.trace_list import list_traces, trace_tree
from tests.foreign_support import CHAT_TOOLS, latest_genai_semconv
from tests.instrumentation_support import Traced, instrument_ours
from tests.test_dedup_foreign import _restore, _sdk_methods

P = "default"
AGENT = "support-bot"
ARGUMENTS = {"order_id": "A-17"}

SEMCONV = {
    "agent": {attrs.GEN_AI_OPERATION_NAME: "invoke_agent", "gen_ai.agent.name": AGENT},
    "tool": lambda name, result: {
        attrs.GEN_AI_OPERATION_NAME: "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.arguments": json.dumps(ARGUMENTS),
        "gen_ai.tool.call.result": result,
    },
    "retrieval": {attrs.GEN_AI_OPERATION_NAME: "retrieval", "gen_ai.data_source.id": "help-center"},
}
OPENINFERENCE = {
    "agent": {"openinference.span.kind": "AGENT", "agent.name": AGENT},
    "tool": lambda name, result: {
        "openinference.span.kind": "TOOL",
        "tool.name": name,
        "input.value": json.dumps(ARGUMENTS),
        "output.value": result,
    },
    "retrieval": {"openinference.span.kind": "RETRIEVER", "input.value": "refund policy"},
}
TRACELOOP = {
    "agent": {"traceloop.span.kind": "agent", "traceloop.entity.name": AGENT},
    "tool": lambda name, result: {
        "traceloop.span.kind": "tool",
        "traceloop.entity.name": name,
        "traceloop.entity.input": json.dumps(ARGUMENTS),
        "traceloop.entity.output": result,
    },
    "retrieval": SEMCONV["retrieval"],  # Traceloop has no retrieval kind
}


def _foreign(name: str):
    """The other instrumentation ``name`` (an instrumentor) and the convention its app writes in."""
    if name == "genai-openai":
        from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

        return OpenAIInstrumentor(), SEMCONV
    if name == "openinference-openai":
        from openinference.instrumentation.openai import OpenAIInstrumentor as OpenInference

        return OpenInference(), OPENINFERENCE
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetry

    return OpenLLMetry(), TRACELOOP


def agent_app(tracer, sdk: openai.OpenAI, convention: dict, database_url: str) -> str:
    """The app under test: one agent turn. Returns the answer."""
    with (
        otel_llm.experiment("agent-ab", unit_id="user-7", database_url=database_url) as variant,
        otel_llm.get_prompt("support", database_url=database_url) as prompt,
        tracer.start_as_current_span(f"invoke_agent {AGENT}", attributes=convention["agent"]),
    ):
        model = variant.config["model"]
        messages = [
            {"role": "system", "content": prompt.render()},
            {"role": "user", "content": "Where is my order A-17?"},
        ]
        with tracer.start_as_current_span("retrieval help-center", attributes=convention["retrieval"]):
            pass  # the documents would be fetched here
        sdk.chat.completions.create(model=model, messages=messages, tools=CHAT_TOOLS)
        for name, result in (("lookup_order", "shipped"), ("track_parcel", "arrives Tuesday")):
            with tracer.start_as_current_span(
                f"execute_tool {name}", attributes=convention["tool"](name, result)
            ):
                pass
            answer = sdk.chat.completions.create(
                model=model, messages=[*messages, {"role": "user", "content": result}]
            )
        return answer.choices[0].message.content or ""


@pytest.fixture
def registry(db_url):
    """The prompt, published, and a running two-variant experiment on the same model."""
    engine = storage_db.get_engine(db_url)
    pid = catalog.project_id(engine, P, create=True)
    versions.create_version(engine, pid, "support", "You are a terse support agent.")
    labels.publish(engine, pid, "support", 1)
    config = {"provider": "openai", "model": "gpt-4o-mini"}
    variants = [VariantSpec("a", 50, True, config), VariantSpec("b", 50, False, config)]
    service.create_experiment(engine, P, ExperimentSpec(name="agent-ab", variants=variants))
    service.start(engine, P, "agent-ab")
    prompt_client.clear_cache()
    experiment_client.clear_cache()
    yield engine, pid
    prompt_client.clear_cache()
    experiment_client.clear_cache()


def _run(url: str, mock_llm, monkeypatch, foreign: str | None, ours: bool) -> None:
    """Run the app once with the instrumentations asked for (ours first, as ``opentelemetry-instrument``
    loads it: the other one's span then wraps ours), storing through our exporter."""
    latest_genai_semconv(monkeypatch)
    provider = TracerProvider()
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(SQLSpanExporter(database_url=url, project=P)))
    traced = Traced()
    traced.provider = provider
    methods = _sdk_methods()
    instrumentor, convention = _foreign(foreign) if foreign else (None, SEMCONV)
    try:
        if ours:
            instrument_ours(traced)
        if instrumentor is not None:
            instrumentor.instrument(tracer_provider=provider)
        sdk = openai.OpenAI(api_key="sk-x", base_url=mock_llm.url + "/v1", max_retries=0)
        assert agent_app(provider.get_tracer("app"), sdk, convention, url)
    finally:
        if instrumentor is not None:
            instrumentor.uninstrument()
        for mine in available_instrumentors():
            if mine.is_instrumented_by_opentelemetry:
                mine.uninstrument()
        content.set_capture(None)
        provider.shutdown()
        _restore(methods)


CASES = [
    pytest.param(None, True, id="ours"),
    *[
        pytest.param(name, False, id=f"{name}-alone")
        for name in ("genai-openai", "openinference-openai", "openllmetry-openai")
    ],
    *[
        pytest.param(name, True, id=f"{name}-with-ours")
        for name in ("genai-openai", "openinference-openai", "openllmetry-openai")
    ],
]


@pytest.mark.parametrize(("foreign", "ours"), CASES)
def test_agent_app_is_one_trace_whose_statistics_count_its_three_llm_calls(
    db_url, registry, mock_llm, monkeypatch, foreign, ours
):
    engine, pid = registry
    _run(db_url, mock_llm, monkeypatch, foreign, ours)
    assert len(mock_llm.requests) == 3  # three model calls, whatever traced them
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(spans).order_by(spans.c.start_time)))
    categories = sorted(r.category for r in rows)
    assert categories == ["agent", "llm", "llm", "llm", "retrieval", "tool", "tool"], [
        (r.name, r.scope_name, r.category) for r in rows
    ]
    assert len({r.trace_id for r in rows}) == 1
    (agent,) = [r for r in rows if r.category == "agent"]
    assert all(r.parent_span_id == agent.span_id for r in rows if r is not agent)  # no orphan
    calls = [r for r in rows if r.is_llm]
    assert all((r.scope_name == "otel_llm") is ours for r in calls)
    tokens = sum(r.input_tokens + r.output_tokens for r in calls)
    cost = sum(r.cost_usd for r in calls)
    assert tokens > 0 and cost > 0

    (listed,) = list_traces(engine, pid).items
    tree = trace_tree(engine, pid, agent.trace_id)
    assert listed["span_count"] == tree["summary"]["span_count"] == 7
    assert [n["span"]["span_id"] for n in tree["roots"]] == [agent.span_id]
    for totals in (listed, tree["summary"], tree["roots"][0]["totals"]):
        assert totals["llm_calls"] == 3
        assert totals["input_tokens"] + totals["output_tokens"] == tokens
        assert totals["cost_usd"] == pytest.approx(cost)

    res = results.experiment_results(engine, P, "agent-ab")
    assert sorted(v.calls for v in res.variants) == [0, 3]  # the agent, tools, retrieval not counted
    (served,) = [v for v in res.variants if v.calls]
    assert served.input_tokens == sum(r.input_tokens for r in calls)
    assert served.cost_total_usd == pytest.approx(cost)
    (version,) = metrics.version_metrics(engine, pid, "support")
    assert version.calls == 3 and version.total_cost_usd == pytest.approx(cost)
