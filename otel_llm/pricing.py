"""Model prices and span cost.

The shipped table (``pricing.json``: USD per 1M tokens for input, output, cache read, cache write)
is overlaid by the user's file from ``OTEL_LLM_PRICING_FILE``. An unknown model has no cost (None),
never 0.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from otel_llm import settings

logger = logging.getLogger(__name__)

# What may follow a priced name for a dated snapshot or alias of the same model: "-2024-07-18",
# "-20250929", "@20240620", "-latest". Anything else ("o3" + "-mini") is another model: no price.
_SNAPSHOT_SUFFIX = re.compile(r"(?:[-@]\d|-latest$)")


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None


class PricingTable:
    def __init__(self, prices: dict[str, Price]):
        self._prices = prices
        # Longest names first, so "gpt-4o-mini" wins over "gpt-4o" for "gpt-4o-mini-2024-07-18".
        self._by_length = sorted(prices, key=len, reverse=True)

    @classmethod
    def load(cls, user_file: str | None = None) -> PricingTable:
        """The shipped prices, overlaid by the user's file (``OTEL_LLM_PRICING_FILE``) if any.
        A bad file or entry is logged and skipped, never raised."""
        data = json.loads(resources.files("otel_llm").joinpath("pricing.json").read_text())["models"]
        path = settings.pricing_file(user_file)
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    data.update(json.load(handle)["models"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                logger.warning("otel-llm: pricing file %s ignored: %s", path, exc)
        prices = {}
        for name, entry in data.items():
            try:
                prices[name.lower()] = _price(entry)
            except (KeyError, TypeError, ValueError, AttributeError):
                logger.warning("otel-llm: price of %r ignored: needs numeric 'input' and 'output'", name)
        return cls(prices)

    def price(self, model: str | None) -> Price | None:
        if not model:
            return None
        key = model.lower()
        if key in self._prices:
            return self._prices[key]
        for name in self._by_length:
            if key.startswith(name) and _SNAPSHOT_SUFFIX.match(key, len(name)):
                return self._prices[name]
        return None

    def cost(
        self,
        model: str | None,
        input_tokens: int | None,
        output_tokens: int | None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
    ) -> float | None:
        """USD cost of one call. ``input_tokens`` is the total, cache reads and writes included."""
        price = self.price(model)
        if price is None or (input_tokens is None and output_tokens is None):
            return None
        cache_read = cache_read_tokens or 0
        cache_write = cache_write_tokens or 0
        uncached = max((input_tokens or 0) - cache_read - cache_write, 0)
        total = uncached * price.input + (output_tokens or 0) * price.output
        total += cache_read * (price.cache_read if price.cache_read is not None else price.input)
        total += cache_write * (price.cache_write if price.cache_write is not None else price.input)
        return round(total / 1_000_000, 10)


def _price(entry: dict) -> Price:
    return Price(
        input=float(entry["input"]),
        output=float(entry["output"]),
        cache_read=None if entry.get("cache_read") is None else float(entry["cache_read"]),
        cache_write=None if entry.get("cache_write") is None else float(entry["cache_write"]),
    )


@lru_cache(maxsize=1)
def default_table() -> PricingTable:
    return PricingTable.load()
