"""The prices a span is costed with: project prices, then the user's file, then the price book."""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from otel_llm import settings
from otel_llm.pricing.book import Price, PriceBook, default_book

logger = logging.getLogger(__name__)

# What may follow a name of the user's file for a dated snapshot or alias of the same model.
_SNAPSHOT_SUFFIX = re.compile(r"(?:[-@]\d|-latest$)")


@dataclass(frozen=True)
class CustomPrice:
    """A project's own price for a model name (``*`` wildcards allowed), from ``effective_from`` on."""

    model: str
    price: Price
    provider: str | None = None
    effective_from: datetime | None = None

    def applies(self, name: str, provider: str | None, at: datetime) -> bool:
        if self.provider and (provider or "").lower() != self.provider.lower():
            return False
        if self.effective_from is not None and _aware(self.effective_from) > at:
            return False
        return fnmatch.fnmatchcase(name, self.model.lower())

    def rank(self) -> tuple:
        start = _aware(self.effective_from) if self.effective_from else datetime.min.replace(tzinfo=UTC)
        return ("*" not in self.model and "?" not in self.model, self.provider is not None, start)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class PricingTable:
    def __init__(
        self,
        user: dict[str, Price] | None = None,
        book: PriceBook | None = None,
        custom: tuple[CustomPrice, ...] = (),
    ):
        self._user = user or {}
        # Longest names first, so "gpt-4o-mini" wins over "gpt-4o" for "gpt-4o-mini-2024-07-18".
        self._user_by_length = sorted(self._user, key=len, reverse=True)
        self._book = book or default_book()
        self.custom = tuple(custom)

    @classmethod
    def load(cls, user_file: str | None = None) -> PricingTable:
        """The price book, overlaid by the user's file (``OTEL_LLM_PRICING_FILE``) if any.
        A bad file or entry is logged and skipped, never raised."""
        path = settings.pricing_file(user_file)
        return cls(_read_user_file(path) if path else {})

    def with_custom(self, custom: tuple[CustomPrice, ...] | list[CustomPrice]) -> PricingTable:
        """The same table with a project's own prices on top."""
        table = PricingTable.__new__(PricingTable)
        table.__dict__.update(self.__dict__)
        table.custom = tuple(custom)
        return table

    def price(
        self, model: str | None, provider: str | None = None, at: datetime | None = None
    ) -> Price | None:
        found = self.lookup(model, provider, at)
        return found[0] if found else None

    def lookup(
        self, model: str | None, provider: str | None = None, at: datetime | None = None
    ) -> tuple[Price, str] | None:
        """The price of ``model`` at ``at`` (now by default) and where it came from:
        ``project``, ``file`` or ``book:<provider>/<model id>``."""
        if not model:
            return None
        key = model.lower()
        when = _aware(at) if at else datetime.now(UTC)
        if self.custom:
            mine = [c for c in self.custom if c.applies(key, provider, when)]
            if mine:
                return max(mine, key=CustomPrice.rank).price, "project"
        # ``provider/model`` first: a provider reached through another's API keeps its own rates.
        own = self._user_price(f"{provider.lower()}/{key}") if provider and "/" not in key else None
        user = own or self._user_price(key)
        if user is not None:
            return user, "file"
        dated = self._book.lookup(model, provider)
        if dated is None:
            return None
        return dated.at(when), f"book:{dated.model}"

    def _user_price(self, key: str) -> Price | None:
        if key in self._user:
            return self._user[key]
        for name in self._user_by_length:
            if key.startswith(name) and _SNAPSHOT_SUFFIX.match(key, len(name)):
                return self._user[name]
        return None

    def cost(
        self,
        model: str | None,
        input_tokens: int | None,
        output_tokens: int | None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        *,
        provider: str | None = None,
        at: datetime | None = None,
        reasoning_tokens: int | None = None,
    ) -> float | None:
        """USD cost of one call, priced as of ``at``. ``input_tokens`` is the total, cache reads and
        writes included; ``output_tokens`` includes ``reasoning_tokens``."""
        if input_tokens is None and output_tokens is None:
            return None
        price = self.price(model, provider, at)
        if price is None:
            return None
        return price.cost(
            input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens
        )


def _read_user_file(path: str) -> dict[str, Price]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)["models"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("otel-llm: pricing file %s ignored: %s", path, exc)
        return {}
    prices = {}
    for name, entry in data.items() if isinstance(data, dict) else ():
        try:
            if entry.get("input") is None or entry.get("output") is None:
                raise ValueError
            prices[str(name).lower()] = Price.from_entry(entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("otel-llm: price of %r ignored: needs numeric 'input' and 'output'", name)
    return prices


@lru_cache(maxsize=1)
def default_table() -> PricingTable:
    return PricingTable.load()
