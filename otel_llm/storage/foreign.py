"""Attributes of other GenAI instrumentations mapped to the current semantic conventions.

Sources:

- the official ``opentelemetry-instrumentation-genai-openai`` / ``-genai-anthropic`` and current
  OpenLLMetry: already semconv; their system messages travel inside ``gen_ai.input.messages``,
  from which ``gen_ai.system_instructions`` is derived (so ``system_prompt_hash`` is filled);
- older semconv (``gen_ai.system``, ``gen_ai.usage.prompt_tokens``);
- OpenLLMetry's flattened style (``gen_ai.prompt.N.role`` / ``.content``, ``gen_ai.completion.N.*``,
  ``llm.request.type``);
- OpenInference (``llm.model_name``, ``llm.token_count.*``, ``llm.input_messages.N.message.*``,
  ``llm.invocation_parameters``);
- the Anthropic SDK's own spans (``anthropic.message.stop_reason``).

The input is never modified; the result keeps every original attribute and adds the semconv ones
that were missing (an attribute already present always wins).
"""

from __future__ import annotations

import json
import re
from typing import Any

from otel_llm import attributes as attrs

_RENAMES = {
    "gen_ai.usage.prompt_tokens": attrs.GEN_AI_USAGE_INPUT_TOKENS,
    "gen_ai.usage.completion_tokens": attrs.GEN_AI_USAGE_OUTPUT_TOKENS,
    "gen_ai.usage.cache_read_input_tokens": attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    "gen_ai.usage.cache_creation_input_tokens": attrs.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    # OpenInference
    "llm.token_count.prompt": attrs.GEN_AI_USAGE_INPUT_TOKENS,
    "llm.token_count.completion": attrs.GEN_AI_USAGE_OUTPUT_TOKENS,
    "llm.token_count.prompt_details.cache_read": attrs.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    "llm.token_count.prompt_details.cache_write": attrs.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    "llm.model_name": attrs.GEN_AI_RESPONSE_MODEL,
}
_SYSTEM_ROLES = ("system", "developer")
_OPENINFERENCE_MESSAGE = re.compile(r"^llm\.(input|output)_messages\.(\d+)\.message\.(role|content)$")
_OPENLLMETRY_MESSAGE = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(role|content|finish_reason)$")
_FLAT_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")
_INVOCATION_PARAMETERS = {
    "model": attrs.GEN_AI_REQUEST_MODEL,
    "temperature": attrs.GEN_AI_REQUEST_TEMPERATURE,
    "top_p": attrs.GEN_AI_REQUEST_TOP_P,
    "max_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
}


def to_semconv(attributes: dict[str, Any]) -> dict[str, Any]:
    out = dict(attributes)
    added: dict[str, Any] = {}
    for old, new in _RENAMES.items():
        if old in out:
            added.setdefault(new, out[old])
    _provider_and_operation(out, added)
    if "llm.invocation_parameters" in out:
        _invocation_parameters(out["llm.invocation_parameters"], added)
    _flattened_messages(out, added)
    stop_reason = out.get("anthropic.message.stop_reason") or out.get("llm.finish_reason")
    if stop_reason:
        added.setdefault(attrs.GEN_AI_RESPONSE_FINISH_REASONS, [stop_reason])
    if attrs.GEN_AI_REQUEST_MODEL not in out and "llm.model_name" in out:
        added.setdefault(attrs.GEN_AI_REQUEST_MODEL, out["llm.model_name"])
    for name, value in added.items():
        out.setdefault(name, value)
    _system_from_input(out)
    return out


def _provider_and_operation(out: dict[str, Any], added: dict[str, Any]) -> None:
    for name in (attrs.GEN_AI_SYSTEM, "llm.provider", "llm.system"):
        if out.get(name):
            added.setdefault(attrs.GEN_AI_PROVIDER_NAME, str(out[name]).lower())
    request_type = out.get("llm.request.type")  # OpenLLMetry
    if request_type:
        added.setdefault(
            attrs.GEN_AI_OPERATION_NAME, "text_completion" if request_type == "completion" else request_type
        )
    if out.get("openinference.span.kind") == "LLM":
        added.setdefault(attrs.GEN_AI_OPERATION_NAME, "chat")


def _invocation_parameters(raw: Any, added: dict[str, Any]) -> None:
    try:
        params = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return
    if not isinstance(params, dict):
        return
    for key, name in _INVOCATION_PARAMETERS.items():
        value = params.get(key)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            added.setdefault(name, value)


def _flattened_messages(out: dict[str, Any], added: dict[str, Any]) -> None:
    """``llm.input_messages.N.message.*`` (OpenInference) and ``gen_ai.prompt.N.*`` (OpenLLMetry)."""
    inputs: dict[int, dict[str, Any]] = {}
    outputs: dict[int, dict[str, Any]] = {}
    for key, value in out.items():
        if not key.startswith(_FLAT_PREFIXES):  # cheap test first: most spans have none of these
            continue
        match = _OPENINFERENCE_MESSAGE.match(key) or _OPENLLMETRY_MESSAGE.match(key)
        if match is None:
            continue
        side, index, field = match.groups()
        target = inputs if side in ("input", "prompt") else outputs
        target.setdefault(int(index), {})[field] = value
    if inputs:
        system = [m for _, m in sorted(inputs.items()) if m.get("role") in _SYSTEM_ROLES]
        rest = [m for _, m in sorted(inputs.items()) if m.get("role") not in _SYSTEM_ROLES]
        if system:
            parts = [_text(m.get("content")) for m in system]
            added.setdefault(attrs.GEN_AI_SYSTEM_INSTRUCTIONS, json.dumps(parts, ensure_ascii=False))
        added.setdefault(
            attrs.GEN_AI_INPUT_MESSAGES, json.dumps([_message(m) for m in rest], ensure_ascii=False)
        )
    if outputs:
        messages = [_message(m) for _, m in sorted(outputs.items())]
        added.setdefault(attrs.GEN_AI_OUTPUT_MESSAGES, json.dumps(messages, ensure_ascii=False))
        reasons = [m["finish_reason"] for _, m in sorted(outputs.items()) if m.get("finish_reason")]
        if reasons:
            added.setdefault(attrs.GEN_AI_RESPONSE_FINISH_REASONS, reasons)


def _text(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": "" if content is None else str(content)}


def _message(flat: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": flat.get("role") or "user", "parts": [_text(flat.get("content"))]}
    if flat.get("finish_reason"):
        message["finish_reason"] = flat["finish_reason"]
    return message


def _system_from_input(out: dict[str, Any]) -> None:
    """Instrumentations that keep system messages inside ``gen_ai.input.messages`` (official OpenAI
    ones, OpenLLMetry): the same text as ``gen_ai.system_instructions``, so the hash is computed."""
    if attrs.GEN_AI_SYSTEM_INSTRUCTIONS in out or attrs.GEN_AI_INPUT_MESSAGES not in out:
        return
    try:
        messages = json.loads(out[attrs.GEN_AI_INPUT_MESSAGES])
    except (TypeError, ValueError):
        return
    if not isinstance(messages, list):
        return
    parts = [
        {"type": "text", "content": part["content"]}
        for message in messages
        if isinstance(message, dict) and message.get("role") in _SYSTEM_ROLES
        for part in message.get("parts") or ()
        if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("content"), str)
    ]
    if parts:
        out[attrs.GEN_AI_SYSTEM_INSTRUCTIONS] = json.dumps(parts, ensure_ascii=False)
