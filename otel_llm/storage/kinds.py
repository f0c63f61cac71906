"""What a span is: the one classification of stored spans into kinds (the ``spans.category`` column).

A span is a model call (``llm``: chat, text completion, generate content, responses), an embeddings
call, an agent, a tool call, a retrieval, a rerank, a chain (workflow, task) or ``other``. The kind
comes from, in this order:

1. the GenAI conventions' ``gen_ai.operation.name`` (also derived from OpenLLMetry's
   ``llm.request.type`` by ``foreign.to_semconv``);
2. OpenInference's ``openinference.span.kind``;
3. OpenLLMetry's ``traceloop.span.kind``;
4. an unknown or missing operation on a span that names a model (an LLM call of an instrumentation
   that says nothing else).

Only ``llm`` spans are LLM calls (``spans.is_llm``): they alone count in traffic statistics (LLM-call
lists, overview, prompt metrics, experiment results). Embeddings are stored with their cost but are
not LLM calls. The mappings are data, so migration ``0015_span_kinds`` classifies stored rows in SQL
with the same rules (``sql_case``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from otel_llm import attributes as attrs

LLM: Final = "llm"
EMBEDDING: Final = "embedding"
CATEGORIES: Final = (LLM, EMBEDDING, "agent", "tool", "retrieval", "rerank", "chain", "other")
COSTED: Final = frozenset({LLM, EMBEDDING})
"""Kinds whose tokens are priced (the others' token counts, e.g. an agent's totals, are not a cost)."""

OPERATIONS: Final[Mapping[str, str]] = {
    "chat": LLM,
    "text_completion": LLM,
    "completion": LLM,
    "generate_content": LLM,
    "responses": LLM,
    "embeddings": EMBEDDING,
    "embedding": EMBEDDING,  # OpenLLMetry's llm.request.type
    "invoke_agent": "agent",
    "create_agent": "agent",
    "execute_tool": "tool",
    "retrieval": "retrieval",
    "rerank": "rerank",
    "invoke_workflow": "chain",
}
"""``gen_ai.operation.name`` values → kind."""

OPENINFERENCE_KINDS: Final[Mapping[str, str]] = {
    "LLM": LLM,
    "EMBEDDING": EMBEDDING,
    "AGENT": "agent",
    "TOOL": "tool",
    "RETRIEVER": "retrieval",
    "RERANKER": "rerank",
    "CHAIN": "chain",
    "GUARDRAIL": "other",
    "EVALUATOR": "other",
    "PROMPT": "other",
    "UNKNOWN": "other",
}
"""``openinference.span.kind`` values → kind."""

TRACELOOP_KINDS: Final[Mapping[str, str]] = {
    "workflow": "chain",
    "task": "chain",
    "agent": "agent",
    "tool": "tool",
    "unknown": "other",
}
"""``traceloop.span.kind`` values → kind."""

MODEL_NAMES: Final = (attrs.GEN_AI_REQUEST_MODEL, attrs.GEN_AI_RESPONSE_MODEL)
"""Attributes whose presence makes an otherwise unclassified span a model call."""


def classify(attributes: Mapping[str, Any]) -> str:
    """The kind of a span from its (semconv-mapped, see ``foreign.to_semconv``) attributes."""
    for name, table in _SOURCES:
        kind = table.get(str(attributes.get(name)))
        if kind is not None:
            return kind
    if any(attributes.get(name) for name in MODEL_NAMES):
        return LLM
    return "other"


_SOURCES: Final = (
    (attrs.GEN_AI_OPERATION_NAME, OPERATIONS),
    (attrs.OPENINFERENCE_SPAN_KIND, OPENINFERENCE_KINDS),
    (attrs.TRACELOOP_SPAN_KIND, TRACELOOP_KINDS),
)


def sql_case(attribute: Callable[[str], str]) -> str:
    """``classify`` as a SQL ``CASE`` over a row's stored attributes; ``attribute(name)`` is the SQL
    text of one attribute's value (a JSON extraction on the dialect at hand)."""
    whens = [
        f"WHEN {attribute(name)} = '{value}' THEN '{kind}'"
        for name, table in _SOURCES
        for value, kind in table.items()
    ]
    model = " OR ".join(f"COALESCE({attribute(name)}, '') <> ''" for name in MODEL_NAMES)
    return f"CASE {' '.join(whens)} WHEN {model} THEN '{LLM}' ELSE 'other' END"
