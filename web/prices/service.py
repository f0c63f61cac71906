"""What the prices page and routes share: reading a submitted price, the effective date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otel_llm.pricing.custom import RATES, PricingError
from otel_llm.storage.timeutil import as_utc

FIELDS = ("model", "provider", "effective_from", *RATES)


def parse_price(body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``set_price`` from a JSON body or a form; ``PricingError`` if malformed."""
    unknown = sorted(set(body) - set(FIELDS) - {"csrf_token"})
    if unknown:
        raise PricingError(f"unknown field {unknown[0]!r}; a price has: {', '.join(FIELDS)}.")
    model = body.get("model")
    if not isinstance(model, str):
        raise PricingError("'model' must be a string (the model name, '*' wildcards allowed).")
    provider = body.get("provider")
    if provider is not None and not isinstance(provider, str):
        raise PricingError("'provider' must be a string or null.")
    rates = {}
    for name in RATES:
        value = body.get(name)
        if value == "" or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise PricingError(f"'{name}' must be a number of USD per 1M tokens.")
        rates[name] = value
    return {
        "model": model,
        "provider": provider or None,
        "effective_from": _when(body.get("effective_from")),
        **rates,
    }


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PricingError("'effective_from' must be an ISO 8601 date or date-time (UTC if no offset).")
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise PricingError(f"'effective_from' {value!r} is not an ISO 8601 date or date-time.") from None
