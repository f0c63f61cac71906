"""The provider registry: adapters come from the ``otel_llm_providers`` entry-point group, so a
third-party package adds a provider that replay, translation and experiments then accept."""

from __future__ import annotations

import json
import textwrap

import pytest

from otel_llm import providers
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.validation import validate_config
from otel_llm.replay import InvalidOverride, Overrides
from otel_llm.replay.run import replay_span
from tests import replay_support

sqlite_app = replay_support.sqlite_app  # fixture

ACME = '''
from otel_llm.providers.base import Range
from otel_llm.providers.openai import OpenAIAdapter, chat, params


class AcmeAdapter(OpenAIAdapter):
    """A provider whose API is OpenAI chat under another name."""

    name = "acme"
    label = "Acme chat"
    apis = ("acme.chat",)
    chat_api = "acme.chat"
    body_params = {"acme.chat": params.CHAT}
    temperature = Range(0.0, 1.5)
    example_model = "acme-1"

    def provider_names(self):
        return (self.name,)

    def to_neutral(self, api, params):
        return chat.to_neutral(params)
'''


@pytest.fixture
def acme(tmp_path, monkeypatch):
    """A third-party package ``acme_llm`` installed with its entry point (a real dist-info)."""
    (tmp_path / "acme_llm.py").write_text(textwrap.dedent(ACME))
    info = tmp_path / "acme_llm-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-llm\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[otel_llm_providers]\nacme = acme_llm:AcmeAdapter\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    providers.adapters.cache_clear()
    yield providers.adapter("acme")
    providers.adapters.cache_clear()


def test_built_in_adapters_register_through_the_entry_point_group():
    from importlib.metadata import entry_points

    registered = {p.name for p in entry_points(group=providers.ENTRY_POINT_GROUP)}
    assert {"openai", "anthropic"} <= registered
    assert {"openai", "anthropic"} <= set(providers.adapters())


def test_an_installed_third_party_adapter_is_a_provider_everywhere(acme):
    assert "acme" in providers.names()
    assert Overrides.from_json({"provider": "acme", "model": "acme-1"}).provider == "acme"
    config = {"provider": "acme", "model": "acme-1", "temperature": "1.2"}
    assert validate_config(config, "a")["temperature"] == 1.2
    with pytest.raises(ExperimentError, match="from 0 to 1.5 for acme"):
        validate_config({**config, "temperature": "1.8"}, "a")
    with pytest.raises(InvalidOverride, match="unknown provider 'nosuch'"):
        Overrides(provider="nosuch")


def test_a_replay_switched_to_the_third_party_provider_goes_through_the_neutral_form(acme, sqlite_app):
    span_id = sqlite_app.message(
        messages=[{"role": "user", "content": "Where is my order?"}], stop_sequences=["END"]
    )
    sqlite_app.mock.clear()

    result = replay_span(
        sqlite_app.engine,
        sqlite_app.project_id,
        span_id,
        Overrides(provider="acme", model="acme-1"),
        actor="t",
        base_url=sqlite_app.mock.url,
    )

    assert result.status == "ok", result.error
    assert result.request.api == "acme.chat" and "translated from Anthropic to Acme chat" in result.notes
    body = json.loads(sqlite_app.mock.requests[-1].body)
    assert body["model"] == "acme-1" and body["stop"] == ["END"]
    assert body["messages"] == [
        {"role": "system", "content": replay_support.SYSTEM},
        {"role": "user", "content": "Where is my order?"},
    ]


def test_a_broken_plug_in_is_skipped_not_fatal(tmp_path, monkeypatch, caplog):
    info = tmp_path / "broken_llm-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-llm\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[otel_llm_providers]\nbroken = no_such_module:Adapter\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    providers.adapters.cache_clear()
    try:
        assert {"openai", "anthropic"} <= set(providers.adapters())
        assert "no_such_module:Adapter" in caplog.text
    finally:
        providers.adapters.cache_clear()


def test_credentials_are_checked_per_endpoint(monkeypatch):
    for name in ("GROQ_API_KEY", "OTEL_LLM_MOCK_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(providers.MissingCredentials, match="GROQ_API_KEY"):
        providers.check_credentials("groq")
    monkeypatch.setenv("GROQ_API_KEY", "k")
    providers.check_credentials("groq")
    with pytest.raises(providers.MissingCredentials, match="OTEL_LLM_PROVIDER_ENDPOINTS=azure.ai.openai="):
        providers.check_credentials("azure.ai.openai")  # its base URL is the user's own resource
    monkeypatch.setenv("OTEL_LLM_PROVIDER_ENDPOINTS", "vllm=http://gpu:8000/v1")
    providers.check_credentials("vllm")  # a self-hosted endpoint may need no key
