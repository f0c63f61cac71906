"""Issue 16's "done means", end to end: an agent app (an agent span around a retrieval, three real
LLM calls, the first with a tool definition and answered with a tool call, the last streamed, and
two tool calls), in a conversation, an experiment and a linked prompt, traced by our
instrumentation, by each other one (the real package) alone and together with ours in both orders,
stored through our exporter on SQLite and Postgres. The stored trace is one trace with the right
kinds; its totals (trace list, tree, CLI), the experiment's results, the prompt's metrics and the
overview count the three LLM calls only.

The OpenAI app (Chat Completions, and Responses) runs with ours, the official GenAI
instrumentation, OpenInference and OpenLLMetry (whose Responses spans start only after the call
returned, beside ours instead of around it);
the Anthropic app records the SDK's own spans (with content) and runs with ours and the official
Anthropic instrumentation, and with the SDK's spans alone, which do not record the tool definitions
sent (the one thing not checked there).

The app writes its own agent, tool and retrieval spans in the convention of the instrumentation it
uses: the GenAI conventions' operation names with ours and the official ones, OpenInference's span
kinds with OpenInference, and with OpenLLMetry Traceloop's span kinds, which have no retrieval kind
(Traceloop's ``@task`` would make it a chain): that app writes its retrieval with the GenAI
operation name.
"""

from __future__ import annotations

import json
import uuid
from functools import partial

import anthropic
import openai
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.conversations.listing import list_conversations
from otel_llm.conversations.turns import list_turns
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
from otel_llm.storage import migrate, writer
from otel_llm.storage.schema import spans
from otel_llm.traces.overview import overview
from otel_llm.traces.query import get_span, list_spans
from otel_llm.traces.trace_list import list_traces, trace_tree
from otel_llm.traces.view import span_view
from tests.conftest import _reset_postgres
from tests.foreign_support import CHAT_TOOLS, RESPONSES_TOOLS, WEATHER, latest_genai_semconv
from tests.instrumentation_support import Traced, instrument_ours
from tests.test_dedup_foreign import _restore, _sdk_methods

AGENT = "support-bot"
ARGUMENTS = {"order_id": "A-17"}

