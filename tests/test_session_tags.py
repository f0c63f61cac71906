"""``with otel_llm.session(...)``: every span inside carries the conversation and user ids, and they
land in the ``session_id`` / ``user_id`` columns, as do other instrumentations' own attributes."""

from __future__ import annotations

import asyncio

import openai
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llm
from otel_llm import attributes as attrs
from otel_llm import pipeline as otel_pipeline
from otel_llm.processor import LLMSpanProcessor
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from tests.span_factory import emit, llm_attributes, span_pipeline

CONV, USER = attrs.GEN_AI_CONVERSATION_ID, attrs.USER_ID


@pytest.fixture
def memory():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(LLMSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("app"), exporter
    provider.shutdown()


def _tags(exporter) -> dict[str, tuple]:
    return {s.name: (s.attributes.get(CONV), s.attributes.get(USER)) for s in exporter.get_finished_spans()}


def test_every_span_in_the_block_is_tagged_and_inner_blocks_override(memory):
    tracer, exporter = memory
    with otel_llm.session("conv-42", user_id="u-7"):
        with tracer.start_as_current_span("handle request"):  # not an LLM span: tagged too
            emit(tracer, name="chat", **llm_attributes())
        with otel_llm.session("conv-43"):  # keeps the outer user
            emit(tracer, name="inner")
        with otel_llm.session(user_id="u-8"):  # keeps the outer conversation
            emit(tracer, name="other user")
        emit(tracer, name="own id", **{CONV: "explicit"})  # what a span sets itself wins
    emit(tracer, name="after")
    assert _tags(exporter) == {
        "handle request": ("conv-42", "u-7"),
        "chat": ("conv-42", "u-7"),
        "inner": ("conv-43", "u-7"),
        "other user": ("conv-42", "u-8"),
        "own id": ("explicit", "u-7"),
        "after": (None, None),
    }


def test_async_blocks_in_concurrent_tasks_do_not_mix(memory):
    tracer, exporter = memory

    async def turn(conversation: str, user: int) -> None:
        async with otel_llm.session(conversation, user_id=user):
            await asyncio.sleep(0)  # the other task runs here
            emit(tracer, name=conversation)

    async def main() -> None:
        await asyncio.gather(turn("conv-a", 1), turn("conv-b", 2))

    asyncio.run(main())
    assert _tags(exporter) == {"conv-a": ("conv-a", "1"), "conv-b": ("conv-b", "2")}


def test_our_instrumentation_fills_the_columns(db_url, mock_llm):
    otel_llm.configure(database_url=db_url, project="default")
    otel_llm.instrument()
    try:
        client = openai.OpenAI(api_key="sk-test", base_url=mock_llm.url + "/v1", max_retries=0)
        with otel_llm.session("conv-42", user_id="u-7"):
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        assert otel_pipeline.flush()
    finally:
        otel_llm.uninstrument()
        otel_llm.shutdown()
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(sa.select(spans.c.session_id, spans.c.user_id).order_by(spans.c.start_time)).all()
    assert [tuple(r) for r in rows] == [("conv-42", "u-7"), (None, None)]


def test_foreign_attributes_fill_the_columns(db_url, tmp_path):
    """OpenInference / OpenLLMetry spans name the conversation ``session.id`` and the user
    ``user.id``; other apps use ``enduser.id``. The GenAI conversation id wins over ``session.id``."""
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(tracer, name="openinference", **llm_attributes(**{"session.id": "s-1", "user.id": "u-1"}))
        emit(tracer, name="enduser", **{"session.id": "s-2", "enduser.id": "u-2"})
        emit(tracer, name="both", **{CONV: "c-3", "session.id": "s-3"})
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(sa.select(spans.c.name, spans.c.session_id, spans.c.user_id)).all()
    assert {r.name: (r.session_id, r.user_id) for r in rows} == {
        "openinference": ("s-1", "u-1"),
        "enduser": ("s-2", "u-2"),
        "both": ("c-3", None),
    }
