"""One call, one stored span: each other instrumentation (real package) installed together with
ours, in both orders (``opentelemetry-instrument`` instruments ours first: the other one's span then
wraps ours), and the official Anthropic instrumentation alone with the SDK's native spans. The call
is stored once, its cost once, and the stored span's parent is the app's span (no orphan)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import anthropic
import openai
import pytest
import sqlalchemy as sa
from google import genai
from google.genai import types
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.exporter import SQLSpanExporter
from otel_llm.processor import LLMSpanProcessor
from otel_llm.storage import db as storage_db
from otel_llm.storage.db import get_engine
from otel_llm.storage.normalize import SpanRecord
from otel_llm.storage.schema import spans
from otel_llm.storage.writer import write_records
from tests.foreign_support import latest_genai_semconv
from tests.instrumentation_support import Traced, instrument_ours
from tests.span_factory import T0


def _openai(mock_llm, provider):
    client = openai.OpenAI(api_key="sk-x", base_url=mock_llm.url + "/v1", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


def _anthropic(mock_llm, provider):
    native = {"tracer_provider": provider}  # the SDK's own spans, to the app's provider
    client = anthropic.Anthropic(api_key="k", base_url=mock_llm.url, max_retries=0, open_telemetry=native)
    client.messages.create(
        model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    )


def _gemini(mock_llm, provider):
    client = genai.Client(api_key="AIza-x", http_options=types.HttpOptions(base_url=mock_llm.url))
    client.models.generate_content(model="gemini-2.5-flash", contents="hi")


def _instrumentor(name: str):
    if name == "genai-openai":
        from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

        return OpenAIInstrumentor(), {}, _openai
    if name == "genai-anthropic":
        from opentelemetry.instrumentation.genai.anthropic import AnthropicInstrumentor

        return AnthropicInstrumentor(), {}, _anthropic
    if name == "openinference-openai":
        from openinference.instrumentation.openai import OpenAIInstrumentor

        return OpenAIInstrumentor(), {}, _openai
    if name == "openllmetry-openai":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        return OpenAIInstrumentor(), {}, _openai
    if name == "google-genai":
        from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

        return GoogleGenAiSdkInstrumentor(), {"skip_dep_check": True}, _gemini
    from openinference.instrumentation.google_genai import GoogleGenAIInstrumentor

    return GoogleGenAIInstrumentor(), {}, _gemini


FOREIGN = [
    "genai-openai",
    "genai-anthropic",
    "openinference-openai",
    "openllmetry-openai",
    "google-genai",
    "openinference-google-genai",
]


def _stored(url: str) -> list:
    with storage_db.get_engine(url).connect() as conn:
        return list(conn.execute(sa.select(spans).order_by(spans.c.start_time)))


def _sdk_methods() -> dict:
    """Every method of the SDKs' resource classes, to put back after a foreign instrumentor whose
    ``uninstrument`` leaves a different function in place (OpenLLMetry's, on ``Completions.create``),
    so later tests start with the SDKs as found."""
    import sys

    import anthropic
    import openai

    # The SDKs import their resource modules lazily; load them first, so every method is known
    # before an instrumentor wraps it.
    client = openai.OpenAI(api_key="sk-x", max_retries=0)
    _ = (client.chat.completions, client.completions, client.embeddings, client.responses)
    claude = anthropic.Anthropic(api_key="k", max_retries=0)
    _ = (claude.messages, claude.beta.messages)
    found = {}
    for module_name, module in list(sys.modules.items()):
        if (
            not module_name.startswith(("openai.resources", "anthropic.resources", "google.genai"))
            or module is None
        ):
            continue
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module_name:
                for attr, value in vars(cls).items():
                    if callable(value) and not attr.startswith("__"):
                        found[(cls, attr)] = value
    return found


def _restore(methods: dict) -> None:
    for (cls, attr), value in methods.items():
        if vars(cls).get(attr) is not value:
            setattr(cls, attr, value)


def _run(url, mock_llm, monkeypatch, name: str, ours: str | None, batch: bool = False) -> list:
    """Call the SDK once inside an app span with ``name`` installed and ours (``first``, ``second``
    or ``None``); the stored rows."""
    latest_genai_semconv(monkeypatch)
    traced = Traced()
    provider = TracerProvider()
    exporter = SQLSpanExporter(database_url=url, project="dedup")
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    traced.provider = provider
    instrumentor, options, call = _instrumentor(name)
    methods = _sdk_methods()
    if ours == "first":
        instrument_ours(traced)
    instrumentor.instrument(tracer_provider=provider, **options)
    if ours == "second":
        instrument_ours(traced)
    try:
        with provider.get_tracer("app").start_as_current_span("handle request"):
            call(mock_llm, provider)
    finally:
        instrumentor.uninstrument()
        otel_llm.uninstrument()
        provider.shutdown()
        _restore(methods)
    return _stored(url)


def _assert_one_call(rows, ours: bool) -> None:
    (app,) = [r for r in rows if r.name == "handle request"]
    (call,) = [r for r in rows if r.is_llm]  # one LLM span for the one call
    assert call.parent_span_id == app.span_id  # re-parented past a dropped wrapper: no orphan
    assert call.cost_usd is not None and sum(r.cost_usd or 0 for r in rows) == call.cost_usd
    assert (call.scope_name == "otel_llm") is ours
    ids = {r.span_id for r in rows}
    assert all(r.parent_span_id in ids for r in rows if r.parent_span_id)  # every parent is stored


@pytest.mark.parametrize("ours", ["first", "second"])
@pytest.mark.parametrize("name", FOREIGN)
def test_each_foreign_instrumentation_with_ours_stores_one_span_per_call(
    sqlite_url, mock_llm, monkeypatch, name, ours
):
    _assert_one_call(_run(sqlite_url, mock_llm, monkeypatch, name, ours), ours=True)


def test_exported_in_one_batch_on_postgres(pg_url, mock_llm, monkeypatch):
    _assert_one_call(_run(pg_url, mock_llm, monkeypatch, "genai-anthropic", "first", batch=True), ours=True)


@pytest.mark.parametrize("batch", [False, True])
def test_official_anthropic_alone_does_not_store_the_sdk_span_as_a_second_call(
    sqlite_url, mock_llm, monkeypatch, batch
):
    rows = _run(sqlite_url, mock_llm, monkeypatch, "genai-anthropic", None, batch=batch)
    _assert_one_call(rows, ours=False)
    assert [r.scope_name for r in rows if r.is_llm] == ["opentelemetry.instrumentation.genai.anthropic"]


def _record(span_id: str, parent: str | None, scope: str, **attributes) -> SpanRecord:
    return SpanRecord(
        "c" * 32, span_id, scope, T0, T0 + 10**6, parent, scope_name=scope, attributes=attributes
    )


CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-haiku-4-5",
}
USAGE = {"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10}


def test_unmarked_spans_of_one_call_in_one_otlp_batch_are_stored_once(db_url):
    # An app without our processor exporting over OTLP: the SDK's span inside the official one's.
    batch = [
        _record("0" * 15 + "1", None, "app"),
        _record(
            "0" * 15 + "2", "0" * 15 + "1", "opentelemetry.instrumentation.genai.anthropic", **CHAT, **USAGE
        ),
        _record("0" * 15 + "3", "0" * 15 + "2", "com.anthropic.sdk.python", **CHAT, **USAGE),
        _record(
            "0" * 15 + "4", "0" * 15 + "3", "opentelemetry.instrumentation.httpx", **{"http.method": "POST"}
        ),
        _record("0" * 15 + "5", "0" * 15 + "2", "odd", **{"gen_ai.operation.name": ["chat"]}),  # untrusted
    ]
    write_records(get_engine(db_url), "otlp", batch)
    rows = {r.span_id[-1]: r for r in _stored(db_url)}
    assert sorted(rows) == ["1", "2", "4", "5"] and rows["4"].parent_span_id == "0" * 15 + "2"
    assert [r.span_id[-1] for r in rows.values() if r.is_llm] == ["2"]


def test_children_exported_before_and_after_their_dropped_parent_are_re_parented(db_url):
    engine = get_engine(db_url)
    ids = {n: f"{n:016x}" for n in range(1, 5)}
    dropped = _record(ids[2], ids[1], "other.instrumentation", **CHAT, **{attrs.DUPLICATE: True})
    write_records(engine, "otlp", [_record(ids[3], ids[2], "otel_llm", **CHAT, **USAGE)])  # ours, first
    write_records(engine, "otlp", [dropped, _record(ids[1], None, "app")])
    write_records(engine, "otlp", [_record(ids[4], ids[2], "late.child")])  # after its parent was dropped
    parents = {r.span_id: r.parent_span_id for r in _stored(db_url)}
    assert parents == {ids[1]: None, ids[3]: ids[1], ids[4]: ids[1]}


APP = textwrap.dedent(
    """
    import anthropic, openai
    from opentelemetry import trace

    messages = [{"role": "user", "content": "Refund time?"}]
    with trace.get_tracer("app").start_as_current_span("handle request"):
        openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o-mini", messages=messages)
        anthropic.Anthropic(max_retries=0).messages.create(model="claude-haiku-4-5", max_tokens=30, messages=messages)
    print("app done")
    """
)


def test_under_opentelemetry_instrument_each_call_is_one_span_under_the_app_span(
    sqlite_url, mock_llm, tmp_path
):
    """Every instrumentation installed here is loaded (ours first): the others' spans wrap ours."""
    app = tmp_path / "app.py"
    app.write_text(APP)
    env = {
        **os.environ,
        "OTEL_LLM_DATABASE_URL": sqlite_url,
        "OTEL_LLM_PROJECT": "zero",
        "OTEL_LLM_SPOOL_DIR": str(tmp_path / "spool"),
        "OPENAI_API_KEY": "sk-zero",
        "OPENAI_BASE_URL": mock_llm.url + "/v1",
        "ANTHROPIC_API_KEY": "sk-ant-zero",
        "ANTHROPIC_BASE_URL": mock_llm.url,
    }
    instrument = Path(sys.executable).parent / "opentelemetry-instrument"
    done = subprocess.run(
        [str(instrument), sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "app done" in done.stdout, done.stderr
    storage_db.dispose_all()
    rows = _stored(sqlite_url)
    (app_span,) = [r for r in rows if r.name == "handle request"]
    calls = [r for r in rows if r.is_llm]
    assert [(r.provider, r.scope_name) for r in calls] == [("openai", "otel_llm"), ("anthropic", "otel_llm")]
    assert all(r.parent_span_id == app_span.span_id for r in calls)  # no orphan under a dropped wrapper
    ids = {r.span_id for r in rows}
    assert all(r.parent_span_id in ids for r in rows if r.parent_span_id)
    assert sum(r.cost_usd or 0 for r in rows) == pytest.approx(sum(r.cost_usd for r in calls))


@pytest.mark.parametrize("batch", [True, False])
def test_collector_stores_one_span_per_call_from_an_app_without_our_processor(
    pg_url, mock_llm, monkeypatch, tmp_path, batch
):
    """The official Anthropic instrumentation and the SDK's native spans, sent over OTLP/HTTP by the
    real exporter, in one batch or span by span (the native span, ending first, is stored first and
    deleted when the instrumentation's arrives): the instrumentation's span is the one kept."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.genai.anthropic import AnthropicInstrumentor

    from otel_llm.accounts import create_key, create_project
    from tests.test_collector_support import running_collector

    latest_genai_semconv(monkeypatch)
    create_project(get_engine(pg_url), "otlp")
    _, token = create_key(get_engine(pg_url), "otlp", "editor")
    with running_collector(pg_url, tmp_path, "--no-spool") as collector:
        exporter = OTLPSpanExporter(endpoint=collector.endpoint, headers={"Authorization": f"Bearer {token}"})
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        AnthropicInstrumentor().instrument(tracer_provider=provider)
        try:
            with provider.get_tracer("app").start_as_current_span("handle request"):
                _anthropic(mock_llm, provider)
        finally:
            AnthropicInstrumentor().uninstrument()
            provider.shutdown()
    rows = _stored(pg_url)
    _assert_one_call(rows, ours=False)
    assert [r.scope_name for r in rows if r.is_llm] == ["opentelemetry.instrumentation.genai.anthropic"]