SEMCONV = {
    "agent": {attrs.GEN_AI_OPERATION_NAME: "invoke_agent", "gen_ai.agent.name": AGENT},
    "tool": lambda name, arguments, result: {
        attrs.GEN_AI_OPERATION_NAME: "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.arguments": arguments,
        "gen_ai.tool.call.result": result,
    },
    "retrieval": {attrs.GEN_AI_OPERATION_NAME: "retrieval", "gen_ai.data_source.id": "help-center"},
}
OPENINFERENCE = {
    "agent": {"openinference.span.kind": "AGENT", "agent.name": AGENT},
    "tool": lambda name, arguments, result: {
        "openinference.span.kind": "TOOL",
        "tool.name": name,
        "input.value": arguments,
        "output.value": result,
    },
    "retrieval": {"openinference.span.kind": "RETRIEVER", "input.value": "refund policy"},
}
TRACELOOP = {
    "agent": {"traceloop.span.kind": "agent", "traceloop.entity.name": AGENT},
    "tool": lambda name, arguments, result: {
        "traceloop.span.kind": "tool",
        "traceloop.entity.name": name,
        "traceloop.entity.input": arguments,
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
    if name == "genai-anthropic":
        from opentelemetry.instrumentation.genai.anthropic import AnthropicInstrumentor

        return AnthropicInstrumentor(), SEMCONV
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetry

    return OpenLLMetry(), TRACELOOP


TOOLS = {"get_weather": "21°C, sunny", "lookup_order": "shipped, arrives Tuesday"}
ANTHROPIC_TOOLS = [{"name": "get_weather", "input_schema": WEATHER}]


QUESTION = "Where is my order A-17, and will it rain?"
CLAUDE = "claude-haiku-4-5"  # the Anthropic app's model (the experiment's variants differ in nothing else)


def agent_app(tracer, turn, convention: dict, database_url: str, project: str) -> str:
    """The app under test, one agent turn in a conversation, an experiment and a linked prompt: an
    agent span around a retrieval and the model calls and tools of ``turn``. Returns the answer."""
    with (
        otel_llm.session("conv-42", user_id="user-7"),
        otel_llm.experiment("agent-ab", project=project, database_url=database_url) as variant,
        otel_llm.get_prompt("support", project=project, database_url=database_url) as prompt,
        tracer.start_as_current_span(f"invoke_agent {AGENT}", attributes=convention["agent"]),
    ):
        with tracer.start_as_current_span("retrieval help-center", attributes=convention["retrieval"]):
            pass  # the help-center documents would be fetched here
        return turn(tracer, convention, prompt.render(), variant.config)


def openai_turn(sdk: openai.OpenAI, tracer, convention: dict, system: str, config: dict) -> str:
    """Ask the model (which calls a tool), run the tool, ask again, look the order up, answer."""
    model = config["model"]
    messages: list = [{"role": "system", "content": system}, {"role": "user", "content": QUESTION}]
    first = sdk.chat.completions.create(model=model, messages=messages, tools=CHAT_TOOLS)
    (call,) = first.choices[0].message.tool_calls or []
    _tool(tracer, convention, "get_weather", call.function.arguments)
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": TOOLS["get_weather"]},
    ]
    sdk.chat.completions.create(model=model, messages=messages)
    _tool(tracer, convention, "lookup_order", json.dumps(ARGUMENTS))
    messages.append({"role": "user", "content": TOOLS["lookup_order"]})
    stream = sdk.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True}
    )  # the answer streamed to the user
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def responses_turn(sdk: openai.OpenAI, tracer, convention: dict, system: str, config: dict) -> str:
    """The same turn through the Responses API."""
    ask = partial(sdk.responses.create, model=config["model"], instructions=system)
    items: list = [{"role": "user", "content": QUESTION}]
    first = ask(input=items, tools=RESPONSES_TOOLS)
    (call,) = [item for item in first.output if item.type == "function_call"]
    _tool(tracer, convention, "get_weather", call.arguments)
    items += [
        *[item.model_dump(exclude_none=True) for item in first.output],
        {"type": "function_call_output", "call_id": call.call_id, "output": TOOLS["get_weather"]},
    ]
    second = ask(input=items)
    _tool(tracer, convention, "lookup_order", json.dumps(ARGUMENTS))
    items += [
        {"role": "assistant", "content": second.output_text},
        {"role": "user", "content": TOOLS["lookup_order"]},
    ]
    with ask(input=items, stream=True) as stream:  # the answer streamed to the user
        return "".join(event.delta for event in stream if event.type == "response.output_text.delta")


def anthropic_turn(sdk: anthropic.Anthropic, tracer, convention: dict, system: str, config: dict) -> str:
    """The same turn through the Messages API."""
    ask = partial(sdk.messages.create, model=CLAUDE, max_tokens=200, system=system)
    messages: list = [{"role": "user", "content": QUESTION}]
    first = ask(messages=messages, tools=ANTHROPIC_TOOLS)
    (use,) = [block for block in first.content if block.type == "tool_use"]
    _tool(tracer, convention, "get_weather", json.dumps(use.input))
    result = {"type": "tool_result", "tool_use_id": use.id, "content": TOOLS["get_weather"]}
    messages += [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {"role": "user", "content": [result]},
    ]
    second = ask(messages=messages)
    _tool(tracer, convention, "lookup_order", json.dumps(ARGUMENTS))
    messages += [
        {"role": "assistant", "content": second.content[0].text},
        {"role": "user", "content": TOOLS["lookup_order"]},
    ]
    with sdk.messages.stream(model=CLAUDE, max_tokens=200, system=system, messages=messages) as stream:
        return "".join(stream.text_stream)  # the answer streamed to the user


