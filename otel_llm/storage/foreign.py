"""Attributes of other GenAI instrumentations mapped to the current semantic conventions.

Sources:

- the official ``opentelemetry-instrumentation-genai-openai`` / ``-genai-anthropic`` and current
  OpenLLMetry: already semconv; their system messages travel inside ``gen_ai.input.messages``,
  from which ``gen_ai.system_instructions`` is derived (so ``system_prompt_hash`` is filled);
- older semconv (``gen_ai.system``, ``gen_ai.usage.prompt_tokens``);
- OpenLLMetry's flattened style (``gen_ai.prompt.N.role`` / ``.content``, ``gen_ai.completion.N.*``,
  ``llm.request.type``);
- OpenInference (``llm.model_name``, ``llm.token_count.*``, ``llm.input_messages.N.message.*``,
  ``llm.invocation_parameters``, ``llm.tools.N.tool.json_schema``), including its google-genai spans,
  its legacy completions (``text_completion``) and its embedding spans (``foreign_embeddings.py``);
- the official google-genai instrumentation (semconv, with ``gemini`` / ``vertex_ai`` as provider
  names, renamed to ``gcp.gemini`` / ``gcp.vertex_ai``);
- the Anthropic SDK's own spans (``anthropic.message.stop_reason``).

The input is never modified; the result keeps every original attribute and adds the semconv ones
that were missing (an attribute already present always wins), except that other instrumentations'
names of Google's providers are renamed to the conventions' (``PROVIDER_RENAMES``) and embedding
vectors are left out (stored embedding spans keep the input and the dimension count only).
"""

from __future__ import annotations

import json
import re
from typing import Any

from otel_llm import attributes as attrs
from otel_llm.storage import flat_messages, foreign_embeddings, jsoncodec

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
    "llm.token_count.completion_details.reasoning": attrs.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    "llm.model_name": attrs.GEN_AI_RESPONSE_MODEL,
}
_SYSTEM_ROLES = flat_messages.SYSTEM_ROLES
_OPENINFERENCE_TOOL = re.compile(r"^llm\.tools\.(\d+)\.tool\.json_schema$")
PROVIDER_RENAMES = {"gemini": "gcp.gemini", "vertex_ai": "gcp.vertex_ai", "google": "gcp.gen_ai"}
"""Names other instrumentations give Google's providers -> the conventions' ``gen_ai.provider.name``
(the official google-genai instrumentation says ``gemini`` / ``vertex_ai``, OpenInference ``google``
for either backend, which the conventions call ``gcp.gen_ai``)."""
_REQUEST_TYPES = {"completion": "text_completion", "embedding": "embeddings"}
"""OpenLLMetry's ``llm.request.type`` values that the conventions' operation names spell otherwise."""
_ENUM_NAME = re.compile(r"^(?:[A-Za-z]+\.)?([A-Z][A-Z_]*)$")
_INVOCATION_PARAMETERS = {
    "model": attrs.GEN_AI_REQUEST_MODEL,
    "temperature": attrs.GEN_AI_REQUEST_TEMPERATURE,
    "top_p": attrs.GEN_AI_REQUEST_TOP_P,
    "max_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "max_output_tokens": attrs.GEN_AI_REQUEST_MAX_TOKENS,
    "top_k": attrs.GEN_AI_REQUEST_TOP_K,
    "dimensions": attrs.GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
}


_FOREIGN_KEYS = frozenset(_RENAMES) | {attrs.GEN_AI_SYSTEM}
_FOREIGN_PREFIXES = ("llm.", "embedding.", "openinference.", "anthropic.", *flat_messages.PREFIXES)
"""Every attribute the mappings below read: a span with none of them (spans in the current
conventions, ours among them) skips straight to the provider renames and system instructions."""


def _is_foreign(attributes: dict[str, Any]) -> bool:
    if not _FOREIGN_KEYS.isdisjoint(attributes):
        return True
    for key in attributes:
        if key.startswith(_FOREIGN_PREFIXES):
            return True
    return False


