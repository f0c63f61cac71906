"""What a version holds: its template and model config, validated, and their hashes.

``version_hash`` is ``otel_llm.hashing.text_hash(template)`` — the template alone — so that spans whose
``system_prompt_hash`` equals it link to the version by content. The config is hashed separately
(``config_hash``: sha256 of its canonical JSON, keys sorted); two versions are identical when both
hashes agree.
"""

from __future__ import annotations

import json
import math
from typing import Any

from otel_llm.hashing import text_hash
from otel_llm.prompts.errors import InvalidInput
from otel_llm.prompts.render import check_syntax

MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_CONFIG_BYTES = 64 * 1024

_NUMBER_KEYS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}
_STRING_KEYS = {"provider", "model"}


def validate_template(template: str | None) -> str:
    """The template as given; refused when empty (only whitespace) or larger than 1 MiB."""
    if template is None or not str(template).strip():
        raise InvalidInput("the template is empty; give the prompt text (from --file F or stdin).")
    size = len(template.encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        raise InvalidInput(
            f"the template is {size:,} bytes; templates are limited to 1 MiB ({MAX_TEMPLATE_BYTES:,} bytes)."
        )
    check_syntax(template)
    return template


def parse_config(text: str | None) -> dict[str, Any]:
    """A config given as JSON text (``--config '{"model": "gpt-4o-mini"}'``)."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the config is not valid JSON ({exc.msg} at char {exc.pos}).") from exc
    return validate_config(value)


def validate_config(config: Any) -> dict[str, Any]:
    """A JSON object of model settings; known keys (provider, model, temperature, top_p, max_tokens)
    are type-checked, others are kept as given."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise InvalidInput(
            'the config must be a JSON object, e.g. {"model": "gpt-4o-mini", "temperature": 0.2}.'
        )
    for key in _STRING_KEYS & config.keys():
        if not isinstance(config[key], str) or not config[key].strip():
            raise InvalidInput(f"config {key!r} must be a non-empty string.")
    for key, (low, high) in _NUMBER_KEYS.items():
        if key in config:
            _check_number(key, config[key], low, high)
    if "max_tokens" in config:
        value = config["max_tokens"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput("config 'max_tokens' must be a positive integer.")
    if len(canonical_json(config).encode("utf-8")) > MAX_CONFIG_BYTES:
        raise InvalidInput("the config is larger than 64 KiB; keep only model settings in it.")
    return dict(config)


def _check_number(key: str, value: Any, low: float, high: float) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise InvalidInput(f"config {key!r} must be a number from {low} to {high}.")


def canonical_json(config: dict[str, Any]) -> str:
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"the config cannot be stored as JSON: {exc}.") from exc


def version_hash(template: str) -> str:
    """The hash spans are matched on: exactly ``text_hash(template)``."""
    return text_hash(template)


def config_hash(config: dict[str, Any]) -> str:
    return text_hash(canonical_json(config))
