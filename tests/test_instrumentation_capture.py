"""Content capture switches, size cap, redaction hook, GenAI metrics and coexistence with the
official instrumentor — through real SDK calls to the local provider."""

from __future__ import annotations

import json

import openai
import pytest

import otel_llm
from otel_llm import attributes as attrs
from otel_llm import settings
from otel_llm.hashing import text_hash
from otel_llm.instrumentation import set_redactor
from otel_llm.instrumentation.common import content
from tests import instrumentation_support
from tests.instrumentation_support import MESSAGES, SYSTEM, Traced, content_of, instrument_ours, record_of

traced = instrumentation_support.traced  # fixture

CONTENT = (
    attrs.GEN_AI_SYSTEM_INSTRUCTIONS,
    attrs.GEN_AI_INPUT_MESSAGES,
    attrs.GEN_AI_OUTPUT_MESSAGES,
    attrs.GEN_AI_TOOL_DEFINITIONS,
)


@pytest.fixture
def client(mock_llm):
    return openai.OpenAI(api_key="sk-test", base_url=mock_llm.url + "/v1", max_retries=0)


@pytest.mark.parametrize(
    "env",
    [
        {settings.OTEL_LLM_CAPTURE_CONTENT: "false"},
        {settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "NO_CONTENT"},
        {settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "false"},
    ],
)
def test_capture_off_by_environment(traced, client, monkeypatch, env):
    content.set_capture(None)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0.1)
    span = traced.one()
    assert not any(name in span.attributes for name in CONTENT)
    record = record_of(span)
    assert record["content"] is False and "messages" not in record["params"]
    assert record["params"] == {"model": "gpt-4o-mini", "temperature": 0.1}
    assert span.attributes[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)
    assert span.attributes[attrs.GEN_AI_USAGE_OUTPUT_TOKENS] > 0


def test_otel_switch_span_only_keeps_capture_on(traced, client, monkeypatch):
    content.set_capture(None)
    monkeypatch.setenv(settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, "SPAN_ONLY")
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert content_of(traced.one(), attrs.GEN_AI_INPUT_MESSAGES)[0]["parts"][0]["content"] == SYSTEM


def test_size_cap_truncates_to_valid_json_and_marks_the_span(traced, client, monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_MAX_CONTENT_BYTES, "2000")
    otel_llm.instrument()  # the size cap is read when the instrumentation is installed
    long_question = "Why " * 3000
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[MESSAGES[0], {"role": "user", "content": long_question}]
    )
    span = traced.one()
    assert span.attributes[attrs.CONTENT_TRUNCATED] is True
    total = sum(len(span.attributes.get(n, "").encode()) for n in CONTENT)
    assert total <= 2000
    messages = content_of(span, attrs.GEN_AI_INPUT_MESSAGES)  # still JSON
    assert messages[0]["parts"][0]["content"] == SYSTEM  # short texts are kept whole
    assert messages[1]["parts"][0]["content"].startswith("Why Why")
    assert span.attributes[attrs.SYSTEM_PROMPT_HASH] == text_hash(SYSTEM)


def test_redactor_scrubs_captured_text_and_the_request_record(traced, client, mock_llm):
    set_redactor(lambda text: text.replace("alice@example.com", "[email]"))
    question = {"role": "user", "content": "Mail alice@example.com about the refund"}
    client.chat.completions.create(model="gpt-4o-mini", messages=[MESSAGES[0], question])
    span = traced.one()
    stored = json.dumps(dict(span.attributes))
    assert "alice@example.com" not in stored and "[email]" in stored
    assert "alice@example.com" in mock_llm.requests[-1].body.decode()  # the app's request is untouched
    assert record_of(span)["params"]["messages"][1]["content"] == "Mail [email] about the refund"


def test_failing_redactor_drops_content_not_the_call(traced, client):
    def broken(text):
        raise RuntimeError("bug in the app's redactor")

    set_redactor(broken)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert reply.choices[0].message.content
    span = traced.one()
    assert attrs.GEN_AI_INPUT_MESSAGES not in span.attributes
    assert attrs.GEN_AI_OUTPUT_MESSAGES not in span.attributes