def _tool(tracer, convention: dict, name: str, arguments: str) -> None:
    with tracer.start_as_current_span(
        f"execute_tool {name}", attributes=convention["tool"](name, arguments, TOOLS[name])
    ):
        pass  # the tool would run here


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request, tmp_path_factory):
    """One migrated database of each kind for the module; each case works in a project of its own
    (migrating once per case would be most of the time on Postgres)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('agent-app') / 'otel_llm.db'}"
    else:
        url = request.getfixturevalue("pg_server_url")
        _reset_postgres(url)
    writer.forget_project_cache()
    migrate.upgrade(url)
    yield url
    storage_db.dispose_all()


@pytest.fixture
def registry(database):
    """A project of the case's own with the prompt, published, and a running two-variant experiment
    on the same model: ``(url, engine, project id, project)``."""
    project = f"agent-{uuid.uuid4().hex[:8]}"
    engine = storage_db.get_engine(database)
    pid = catalog.project_id(engine, project, create=True)
    versions.create_version(engine, pid, "support", "You are a terse support agent.")
    labels.publish(engine, pid, "support", 1)
    config = {"provider": "openai", "model": "gpt-4o-mini"}
    variants = [VariantSpec("a", 50, True, config), VariantSpec("b", 50, False, config)]
    service.create_experiment(engine, project, ExperimentSpec(name="agent-ab", variants=variants))
    service.start(engine, project, "agent-ab")
    prompt_client.clear_cache()
    experiment_client.clear_cache()
    yield database, engine, pid, project
    prompt_client.clear_cache()
    experiment_client.clear_cache()


def _turn(api: str, mock_llm, provider):
    """The agent's turn through the real SDK ``api``; the Anthropic app records the SDK's own spans,
    with content."""
    if api in ("openai", "responses"):
        sdk = openai.OpenAI(api_key="sk-x", base_url=mock_llm.url + "/v1", max_retries=0)
        return partial(openai_turn if api == "openai" else responses_turn, sdk)
    native = {"tracer_provider": provider, "traces": {"content_mode": "content"}}
    sdk = anthropic.Anthropic(api_key="k", base_url=mock_llm.url, max_retries=0, open_telemetry=native)
    return partial(anthropic_turn, sdk)


def _run(registry, mock_llm, monkeypatch, case: tuple) -> str:
    """Run the app once with the other instrumentation ``foreign`` and ours (``first``, as
    ``opentelemetry-instrument`` loads it: the other one's span then wraps ours; ``second``; or
    ``None``), storing through our exporter (span by span, or in batches as ``configure`` does); the
    SDKs are left as found."""
    url, _, _, project = registry
    foreign, ours, batch, api = case
    latest_genai_semconv(monkeypatch)
    provider = TracerProvider()
    provider.add_span_processor(LLMSpanProcessor())
    exporter = SQLSpanExporter(database_url=url, project=project)
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    traced = Traced()
    traced.provider = provider
    methods = _sdk_methods()
    instrumentor, convention = _foreign(foreign) if foreign else (None, SEMCONV)
    try:
        if ours == "first":
            instrument_ours(traced)
        if instrumentor is not None:
            instrumentor.instrument(tracer_provider=provider)
        if ours == "second":
            instrument_ours(traced)
        turn = _turn(api, mock_llm, provider)
        return agent_app(provider.get_tracer("app"), turn, convention, url, project)
    finally:  # the last one installed first, so each restores what it wrapped
        if ours == "second":
            _uninstrument_ours()
        if instrumentor is not None:
            instrumentor.uninstrument()
        _uninstrument_ours()
        content.set_capture(None)
        provider.shutdown()
        _restore(methods)


def _uninstrument_ours() -> None:
    for mine in available_instrumentors():
        if mine.is_instrumented_by_opentelemetry:
            mine.uninstrument()


FOREIGN = ("genai-openai", "openinference-openai", "openllmetry-openai")

CASES = [  # (other instrumentation, ours: first / second / None, batch export, SDK)
    pytest.param((None, "first", False, "openai"), id="ours"),
    pytest.param((None, "first", True, "openai"), id="ours-batch"),
    *[pytest.param((name, None, False, "openai"), id=f"{name}-alone") for name in FOREIGN],
    *[pytest.param((name, "first", False, "openai"), id=f"ours-then-{name}") for name in FOREIGN],
    *[pytest.param((name, "first", True, "openai"), id=f"ours-then-{name}-batch") for name in FOREIGN],
    *[pytest.param((name, "second", False, "openai"), id=f"{name}-then-ours") for name in FOREIGN],
    pytest.param((None, "first", False, "responses"), id="ours-responses"),
    *[pytest.param((name, None, False, "responses"), id=f"{name}-alone-responses") for name in FOREIGN],
    *[
        pytest.param((name, "first", False, "responses"), id=f"ours-then-{name}-responses")
        for name in FOREIGN
    ],
    *[
        pytest.param((name, "second", False, "responses"), id=f"{name}-then-ours-responses")
        for name in FOREIGN
    ],
    # Anthropic, whose SDK also records its own span of each call (issue 16: stored twice, cost doubled)
    pytest.param((None, "first", False, "anthropic"), id="ours-anthropic"),
    pytest.param((None, None, False, "anthropic"), id="anthropic-native-alone"),
    pytest.param(("genai-anthropic", None, False, "anthropic"), id="genai-anthropic-alone"),
    pytest.param(("genai-anthropic", "first", True, "anthropic"), id="ours-then-genai-anthropic-batch"),
    pytest.param(("genai-anthropic", "second", False, "anthropic"), id="genai-anthropic-then-ours"),
]


@pytest.mark.parametrize("case", CASES)
def test_agent_app_is_one_trace_whose_statistics_count_its_three_llm_calls(
    registry, mock_llm, monkeypatch, case
):
    _, engine, pid, project = registry
    ours = case[1]
    answer = _run(registry, mock_llm, monkeypatch, case)
    assert answer
    assert len(mock_llm.requests) == 3  # three model calls, whatever traced them
    with engine.connect() as conn:
        stmt = sa.select(spans).where(spans.c.project_id == pid).order_by(spans.c.start_time)
        rows = list(conn.execute(stmt))
    categories = sorted(r.category for r in rows)
    assert categories == ["agent", "llm", "llm", "llm", "retrieval", "tool", "tool"], [
        (r.name, r.scope_name, r.category) for r in rows
    ]
    assert len({r.trace_id for r in rows}) == 1
    (agent,) = [r for r in rows if r.category == "agent"]
    assert all(r.parent_span_id == agent.span_id for r in rows if r is not agent), [
        (r.name, r.scope_name, r.parent_span_id, agent.span_id) for r in rows
    ]  # no orphan
    calls = [r for r in rows if r.is_llm]
    assert all((r.scope_name == "otel_llm") is (ours is not None) for r in calls)
    tokens = sum(r.input_tokens + r.output_tokens for r in calls)
    cost = sum(r.cost_usd for r in calls)
    assert tokens > 0 and cost > 0

    (conversation,) = list_conversations(engine, pid).items
    (turn,) = list_turns(engine, pid, "conv-42").items
    for session in (conversation, turn):
        assert (session.llm_calls, session.tokens) == (3, tokens)
        assert session.cost_usd == pytest.approx(cost)
    assert (turn.spans, turn.user_input, turn.answer) == (7, QUESTION, answer)
    (listed,) = list_traces(engine, pid).items
    tree = trace_tree(engine, pid, agent.trace_id)
    assert listed["span_count"] == tree["summary"]["span_count"] == 7
    assert (listed["session_id"], listed["user_id"]) == ("conv-42", "user-7")
    assert [n["span"]["span_id"] for n in tree["roots"]] == [agent.span_id]
    for totals in (listed, tree["summary"], tree["roots"][0]["totals"]):
        assert totals["llm_calls"] == 3
        assert totals["input_tokens"] + totals["output_tokens"] == tokens
        assert totals["cost_usd"] == pytest.approx(cost)
    _assert_tools_and_tool_call_shown(engine, pid, rows, definitions=case[:2] != (None, None))
    tokens_in_out = f"{sum(r.input_tokens for r in calls)}/{sum(r.output_tokens for r in calls)}"
    _assert_cli_tree(registry, agent.trace_id, tokens_in_out)
    assert [r["span_id"] for r in list_spans(engine, pid).items] == [r.span_id for r in reversed(calls)]
    totals = overview(engine, pid, "24h")["totals"]
    assert (totals["calls"], totals["input_tokens"]) == (3, sum(r.input_tokens for r in calls))

    res = results.experiment_results(engine, project, "agent-ab")
    assert sorted(v.calls for v in res.variants) == [0, 3]  # the agent, tools, retrieval not counted
    (served,) = [v for v in res.variants if v.calls]
    unit = otel_llm.experiment("agent-ab", unit_id="user-7", project=project, database_url=registry[0])
    assert served.name == unit.assign().name  # assigned by the session's user
    assert served.input_tokens == sum(r.input_tokens for r in calls)
    assert served.cost_total_usd == pytest.approx(cost)
    latencies = sorted(r.duration_ms for r in calls)
    assert served.latency_mean_ms == pytest.approx(sum(latencies) / 3)  # no agent latency mixed in
    (version,) = metrics.version_metrics(engine, pid, "support")
    assert version.calls == 3 and version.total_cost_usd == pytest.approx(cost)
    assert version.p50_ms == pytest.approx(latencies[1], rel=0.02)  # the median call, not the agent
    assert version.avg_input_tokens == pytest.approx(served.input_tokens / 3)


def _assert_tools_and_tool_call_shown(engine, pid: int, rows: list, definitions: bool) -> None:
    """The trace view's side panel: each tool span with its arguments and result, and the model's
    tool call in the first LLM call's output."""
    shown = {}
    for row in rows:
        if row.category == "tool":
            tool = span_view(get_span(engine, pid, row.span_id))["tool"]
            shown[tool["name"]] = (tool["arguments"], tool["result"])
    assert shown["lookup_order"] == (ARGUMENTS, TOOLS["lookup_order"])
    arguments, result = shown["get_weather"]
    assert set(arguments) == {"city"} and result == TOOLS["get_weather"]
    first = span_view(get_span(engine, pid, next(r for r in rows if r.is_llm).span_id))
    parts = [p for m in first["output_messages"] or [] for p in m.get("parts", [])]
    calls = [p.get("name") for p in parts if p["type"] == "tool_call"]
    assert calls == ["get_weather"], first["output_messages"]
    # the tool definitions sent with the first call (the Anthropic SDK's own span does not record them)
    assert bool(first["tools"]) is definitions, (first["name"], first["attributes"])


def _assert_cli_tree(registry, trace_id: str, tokens: str) -> None:
    """``otel-llm traces show TRACE_ID``: the tree with each node's kind, the agent's totals."""
    from click.testing import CliRunner
    from otel_llm_server.cli.main import main

    url, _, _, project = registry
    args = ["--database-url", url, "traces", "show", trace_id, "--project", project]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _, totals, agent, *nodes = result.output.strip().splitlines()
    assert f"7 spans, 3 LLM calls, tokens {tokens}" in totals
    assert "[agent]" in agent and "3 LLM calls below" in agent
    assert sorted(line.split("[")[1].split("]")[0] for line in nodes) == [
        "llm",
        "llm",
        "llm",
        "retrieval",
        "tool",
        "tool",
    ]
