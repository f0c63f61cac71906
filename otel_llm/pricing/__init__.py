"""Model prices and span cost.

Three layers, the first that knows a model wins:

1. per-project prices kept in the database (``otel-llm prices set``, the API, Settings), each with
   the date it takes effect (``otel_llm.pricing.custom``);
2. the user's file from ``OTEL_LLM_PRICING_FILE`` (``{"models": {name: {input, output, ...}}}``);
3. the shipped price book (``book.json``), a snapshot of the maintained ``genai-prices`` database
   (``scripts/update_prices.py``): about 1,900 models of 36 providers, matched by name, dated
   snapshot, alias and family pattern, with the date each price took effect.

A span is priced as of its start time, so a price change never rewrites the cost of earlier calls.
Prices are USD per 1M tokens. An unknown model has no cost (None), never 0.
"""

from __future__ import annotations

from otel_llm.pricing.book import Price, PriceBook, default_book
from otel_llm.pricing.table import PricingTable, default_table

__all__ = ["Price", "PriceBook", "PricingTable", "default_book", "default_table"]
