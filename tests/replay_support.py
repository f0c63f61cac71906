"""Fixtures for the replay tests: an "app" whose real SDK calls to the local provider are traced and
stored through otel-llm's own pipeline, so replays start from genuinely recorded spans."""

from __future__ import annotations

import anthropic
import openai
import pytest
from google import genai
from google.genai import types
from sqlalchemy import select

import otel_llm
from otel_llm import pipeline
from otel_llm.accounts.projects import get_project
from otel_llm.instrumentation.common import content
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans

SYSTEM = "You are a terse support assistant."


class App:
    """A traced application writing spans to ``url`` (project ``default``)."""

    def __init__(self, url: str, mock) -> None:
        self.url = url
        self.mock = mock
        self.engine = get_engine(url)
        self.openai = openai.OpenAI(api_key="sk-app-secret", base_url=mock.url + "/v1", max_retries=0)
        self.anthropic = anthropic.Anthropic(api_key="sk-ant-app-secret", base_url=mock.url, max_retries=0)
        self.gemini = genai.Client(
            api_key="AIza-app-secret", http_options=types.HttpOptions(base_url=mock.url)
        )

    @property
    def project_id(self) -> int:
        project = get_project(self.engine, "default")
        assert project is not None, "no span stored yet"
        return project.id

    def stored(self) -> list[dict]:
        """Every stored LLM span (flushes the pipeline first), oldest first."""
        pipeline.flush()
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(spans).where(spans.c.is_llm.is_(True)).order_by(spans.c.start_time)
            )
            return [dict(r._mapping) for r in rows]

    def last_span_id(self) -> str:
        return self.stored()[-1]["span_id"]

    def chat(self, **kwargs) -> str:
        """An OpenAI chat call; returns the stored span's id."""
        kwargs.setdefault("model", "gpt-4o-mini")
        kwargs.setdefault(
            "messages",
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Where is my order?"}],
        )
        result = self.openai.chat.completions.create(**kwargs)
        if kwargs.get("stream"):
            for _ in result:
                pass
        return self.last_span_id()

    def message(self, **kwargs) -> str:
        """An Anthropic messages call; returns the stored span's id."""
        kwargs.setdefault("model", "claude-haiku-4-5")
        kwargs.setdefault("max_tokens", 200)
        kwargs.setdefault("system", SYSTEM)
        kwargs.setdefault("messages", [{"role": "user", "content": "Where is my order?"}])
        result = self.anthropic.messages.create(**kwargs)
        if kwargs.get("stream"):
            for _ in result:
                pass
        return self.last_span_id()

    def respond(self, **kwargs) -> str:
        """An OpenAI Responses API call; returns the stored span's id."""
        kwargs.setdefault("model", "gpt-4o-mini")
        kwargs.setdefault("instructions", SYSTEM)
        kwargs.setdefault("input", "Where is my order?")
        self.openai.responses.create(**kwargs)
        return self.last_span_id()

    def generate(self, stream: bool = False, **kwargs) -> str:
        """A google-genai ``generate_content`` (or ``_stream``, read to the end) call; returns the
        stored span's id."""
        kwargs.setdefault("model", "gemini-2.5-flash")
        kwargs.setdefault("contents", "Where is my order?")
        kwargs.setdefault("config", {"system_instruction": SYSTEM})
        if stream:
            for _ in self.gemini.models.generate_content_stream(**kwargs):
                pass
        else:
            self.gemini.models.generate_content(**kwargs)
        return self.last_span_id()

    def chat_stream(self, **kwargs) -> str:
        """An OpenAI ``chat.completions.stream()`` helper call, read to the end."""
        kwargs.setdefault("model", "gpt-4o-mini")
        kwargs.setdefault("messages", [{"role": "user", "content": "Where is my order?"}])
        with self.openai.chat.completions.stream(**kwargs) as stream:
            stream.until_done()
        return self.last_span_id()

    def message_stream(self, **kwargs) -> str:
        """An Anthropic ``messages.stream()`` helper call, read to the end; returns the stored span's id."""
        kwargs.setdefault("model", "claude-haiku-4-5")
        kwargs.setdefault("max_tokens", 200)
        kwargs.setdefault("messages", [{"role": "user", "content": "Where is my order?"}])
        with self.anthropic.messages.stream(**kwargs) as stream:
            stream.until_done()
        return self.last_span_id()


def start_app(url: str, mock, capture: bool = True) -> App:
    otel_llm.configure(database_url=url, project="default", capture_content=capture)
    otel_llm.instrument(capture_content=capture)
    return App(url, mock)


def stop_app() -> None:
    otel_llm.shutdown()
    otel_llm.uninstrument()
    from otel_llm.instrumentation import available_instrumentors

    for instrumentor in available_instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    content.set_capture(None)


@pytest.fixture
def app(db_url, mock_llm):
    """A traced app on each database kind."""
    yield start_app(db_url, mock_llm)
    stop_app()


@pytest.fixture
def sqlite_app(sqlite_url, mock_llm):
    """A traced app on SQLite only (for tests where the database kind does not matter)."""
    yield start_app(sqlite_url, mock_llm)
    stop_app()
