"""Cost arithmetic, model name matching and the user's price file."""

import json
import logging

import pytest
from sqlalchemy import select

from otel_llm import attributes as attrs
from otel_llm.pricing import PricingTable
from otel_llm.settings import OTEL_LLM_PRICING_FILE
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from tests.span_factory import emit, llm_attributes, span_pipeline


@pytest.fixture
def table(monkeypatch):
    monkeypatch.delenv(OTEL_LLM_PRICING_FILE, raising=False)
    return PricingTable.load()


def test_openai_cached_tokens_are_billed_at_the_cache_price(table):
    # gpt-4o-mini: 0.15 input, 0.075 cached input, 0.6 output per 1M; 400 of 1000 prompt tokens cached.
    cost = table.cost("gpt-4o-mini", input_tokens=1000, output_tokens=200, cache_read_tokens=400)
    assert cost == pytest.approx((600 * 0.15 + 400 * 0.075 + 200 * 0.6) / 1e6)
    assert cost < table.cost("gpt-4o-mini", 1000, 200)


def test_anthropic_cache_reads_and_writes(table):
    # claude-sonnet-4-5: 3 input, 0.3 cache read, 3.75 cache write, 15 output; input total includes both.
    cost = table.cost("claude-sonnet-4-5", 1000, 50, cache_read_tokens=600, cache_write_tokens=300)
    assert cost == pytest.approx((100 * 3 + 600 * 0.3 + 300 * 3.75 + 50 * 15) / 1e6)


def test_unknown_model_or_missing_usage_has_no_cost_not_zero(table):
    assert table.cost("my-finetune", 1000, 100) is None
    assert table.cost(None, 1000, 100) is None
    assert table.cost("gpt-4o", None, None) is None
    assert table.cost("gpt-4o", 0, 0) == 0.0  # a known model with zero tokens really is free


@pytest.mark.parametrize(
    "model, priced_as",
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # not gpt-4o
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),  # not claude-sonnet-4
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("GPT-4.1-Mini", "gpt-4.1-mini"),
    ],
)
def test_dated_and_aliased_names_match_their_model(table, model, priced_as):
    assert table.price(model) == table.price(priced_as) is not None


@pytest.mark.parametrize(
    "model, sibling",
    [("o3-mini", "o3"), ("gpt-4", "gpt-4o"), ("gpt-5-mini", "gpt-5"), ("claude-opus-4-5", "claude-opus-4")],
)
def test_models_sharing_a_prefix_have_their_own_price(table, model, sibling):
    assert table.price(model) is not None and table.price(sibling) is not None
    assert table.lookup(model)[1] == f"book:{model}"
    assert table.price(model) != table.price(sibling)


def test_the_book_knows_many_providers_and_their_naming(table):
    # Gemini, Mistral and Groq models; a "provider/model" alias; a provider's own table first.
    assert table.price("gemini-2.5-flash", provider="gcp.gemini") is not None
    assert table.price("mistral-large-latest", provider="mistral_ai") is not None
    assert table.price("llama-3.1-8b-instant", provider="groq") is not None
    assert table.price("openai/gpt-4o-mini") == table.price("gpt-4o-mini")
    assert table.price("gpt-4o", provider="azure.ai.openai") is not None  # Azure resells OpenAI's models


def test_prices_are_taken_as_of_the_call(table):
    # A book entry with two dated prices: the call is priced by the one in force when it started.
    from datetime import UTC, datetime

    from otel_llm.pricing.book import PriceBook

    book = PriceBook(
        {
            "acme": {
                "models": [
                    {
                        "id": "acme-1",
                        "match": "^acme-1$",
                        "prices": [
                            {"from": None, "input": 10, "output": 20},
                            {"from": "2026-06-01", "input": 1, "output": 2},
                        ],
                    }
                ]
            }
        }
    )
    dated = PricingTable(book=book)
    before = dated.cost("acme-1", 1000, 1000, at=datetime(2026, 5, 31, 23, tzinfo=UTC))
    after = dated.cost("acme-1", 1000, 1000, at=datetime(2026, 6, 1, 1, tzinfo=UTC))
    assert (before, after) == (pytest.approx(0.03), pytest.approx(0.003))


def test_long_context_tiers_apply_to_every_token(table):
    # claude-sonnet-4-5: 3 USD/1M input up to 200k tokens, 6 USD/1M for all tokens of a longer call.
    assert table.cost("claude-sonnet-4-5", 200_000, 0) == pytest.approx(0.6)
    assert table.cost("claude-sonnet-4-5", 200_001, 0) == pytest.approx(200_001 * 6 / 1e6)


def test_user_file_overrides_and_extends(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "models": {
                    "gpt-4o-mini": {"input": 1.0, "output": 2.0},
                    "Our-Model": {"input": 10, "output": 20},
                }
            }
        )
    )
    monkeypatch.setenv(OTEL_LLM_PRICING_FILE, str(path))
    table = PricingTable.load()
    assert table.cost("gpt-4o-mini", 1000, 1000) == pytest.approx(3000 / 1e6)
    assert table.cost("our-model-2026-01-01", 100, 10) == pytest.approx(1200 / 1e6)
    assert table.cost("gpt-4o", 1000, 0) == pytest.approx(2500 / 1e6)  # shipped prices still there


@pytest.mark.parametrize("content", ["not json", '{"models": {"x": {"input": "cheap"}}}', '["list"]'])
def test_bad_user_file_is_logged_and_ignored(tmp_path, monkeypatch, caplog, content):
    path = tmp_path / "prices.json"
    path.write_text(content)
    monkeypatch.setenv(OTEL_LLM_PRICING_FILE, str(path))
    with caplog.at_level(logging.WARNING, "otel_llm"):
        table = PricingTable.load()
    assert table.cost("gpt-4o-mini", 1000, 0) == pytest.approx(150 / 1e6)
    assert "ignored" in caplog.text


def test_cost_is_computed_when_the_span_is_stored(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        emit(
            tracer,
            name="known",
            **llm_attributes(model="claude-haiku-4-5", input_tokens=2000, output_tokens=100),
        )
        emit(
            tracer,
            name="unknown",
            **llm_attributes(model="house-model", input_tokens=2000, output_tokens=100),
        )
        cached = llm_attributes(model="gpt-4o-mini-2024-07-18", input_tokens=1000, output_tokens=0)
        cached[attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = 1000
        emit(tracer, name="cached", **cached)
    with get_engine(db_url).connect() as connection:
        costs = dict(connection.execute(select(spans.c.name, spans.c.cost_usd)).all())
    assert costs["known"] == pytest.approx((2000 * 1.0 + 100 * 5.0) / 1e6)
    assert costs["unknown"] is None
    assert costs["cached"] == pytest.approx(1000 * 0.075 / 1e6)
