"""OpenAI-compatible endpoints: an app reaching a provider through the ``openai`` SDK with a
``base_url`` stores that provider (not ``openai``), priced at its own rates, and a replay goes back to
it by its configured name, with its own key."""

from __future__ import annotations

import json

import openai
import pytest

from otel_llm import pricing
from otel_llm.providers.openai import endpoints
from otel_llm.replay import Overrides
from otel_llm.replay.run import replay_span
from otel_llm.traces import get_span
from tests import replay_support


@pytest.fixture
def vllm(sqlite_url, mock_llm, tmp_path, monkeypatch):
    """The local provider configured as a self-hosted ``vllm`` endpoint, with its own price."""
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"vllm/qwen-7b": {"input": 1.0, "output": 2.0}}}))
    monkeypatch.setenv(endpoints.OTEL_LLM_PROVIDER_ENDPOINTS, f"vllm={mock_llm.url}/v1")
    monkeypatch.setenv("VLLM_API_KEY", "vllm-own-key")
    monkeypatch.setenv("OTEL_LLM_PRICING_FILE", str(prices))
    monkeypatch.delenv("OTEL_LLM_MOCK_URL", raising=False)
    pricing.default_table.cache_clear()
    app = replay_support.start_app(sqlite_url, mock_llm)
    yield app
    replay_support.stop_app()
    pricing.default_table.cache_clear()


def test_calls_through_a_configured_endpoint_are_stored_and_priced_as_that_provider(vllm):
    client = openai.OpenAI(api_key="app-key", base_url=vllm.mock.url + "/v1", max_retries=0)
    client.chat.completions.create(model="qwen-7b", messages=[{"role": "user", "content": "hi"}])
    row = vllm.stored()[-1]

    assert row["provider"] == "vllm"
    expected = (row["input_tokens"] * 1.0 + row["output_tokens"] * 2.0) / 1_000_000
    assert row["cost_usd"] == pytest.approx(expected)


def test_replay_goes_back_to_the_configured_endpoint_by_name_with_its_own_key(vllm):
    client = openai.OpenAI(api_key="app-key", base_url=vllm.mock.url + "/v1", max_retries=0)
    client.chat.completions.create(model="qwen-7b", messages=[{"role": "user", "content": "hi"}])
    span_id = vllm.last_span_id()
    vllm.mock.clear()

    result = replay_span(vllm.engine, vllm.project_id, span_id, actor="t")  # no base_url: the name decides

    assert result.status == "ok", result.error
    assert result.request.provider == "vllm"
    received = vllm.mock.requests[-1]
    assert received.headers["authorization"] == "Bearer vllm-own-key"  # never the app's key
    assert get_span(vllm.engine, vllm.project_id, result.replay["span_id"])["provider"] == "vllm"


def test_a_span_naming_an_unconfigured_endpoint_is_not_sent_anywhere_it_says(vllm, monkeypatch):
    client = openai.OpenAI(api_key="app-key", base_url=vllm.mock.url + "/v1", max_retries=0)
    client.chat.completions.create(model="qwen-7b", messages=[{"role": "user", "content": "hi"}])
    span_id = vllm.last_span_id()
    monkeypatch.setenv(endpoints.OTEL_LLM_PROVIDER_ENDPOINTS, "")
    monkeypatch.setenv("OPENAI_BASE_URL", vllm.mock.url + "/openai-default/v1")  # the operator's OpenAI
    monkeypatch.setenv("OPENAI_API_KEY", "operator-openai-key")
    vllm.mock.clear()

    result = replay_span(vllm.engine, vllm.project_id, span_id, actor="t")

    # The stored span names "vllm", which is no longer configured: the replay is not sent to the
    # URL the app used; it goes to the adapter's own provider, and says so.
    assert result.request.provider == "openai"
    assert any("'vllm'" in note and "sent to openai" in note for note in result.notes)
    [received] = vllm.mock.requests
    assert received.path == "/openai-default/v1/chat/completions"
    assert received.headers["authorization"] == "Bearer operator-openai-key"


def test_switching_an_anthropic_call_to_an_endpoint_translates_it_and_uses_that_endpoint(vllm):
    span_id = vllm.message()
    vllm.mock.clear()

    result = replay_span(
        vllm.engine, vllm.project_id, span_id, Overrides(provider="vllm", model="qwen-7b"), actor="t"
    )

    assert result.status == "ok", result.error
    received = vllm.mock.requests[-1]
    assert received.path == "/v1/chat/completions" and received.json["model"] == "qwen-7b"
    assert received.json["messages"][0] == {"role": "system", "content": replay_support.SYSTEM}
    assert received.headers["authorization"] == "Bearer vllm-own-key"


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://api.groq.com/openai/v1", "groq"),
        ("https://my-resource.openai.azure.com/openai/deployments/x", "azure.ai.openai"),
        ("https://api.mistral.ai/v1/", "mistral_ai"),
        ("http://localhost:11434/v1", "ollama"),
        ("https://api.openai.com/v1", "openai"),
        ("https://proxy.internal/v1", "openai"),
    ],
)
def test_known_base_urls_name_their_provider(url, provider):
    assert endpoints.provider_for_url(url) == provider
