"""Captured content: the switch, the redaction hook and the per-span size cap.

Content attributes (``gen_ai.system_instructions``, ``gen_ai.input.messages``,
``gen_ai.output.messages``, ``gen_ai.tool.definitions``) are JSON strings in the GenAI
semantic-convention structure. They are built only when capture is on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from otel_llm import attributes as attrs
from otel_llm import settings
from otel_llm.instrumentation.common.encoding import make_encoder

logger = logging.getLogger(__name__)

Redactor = Callable[[str], str]
_encode = make_encoder(str)
_state: dict[str, Any] = {"redactor": None, "budget": None}

CONTENT_ATTRIBUTES = (
    attrs.GEN_AI_SYSTEM_INSTRUCTIONS,
    attrs.GEN_AI_OUTPUT_MESSAGES,
    attrs.GEN_AI_INPUT_MESSAGES,
    attrs.GEN_AI_TOOL_DEFINITIONS,
)
"""In the order they get their share of the size cap."""


def set_redactor(redactor: Redactor | None) -> None:
    """Register ``redactor(text) -> text``, applied to every captured string before it is recorded.

    It sees each text of the captured messages, system instructions, tool calls and tool definitions,
    and the content fields of the request record (``messages``, ``system``, ``input``, ...). Return
    the scrubbed text. ``None`` removes it. An exception in the redactor drops that span's content
    (never the app's call). Example::

        import re
        EMAIL = re.compile(r"[\\w.+-]+@[\\w-]+\\.[\\w.]+")
        otel_llm.instrumentation.set_redactor(lambda text: EMAIL.sub("[email]", text))
    """
    _state["redactor"] = redactor


def redactor() -> Redactor | None:
    return _state["redactor"]


def set_capture(enabled: bool | None) -> None:
    """Turn content capture on or off for the process (``configure``/``instrument`` set it);
    ``None`` goes back to ``OTEL_LLM_CAPTURE_CONTENT``."""
    _state["capture"] = enabled


def capture_enabled() -> bool:
    enabled = _state.get("capture")
    return settings.capture_content() if enabled is None else enabled


def redact(value: Any, fn: Redactor) -> Any:
    """``value`` with ``fn`` applied to every string in it (keys excepted)."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: redact(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, fn) for v in value]
    return value


def add_content(target: dict[str, Any], values: dict[str, Any], budget: int) -> int:
    """Put the content attributes in ``values`` (name → JSON-able structure) into ``target`` (span
    attributes), redacted and within ``budget`` bytes; returns the budget left for the span."""
    fn = _state["redactor"]
    if fn is not None:
        try:
            values = {name: redact(value, fn) for name, value in values.items()}
        except Exception:
            logger.debug("otel-llm: redactor failed; content dropped", exc_info=True)
            return budget
    for name in CONTENT_ATTRIBUTES:
        value = values.get(name)
        if value is None:
            continue
        text = _encode(value)
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if size > budget:
            text, size = _fit(value, budget)
            target[attrs.CONTENT_TRUNCATED] = True
        target[name] = text
        budget -= size
    return budget


def content_budget() -> int:
    budget = _state["budget"]
    return settings.max_content_bytes() if budget is None else budget


def read_settings() -> None:
    """Read ``OTEL_LLM_MAX_CONTENT_BYTES`` now (when the instrumentation is installed), not on every
    call: the environment is read once, as OpenTelemetry instrumentations do, and a bad value is
    reported once."""
    _state["budget"] = settings.max_content_bytes()


def forget_settings() -> None:
    """Back to reading the environment on each call (the instrumentation was removed)."""
    _state["budget"] = None


def _fit(value: Any, budget: int) -> tuple[str, int]:
    """JSON of ``value`` within ``budget`` bytes (long strings shortened, still valid JSON), its size."""
    limit = max(budget // 4, 16)
    while limit >= 16:
        shortened = _encode(_shorten(value, limit))
        size = len(shortened.encode("utf-8"))
        if size <= budget:
            return shortened, size
        limit //= 2
    return "[]", 2


def _shorten(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, dict):
        return {k: _shorten(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shorten(v, limit) for v in value]
    return value


def text_part(text: str) -> dict[str, str]:
    return {"type": "text", "content": text}


def tool_call_part(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": name, "arguments": arguments}


def tool_response_part(call_id: Any, response: Any) -> dict[str, Any]:
    return {"type": "tool_call_response", "id": call_id, "response": response}
