"""Dataset items from stored spans: the span's input messages (its system instructions first) become
the item's input, its answer the expected output, and the item keeps the span's trace and span ids.

Spans are chosen with the traces service (``SpanFilter``, the filters of ``traces list``) or given by
(trace id, span id). Stored spans are untrusted input: a span whose messages do not make a valid
item is skipped with the reason, as is a span the dataset already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm.datasets import service
from otel_llm.datasets.errors import DatasetError
from otel_llm.datasets.model import DatasetVersion, ItemSpec, validate_item
from otel_llm.providers.neutral import message_text
from otel_llm.replay.diff import output_text
from otel_llm.storage.vocabulary import MAX_DATASET_SPANS as MAX_SPANS
from otel_llm.traces import SpanFilter, list_spans, span_view, spans_by_keys

_PAGE = 200


@dataclass
class FromSpans:
    """What adding spans did: the new version (None when nothing was added) and what was skipped."""

    version: DatasetVersion | None
    added: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"span_id", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version.to_dict() if self.version else None,
            "added": self.added,
            "skipped": self.skipped,
        }


def item_from_span(row: dict[str, Any]) -> ItemSpec:
    """The item a stored span (a full row) makes; ``DatasetError`` saying why when it makes none."""
    view = span_view(row)
    if view["content_truncated"]:
        raise DatasetError("its content was truncated when stored (OTEL_LLM_MAX_CONTENT_BYTES)")
    raw = view["input_messages"]
    messages = [_message(m) for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []
    if not messages:
        raise DatasetError("it has no captured input messages")
    if view["system"] and not view["system_in_messages"]:
        messages.insert(0, {"role": "system", "content": view["system"]})
    expected = output_text(row) or None
    metadata = {k: v for k, v in _metadata(row).items() if v}
    item = ItemSpec(messages, None, expected, metadata, row["trace_id"], row["span_id"])
    return validate_item(item)


def _message(message: dict[str, Any]) -> dict[str, Any]:
    role = message.get("role")
    text = message_text(message)
    parts = message.get("parts")
    if not text and isinstance(parts, list) and parts:
        kinds = sorted({str(p.get("type")) for p in parts if isinstance(p, dict)})
        raise DatasetError(
            f"a {role} message holds no text, only {', '.join(kinds) or 'other'} parts, which an item cannot hold"
        )
    return {"role": role if isinstance(role, str) else "user", "content": text}


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    prompt = f"{row['prompt_name']}@v{row['prompt_version']}" if row.get("prompt_name") else None
    return {
        "model": row.get("response_model") or row.get("request_model"),
        "provider": row.get("provider"),
        "prompt": prompt,
    }


def add_spans(
    engine: Engine, project_id: int, name: str, rows: list[dict[str, Any]], actor: str = ""
) -> FromSpans:
    """Add the spans (full rows) that make items, as one new version."""
    held = {(i.source_trace_id, i.source_span_id) for i in service.resolve(engine, project_id, name)}
    items, skipped = [], []
    for row in rows:
        key = (row["trace_id"], row["span_id"])
        try:
            if key in held:
                raise DatasetError("the dataset already holds it")
            items.append(item_from_span(row))
            held.add(key)
        except DatasetError as exc:
            skipped.append({"span_id": row["span_id"], "reason": str(exc).rstrip(".")})
    if not items:
        return FromSpans(None, 0, skipped)
    version = service.add_items(engine, project_id, name, items, actor=actor)
    return FromSpans(version, len(items), skipped)


def add_matching(
    engine: Engine, project_id: int, name: str, flt: SpanFilter, limit: int = 200, actor: str = ""
) -> FromSpans:
    """Add up to ``limit`` spans matching ``flt`` (newest first), as ``traces list`` shows them."""
    if not 1 <= limit <= MAX_SPANS:
        raise DatasetError(f"limit {limit} is out of range; add 1 to {MAX_SPANS} spans at a time.")
    service.get(engine, project_id, name)  # a missing dataset is an error before any span is read
    chosen: list[dict[str, Any]] = []
    cursor = None
    while len(chosen) < limit:
        page = list_spans(engine, project_id, flt, cursor=cursor, limit=min(_PAGE, limit - len(chosen)))
        chosen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    rows = spans_by_keys(engine, project_id, [(s["trace_id"], s["span_id"]) for s in chosen])
    return add_spans(engine, project_id, name, rows, actor)


def add_span_keys(
    engine: Engine, project_id: int, name: str, keys: list[tuple[str, str]], actor: str = ""
) -> FromSpans:
    """Add the project's spans given as (trace id, span id); unknown ones are skipped."""
    if not keys:
        raise DatasetError("no spans given; select at least one span.")
    if len(keys) > MAX_SPANS:
        raise DatasetError(f"{len(keys)} spans given; add 1 to {MAX_SPANS} spans at a time.")
    service.get(engine, project_id, name)
    rows = spans_by_keys(engine, project_id, keys)
    found = {(r["trace_id"], r["span_id"]) for r in rows}
    missing = [
        {"span_id": s, "reason": "no such span in this project"}
        for t, s in keys
        if (t.lower(), s.lower()) not in found
    ]
    result = add_spans(engine, project_id, name, rows, actor)
    result.skipped = missing + result.skipped
    return result
