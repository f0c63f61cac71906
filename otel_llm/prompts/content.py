"""What a version holds: its template (text, or chat messages with tools and a response format), its
format and model config, validated, and their hashes.

``version_hash`` is ``otel_llm.hashing.text_hash(template)`` — the template alone; for a chat version
its system messages — so that spans whose ``system_prompt_hash`` equals it link to the version by
content. The config is hashed separately (``config_hash``: sha256 of its canonical JSON, keys
sorted). ``content_hash`` covers everything (kind, format, template or messages, tools, response
format, config): two versions are identical when it agrees.
"""

from __future__ import annotations

import json
import math
from typing import Any

from otel_llm.hashing import text_hash
from otel_llm.prompts import chat, formats
from otel_llm.prompts.errors import InvalidInput

MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_CONFIG_BYTES = 64 * 1024

_NUMBER_KEYS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}
_STRING_KEYS = {"provider", "model"}


TEXT = "text"
CHAT = "chat"


def validate_template(template: str | None, template_format: str = formats.SIMPLE) -> str:
    """The template as given; refused when empty (only whitespace), larger than 1 MiB or not valid
    in its format (naming line and column)."""
    if template is not None and not isinstance(template, str):
        raise InvalidInput("the template must be text.")
    if template is None or not template.strip():
        raise InvalidInput("the template is empty; give the prompt text (from --file F or stdin).")
    _check_size(template)
    formats.check_syntax(template_format, template)
    return template


def _check_size(text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        raise InvalidInput(
            f"the template is {size:,} bytes; templates are limited to 1 MiB ({MAX_TEMPLATE_BYTES:,} bytes)."
        )


def build(
    template: str | None,
    *,
    config: Any = None,
    template_format: str | None = None,
    messages: Any = None,
    tools: Any = None,
    response_format: Any = None,
) -> dict[str, Any]:
    """The stored columns of a version (validated), ``kind`` chat when ``messages`` are given."""
    fmt = formats.validate_format(template_format)
    config = validate_config(config)
    setup: dict[str, Any] = {
        "tools": chat.validate_tools(tools),
        "response_format": chat.validate_response_format(response_format),
    }
    if messages is not None:
        if template is not None and str(template).strip():
            raise InvalidInput("give a template or chat messages, not both.")
        setup["messages"] = _chat_messages(messages, fmt)
        template = chat.system_template(setup["messages"])
    else:
        template = validate_template(template, fmt)
    kind = CHAT if messages is not None else TEXT
    stored = setup if messages is not None or setup["tools"] or setup["response_format"] else None
    values = {"kind": kind, "template_format": fmt, "template": template, "chat": stored, "config": config}
    values["config_hash"] = config_hash(config)
    values["content_hash"] = content_hash(values)
    values["version_hash"] = version_hash(template) if template else values["content_hash"]
    return values


def _chat_messages(messages: Any, fmt: str) -> list[dict[str, Any]]:
    checked = chat.validate_messages(messages)
    _check_size(canonical_json({"messages": checked}))
    for index, message in enumerate(checked, 1):
        try:
            formats.check_syntax(fmt, message["content"])
        except InvalidInput as exc:
            raise InvalidInput(f"message {index} ({message['role']}): {exc}") from exc
    return checked


def texts(values: dict[str, Any]) -> list[str]:
    """Every template text of a version (its messages for a chat version)."""
    if values.get("kind") == CHAT:
        return [m["content"] for m in (values.get("chat") or {}).get("messages") or []]
    return [values["template"]]


def content_hash(values: dict[str, Any]) -> str:
    """sha256 of everything that makes a version (see the module doc)."""
    keys = ("kind", "template_format", "template", "chat", "config")
    return text_hash(canonical_json({k: values.get(k) for k in keys}))


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
