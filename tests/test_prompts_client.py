"""The app side: ``otel_llm.get_prompt`` against a real database, with tags on real SDK spans."""

from __future__ import annotations

import asyncio

import openai
import pytest

import otel_llm
from otel_llm import attributes as attrs
from otel_llm.prompts import catalog, client, labels, versions
from otel_llm.prompts.errors import MissingVariable, PromptUnavailable
from otel_llm.storage.db import get_engine
from tests.instrumentation_support import traced  # noqa: F401  (fixture)


@pytest.fixture
def registry(db_url, monkeypatch):
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", db_url)
    client.clear_cache()
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    versions.create_version(engine, pid, "support", "You help {{customer}}.", config={"model": "gpt-4o-mini"})
    versions.create_version(engine, pid, "support", "You help {{customer}} kindly.")
    labels.publish(engine, pid, "support", 1)
    labels.set_label(engine, pid, "support", 2, "staging")
    yield engine, pid
    client.clear_cache()


def test_get_prompt_by_label_and_version(registry):
    prompt = otel_llm.get_prompt("support")
    assert (prompt.name, prompt.version, prompt.config) == ("support", 1, {"model": "gpt-4o-mini"})
    assert prompt.render(customer="Ada") == "You help Ada."
    assert prompt.hash == versions.get_version(*registry, "support", 1).version_hash
    assert otel_llm.get_prompt("support", label="staging").version == 2
    assert otel_llm.get_prompt("support", version=2).render(customer="Bo") == "You help Bo kindly."


def test_missing_variable_names_it(registry):
    with pytest.raises(MissingVariable, match="needs a value for customer"):
        otel_llm.get_prompt("support").render(name="Ada")


def test_llm_spans_in_the_block_carry_the_prompt_tags(registry, traced, mock_llm):  # noqa: F811
    sdk = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
    prompt = otel_llm.get_prompt("support")
    with prompt:
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": prompt.render(customer="Ada")},
                {"role": "user", "content": "Hi"},
            ],
        )
    sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "outside"}])
    inside, outside = traced.llm_spans()
    assert inside.attributes[attrs.GEN_AI_PROMPT_NAME] == "support"
    assert inside.attributes[attrs.GEN_AI_PROMPT_VERSION] == "1"
    assert inside.attributes[attrs.PROMPT_HASH] == prompt.hash
    assert attrs.PROMPT_FALLBACK not in inside.attributes
    assert attrs.GEN_AI_PROMPT_NAME not in outside.attributes


def test_backend_down_gives_fallback_and_spans_say_so(monkeypatch, tmp_path, traced, mock_llm):  # noqa: F811
    monkeypatch.setenv("OTEL_LLM_DATABASE_URL", f"sqlite:///{tmp_path}/no-such-dir/x.db")
    client.clear_cache()
    prompt = otel_llm.get_prompt("support", fallback="You help {{customer}} (offline).")
    assert prompt.is_fallback and prompt.version is None
    sdk = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
    with prompt:
        sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": prompt.render(customer="Ada")}]
        )
    span = traced.one()
    assert span.attributes[attrs.PROMPT_FALLBACK] is True
    assert span.attributes[attrs.GEN_AI_PROMPT_NAME] == "support"
    assert attrs.GEN_AI_PROMPT_VERSION not in span.attributes
    with pytest.raises(PromptUnavailable, match="pass fallback="):
        otel_llm.get_prompt("support")


def test_unknown_prompt_without_fallback_is_a_clear_error(registry):
    with pytest.raises(PromptUnavailable, match="nope@production is unavailable"):
        otel_llm.get_prompt("nope")
    assert otel_llm.get_prompt("nope", fallback="hello").template == "hello"


def test_cache_serves_within_ttl_then_revalidates_in_background(registry):
    engine, pid = registry
    assert otel_llm.get_prompt("support", cache_ttl=60).version == 1
    labels.publish(engine, pid, "support", 2)
    assert otel_llm.get_prompt("support", cache_ttl=60).version == 1  # fresh cache entry
    assert otel_llm.get_prompt("support", cache_ttl=0).version == 1  # stale: served, refresh started
    assert client._cache.wait_idle()
    assert otel_llm.get_prompt("support", cache_ttl=60).version == 2


def test_cached_prompt_survives_an_outage(registry, monkeypatch):
    assert otel_llm.get_prompt("support", cache_ttl=0).version == 1

    def down(*_args):
        raise ConnectionError("database down")

    monkeypatch.setattr(client._DatabaseSource, "fetch", down)
    for _ in range(3):
        assert otel_llm.get_prompt("support", cache_ttl=0, fallback="x").version == 1
        assert client._cache.wait_idle()


def test_failures_pause_fetching(monkeypatch, tmp_path):
    client.clear_cache()
    calls = []

    def down(*_args):
        calls.append(1)
        raise ConnectionError("database down")

    monkeypatch.setattr(client._DatabaseSource, "fetch", down)
    for _ in range(5):
        assert otel_llm.get_prompt("p", fallback="f").is_fallback
    assert len(calls) == 1  # later calls did not wait for the backend again


def test_real_calls_are_linked_to_versions_by_tag_and_by_system_prompt_hash(
    registry, db_url, mock_llm, tmp_path, monkeypatch
):
    """App → real openai SDK → local provider → our exporter → database → per-version metrics."""
    from otel_llm import pipeline
    from otel_llm.prompts import metrics

    engine, pid = registry
    monkeypatch.setenv("OTEL_LLM_SPOOL_DIR", str(tmp_path / "spool"))
    sdk = openai.OpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
    otel_llm.configure(database_url=db_url, project="default")
    otel_llm.instrument()
    try:
        prompt = otel_llm.get_prompt("support")  # v1, tagged
        for customer in ("Ada", "Bo", "Cy"):
            with prompt:
                sdk.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[
                        {"role": "system", "content": prompt.render(customer=customer)},
                        {"role": "user", "content": "Hi"},
                    ],
                )
        # an app that never used the registry but sends v2's template text as its system prompt
        v2 = otel_llm.get_prompt("support", version=2)
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "system", "content": v2.template}, {"role": "user", "content": "Hi"}],
        )
        pipeline.flush()
    finally:
        otel_llm.uninstrument()
        pipeline.shutdown()
    by_version = {m.version: m for m in metrics.version_metrics(engine, pid, "support", since=None)}
    assert (by_version[1].calls, by_version[1].success_rate) == (3, 1.0)
    assert by_version[2].calls == 1
    assert by_version[1].avg_input_tokens and by_version[1].avg_cost_usd is not None


def test_async_with_block_tags_and_restores(registry, traced, mock_llm):  # noqa: F811
    sdk = openai.AsyncOpenAI(base_url=mock_llm.url + "/v1", api_key="test", max_retries=0)
    prompt = otel_llm.get_prompt("support", label="staging")

    async def run():
        async with prompt:
            await sdk.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "in"}]
            )
        await sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "out"}])

    asyncio.run(run())
    inside, outside = traced.llm_spans()
    assert inside.attributes[attrs.GEN_AI_PROMPT_VERSION] == "2"
    assert attrs.GEN_AI_PROMPT_VERSION not in outside.attributes
