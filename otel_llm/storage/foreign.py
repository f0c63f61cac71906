"""Attributes of other GenAI instrumentations mapped to the current semantic conventions.

Sources: older semconv (``gen_ai.system``, ``gen_ai.usage.prompt_tokens``), OpenInference (``llm.*``)
and OpenLLMetry (``gen_ai.prompt.N.*``). The input is never modified; the result keeps every
original attribute and adds the semconv ones that were missing.
"""

from __future__ import annotations

from typing import Any

from otel_llm import attributes as attrs

_RENAMES = {
    "gen_ai.usage.prompt_tokens": attrs.GEN_AI_USAGE_INPUT_TOKENS,
    "gen_ai.usage.completion_tokens": attrs.GEN_AI_USAGE_OUTPUT_TOKENS,
}


def to_semconv(attributes: dict[str, Any]) -> dict[str, Any]:
    out = dict(attributes)
    for old, new in _RENAMES.items():
        if old in out and new not in out:
            out[new] = out[old]
    if attrs.GEN_AI_SYSTEM in out and attrs.GEN_AI_PROVIDER_NAME not in out:
        out[attrs.GEN_AI_PROVIDER_NAME] = out[attrs.GEN_AI_SYSTEM]
    return out
