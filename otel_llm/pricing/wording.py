"""How a stored cost reads: an unpriced model says so, instead of an empty cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def missing_price(span: Mapping[str, Any]) -> str | None:
    """``"no price for MODEL"`` when an LLM span has tokens but no cost; None otherwise."""
    if span.get("cost_usd") is not None:
        return None
    tokens = span.get("tokens")
    if isinstance(tokens, Mapping):
        counted = tokens.get("input") is not None or tokens.get("output") is not None
    else:
        counted = span.get("input_tokens") is not None or span.get("output_tokens") is not None
    if not counted:
        return None
    model = span.get("response_model") or span.get("request_model") or "this model"
    return f"no price for {model}"