def test_genai_client_metrics(traced, client):
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-mock-error": "429"}
        )
    data = traced.metrics.get_metrics_data()
    metrics = {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    duration = metrics["gen_ai.client.operation.duration"].data.data_points
    assert sum(p.count for p in duration) == 2
    assert {p.attributes.get(attrs.ERROR_TYPE) for p in duration} == {None, "429"}
    assert all(p.attributes[attrs.GEN_AI_PROVIDER_NAME] == "openai" for p in duration)
    tokens = {
        p.attributes["gen_ai.token.type"]: p for p in metrics["gen_ai.client.token.usage"].data.data_points
    }
    assert tokens["input"].sum == reply.usage.prompt_tokens
    assert tokens["output"].sum == reply.usage.completion_tokens


def test_instrument_takes_the_apps_meter_provider(client):
    t = Traced()
    otel_llm.instrument(tracer_provider=t.provider, meter_provider=t.meter_provider)
    try:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        uninstrument_ours()
    data = t.metrics.get_metrics_data()
    points = [
        p
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "gen_ai.client.token.usage"
        for p in m.data.data_points
    ]
    assert sum(p.sum for p in points) == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert t.one().attributes[attrs.GEN_AI_RESPONSE_ID] == reply.id


def uninstrument_ours() -> None:
    import otel_llm
    from otel_llm.instrumentation import available_instrumentors

    otel_llm.uninstrument()
    for instrumentor in available_instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    content.set_capture(None)


@pytest.mark.parametrize("official_first", [True, False])
def test_official_instrumentor_and_ours_give_one_stored_span(mock_llm, official_first, monkeypatch):
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor as Official

    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    t = Traced()
    if official_first:
        Official().instrument(tracer_provider=t.provider)
        instrument_ours(t)
    else:
        instrument_ours(t)
        Official().instrument(tracer_provider=t.provider)
    try:
        client = openai.OpenAI(api_key="sk", base_url=mock_llm.url + "/v1", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        for _ in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
            pass
    finally:  # last in, first out (the official unwrap removes whatever layer is outermost)
        if official_first:
            uninstrument_ours()
            Official().uninstrument()
        else:
            Official().uninstrument()
            uninstrument_ours()
    llm = [s for s in t.spans() if s.attributes.get(attrs.GEN_AI_OPERATION_NAME)]
    assert len(llm) == 4  # both instrumentations made a span per call ...
    stored = t.llm_spans()  # ... but only ours is kept
    assert [s.instrumentation_scope.name for s in stored] == [attrs.OUR_SCOPE, attrs.OUR_SCOPE]


def test_an_agent_span_around_our_call_is_kept(traced, client):
    tracer = traced.provider.get_tracer("app")
    agent = {attrs.GEN_AI_OPERATION_NAME: "invoke_agent", attrs.GEN_AI_PROVIDER_NAME: "openai"}
    with tracer.start_as_current_span("invoke_agent support", attributes=agent):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    names = sorted(s.name for s in traced.llm_spans())
    assert names == ["chat gpt-4o-mini", "invoke_agent support"]


def test_uninstrument_restores_even_under_another_instrumentation(traced):
    """Another instrumentor wrapped after us: removing ours cuts our layer out, theirs stays intact."""
    from openai.resources.chat.completions.completions import Completions
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor as Official

    from otel_llm.instrumentation import available_instrumentors

    ours = Completions.__dict__["create"]
    original = ours.__wrapped__
    Official().instrument(tracer_provider=traced.provider)
    try:
        theirs = Completions.__dict__["create"]
        for instrumentor in available_instrumentors():
            instrumentor.uninstrument()
        assert Completions.__dict__["create"] is theirs and theirs.__wrapped__ is original
    finally:
        Official().uninstrument()
    assert Completions.__dict__["create"] is original
