"""The shipped price book: a snapshot of the ``genai-prices`` database (``book.json``).

Each provider lists its models with a match pattern (exact names, dated snapshots, aliases and family
regexes, lower-cased) and the prices that applied from each date. A model is looked up in the span's
provider first (and the providers it resells, e.g. Azure → OpenAI), then in every provider, those
whose model naming matches first. Lookups are cached per (provider, model).
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

# ``gen_ai.provider.name`` values (OpenTelemetry GenAI conventions) whose price-book id differs.
PROVIDER_ALIASES = {
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "aws.bedrock": "aws",
    "mistral_ai": "mistral",
    "x_ai": "x-ai",
    "xai": "x-ai",
}
# Dated snapshot suffixes a provider may add to a priced name: -20250929, @20240620, -2024-07-18, -latest.
_SNAPSHOT = re.compile(r"(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$")
_COMPACT_DATE = re.compile(r"-(\d{4})(\d{2})(\d{2})$")

Tiered = tuple[float, tuple[tuple[int, float], ...]]
Rate = float | Tiered


def _rate(value: Any) -> Rate | None:
    if value is None:
        return None
    if isinstance(value, dict):
        tiers = tuple(sorted((int(start), float(price)) for start, price in value["tiers"]))
        return (float(value["base"]), tiers)
    return float(value)


def rate_at(rate: Rate | None, total_input: int) -> float | None:
    """The per-1M price of ``rate`` for a call of ``total_input`` tokens (tiers apply to all tokens)."""
    if rate is None or isinstance(rate, float):
        return rate
    base, tiers = rate
    price = base
    for start, tier_price in tiers:
        if total_input > start:
            price = tier_price
    return price


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens. Cache and reasoning rates default to the input and output rates."""

    input: Rate | None
    output: Rate | None
    cache_read: Rate | None = None
    cache_write: Rate | None = None
    reasoning: Rate | None = None

    @classmethod
    def from_entry(cls, entry: dict) -> Price:
        return cls(
            *(_rate(entry.get(k)) for k in ("input", "output", "cache_read", "cache_write", "reasoning"))
        )

    def cost(self, input_tokens, output_tokens, cache_read=0, cache_write=0, reasoning=0) -> float:
        """USD of one call; ``input_tokens`` includes cache reads and writes, ``output_tokens`` reasoning."""
        total_input = input_tokens or 0
        rates = [rate_at(r, total_input) for r in (self.input, self.output)]
        input_rate, output_rate = (r or 0.0 for r in rates)
        read = rate_at(self.cache_read, total_input)
        write = rate_at(self.cache_write, total_input)
        think = rate_at(self.reasoning, total_input)
        cache_read, cache_write, reasoning = cache_read or 0, cache_write or 0, reasoning or 0
        uncached = max(total_input - cache_read - cache_write, 0)
        visible = max((output_tokens or 0) - reasoning, 0)
        total = uncached * input_rate + visible * output_rate
        total += cache_read * (input_rate if read is None else read)
        total += cache_write * (input_rate if write is None else write)
        total += reasoning * (output_rate if think is None else think)
        return round(total / 1_000_000, 10)


@dataclass(frozen=True)
class DatedPrices:
    """A model's prices, each from the date it took effect (the first from the beginning)."""

    model: str
    starts: tuple[date, ...]
    prices: tuple[Price, ...]

    def at(self, when: datetime | None) -> Price:
        if when is None:
            when = datetime.now(UTC)
        day = (when.astimezone(UTC) if when.tzinfo else when).date()
        index = bisect.bisect_right(self.starts, day) - 1
        return self.prices[max(index, 0)]


def _dated(model_id: str, entries: list[dict]) -> DatedPrices:
    rows = sorted(
        (
            (date.fromisoformat(e["from"]) if e.get("from") else date.min, Price.from_entry(e))
            for e in entries
        ),
        key=lambda row: row[0],
    )
    return DatedPrices(model_id, tuple(d for d, _ in rows), tuple(p for _, p in rows))


class _Provider:
    def __init__(self, entry: dict):
        self.fallback: list[str] = entry.get("fallback") or []
        pattern = entry.get("model_match")
        self.naming = re.compile(pattern) if pattern else None
        self._models = entry["models"]
        self._compiled: list[tuple[re.Pattern, dict]] | None = None

    def find(self, name: str) -> DatedPrices | None:
        if self._compiled is None:  # compiled on first use: most apps meet two or three providers
            self._compiled = [(re.compile(m["match"]), m) for m in self._models]
        for pattern, model in self._compiled:
            if pattern.search(name):
                return _dated(model["id"], model["prices"])
        return None


class PriceBook:
    """Looks up a model's dated prices by provider and name."""

    def __init__(self, providers: dict[str, dict]):
        self._providers = {pid: _Provider(entry) for pid, entry in providers.items()}
        self._cache: dict[tuple[str | None, str], DatedPrices | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def shipped(cls) -> PriceBook:
        text = resources.files("otel_llm.pricing").joinpath("book.json").read_text(encoding="utf-8")
        return cls(json.loads(text)["providers"])

    def provider_id(self, provider: str | None) -> str | None:
        if not provider:
            return None
        key = provider.lower()
        key = PROVIDER_ALIASES.get(key, key)
        return key if key in self._providers else None

    def lookup(self, model: str, provider: str | None = None) -> DatedPrices | None:
        key = (provider, model)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._search(model.strip().lower(), self.provider_id(provider))
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _search(self, name: str, provider_id: str | None) -> DatedPrices | None:
        names = [name]
        if "/" in name:  # "openai/gpt-4o", "anthropic/claude-sonnet-4-5"
            prefix, rest = name.split("/", 1)
            provider_id = provider_id or self.provider_id(prefix)
            names.append(rest)
        names += [_COMPACT_DATE.sub(r"-\1-\2-\3", n) for n in names if _COMPACT_DATE.search(n)]
        names += [_SNAPSHOT.sub("", n) for n in names if _SNAPSHOT.search(n)]
        order = self._order(names[-1], provider_id)
        for candidate in names:
            for pid in order:
                found = self._providers[pid].find(candidate)
                if found is not None:
                    return found
        return None

    def _order(self, name: str, provider_id: str | None) -> list[str]:
        # The span's provider and those it resells first; then every provider, those whose model
        # naming matches first (a proxy reached through the openai SDK may serve "claude-…").
        first = []
        if provider_id is not None:
            first = [provider_id, *(p for p in self._providers[provider_id].fallback if p in self._providers)]
        named = [pid for pid, p in self._providers.items() if p.naming and p.naming.search(name)]
        order = first + [pid for pid in named if pid not in first]
        return order + [pid for pid in self._providers if pid not in order]


@lru_cache(maxsize=1)
def default_book() -> PriceBook:
    return PriceBook.shipped()