def to_semconv(attributes: dict[str, Any]) -> dict[str, Any]:
    out = dict(attributes)
    if _is_foreign(out):
        _map_foreign(out)
    provider = out.get(attrs.GEN_AI_PROVIDER_NAME)
    if provider in PROVIDER_RENAMES:
        out[attrs.GEN_AI_PROVIDER_NAME] = PROVIDER_RENAMES[provider]
    _system_from_input(out)
    return out


def _map_foreign(out: dict[str, Any]) -> None:
    """Other instrumentations' attributes as semconv ones, added to ``out`` where missing."""
    added: dict[str, Any] = {}
    for old, new in _RENAMES.items():
        if old in out:
            added.setdefault(new, out[old])
    if foreign_embeddings.is_embedding(out):
        foreign_embeddings.map_embedding(out, added)
    _provider_and_operation(out, added)
    for name in ("llm.invocation_parameters", "embedding.invocation_parameters"):
        if name in out:
            _invocation_parameters(out[name], added)
    flat_messages.add_messages(out, added)
    _openinference_tools(out, added)
    stop_reason = out.get("anthropic.message.stop_reason") or out.get("llm.finish_reason")
    if stop_reason:
        added.setdefault(attrs.GEN_AI_RESPONSE_FINISH_REASONS, [_reason(stop_reason)])
    if attrs.GEN_AI_REQUEST_MODEL not in out and "llm.model_name" in out:
        added.setdefault(attrs.GEN_AI_REQUEST_MODEL, out["llm.model_name"])
    for name, value in added.items():
        out.setdefault(name, value)


def provider_name(value: object) -> str:
    """A provider name as the conventions spell it (``gemini`` -> ``gcp.gemini``)."""
    name = str(value).lower()
    return PROVIDER_RENAMES.get(name, name)


def _reason(value: object) -> str:
    """``STOP`` / ``FinishReason.STOP`` (enum names) as ``stop``; other reasons as they are."""
    match = _ENUM_NAME.match(str(value))
    return match.group(1).lower() if match else str(value)


def _openinference_tools(out: dict[str, Any], added: dict[str, Any]) -> None:
    """``llm.tools.N.tool.json_schema`` (one JSON string per tool) as ``gen_ai.tool.definitions``."""
    tools = {}
    for key, value in out.items():
        if key.startswith("llm.tools."):
            match = _OPENINFERENCE_TOOL.match(key)
            if match is not None:
                try:
                    tools[int(match.group(1))] = json.loads(value) if isinstance(value, str) else value
                except ValueError:
                    continue
    if tools:
        added.setdefault(attrs.GEN_AI_TOOL_DEFINITIONS, json.dumps([tools[i] for i in sorted(tools)]))


def _provider_and_operation(out: dict[str, Any], added: dict[str, Any]) -> None:
    for name in (attrs.GEN_AI_SYSTEM, "llm.provider", "llm.system"):
        if out.get(name):
            added.setdefault(attrs.GEN_AI_PROVIDER_NAME, str(out[name]).lower())
    request_type = out.get("llm.request.type")  # OpenLLMetry
    if request_type:
        added.setdefault(attrs.GEN_AI_OPERATION_NAME, _REQUEST_TYPES.get(request_type, request_type))
    if out.get("openinference.span.kind") == "LLM":
        legacy = any(key.startswith("llm.prompts.") for key in out)  # the legacy completions API
        added.setdefault(attrs.GEN_AI_OPERATION_NAME, "text_completion" if legacy else "chat")


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


def _system_from_input(out: dict[str, Any]) -> None:
    """Instrumentations that keep system messages inside ``gen_ai.input.messages`` (official OpenAI
    ones, OpenLLMetry): the same text as ``gen_ai.system_instructions``, so the hash is computed."""
    if attrs.GEN_AI_SYSTEM_INSTRUCTIONS in out or attrs.GEN_AI_INPUT_MESSAGES not in out:
        return
    try:
        messages = jsoncodec.loads(out[attrs.GEN_AI_INPUT_MESSAGES])
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
