"""Datasets: versioned collections of test items (``otel_llm.datasets``), and stored spans added
to one as items (``otel_llm.datasets.from_spans``, as the console's "Add to dataset" does)."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS, truncate_all
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from pydantic import BaseModel, Field

from otel_llm import datasets
from otel_llm.datasets import from_spans

PAGE = 20
"""Items per page of ``get_dataset_items`` unless asked for another size."""
MAX_SKIPPED = 20
"""Skipped spans listed by ``add_spans_to_dataset`` (the rest are counted)."""

Name = Annotated[str, Field(description="Dataset name, as list_datasets shows it.")]


class SpanRef(BaseModel):
    """A stored span, by the two ids search_llm_calls and get_span return."""

    trace_id: str = Field(description="Trace id, 32 hex digits.")
    span_id: str = Field(description="Span id, 16 hex digits.")


@tool("viewer")
def list_datasets(env: ToolEnv) -> dict[str, Any]:
    """The datasets of this project: name, description, current version and number of items.
    Read the items with get_dataset_items."""
    items = [
        {k: v for k, v in d.to_dict().items() if k != "id" and v not in (None, "")}
        for d in datasets.list_datasets(env.engine, env.caller.project_id)
    ]
    result: dict[str, Any] = {"items": items}
    if not items:
        result["note"] = "no dataset in this project; an editor key can fill one with add_spans_to_dataset."
    return result


@tool("viewer")
def get_dataset_items(
    env: ToolEnv,
    *,
    ref: Annotated[
        str, Field(description="NAME (the current version) or NAME@vN (that version), e.g. support-qa@v3.")
    ],
    offset: Annotated[
        int, Field(ge=0, description="Skip this many items (next_offset of the previous page).")
    ] = 0,
    limit: Annotated[int, Field(ge=1, le=200, description=f"Items per page (default {PAGE}).")] = PAGE,
    max_chars: Annotated[
        int,
        Field(
            ge=0,
            description=f"Cut each text (message, expected output) to this many characters "
            f"(default {DEFAULT_MAX_CHARS}; 0 for everything).",
        ),
    ] = DEFAULT_MAX_CHARS,
) -> dict[str, Any]:
    """The items of one version of a dataset, in the order they were added: item id, input (chat
    messages or prompt variables), expected output, metadata and the span it was taken from."""
    name, version = datasets.parse_ref(ref)
    found = datasets.snapshot(env.engine, env.caller.project_id, name, version)
    page = found.items[offset : offset + limit]
    more = f"call get_dataset_items with ref={name}@v{found.version.number}, offset={offset} and max_chars=0"
    result: dict[str, Any] = {
        "dataset": name,
        "version": found.version.number,
        "item_count": len(found.items),
        "items": truncate_all([_item(i) for i in page], max_chars, more),
        "next_offset": None,
    }
    if offset + len(page) < len(found.items):
        result["next_offset"] = offset + len(page)
        result["note"] = (
            f"items {offset + 1}-{offset + len(page)} of {len(found.items)}: call again with "
            f"offset=next_offset and ref={name}@v{found.version.number}."
        )
    return result


def _item(item: datasets.DatasetItem) -> dict[str, Any]:
    row = {
        "id": item.id,
        **item.input,
        "expected_output": item.expected_output,
        "metadata": item.metadata,
        "source_span_id": item.source_span_id,
        "source_trace_id": item.source_trace_id,
    }
    return {k: v for k, v in row.items() if v not in (None, {}, "")}


@tool("editor")
def add_spans_to_dataset(
    env: ToolEnv,
    *,
    name: Name,
    spans: Annotated[
        list[SpanRef],
        Field(
            min_length=1,
            max_length=from_spans.MAX_SPANS,
            description="The spans to add, each {trace_id, span_id} as search_llm_calls lists them.",
        ),
    ],
) -> dict[str, Any]:
    """Add stored LLM calls to a dataset as items, as one new version: each span's input messages
    become the item's input and its answer the expected output, linked back to the span. Spans that
    make no item (no captured messages, already in the dataset, not in this project) are skipped
    with the reason. Needs an editor key."""
    keys = [(s.trace_id, s.span_id) for s in spans]
    done = from_spans.add_span_keys(env.engine, env.caller.project_id, name, keys, actor=env.caller.actor)
    version = done.version
    result: dict[str, Any] = {
        "dataset": name,
        "added": done.added,
        "version": version.number if version else None,
        "item_count": version.item_count if version else None,
        "skipped": done.skipped[:MAX_SKIPPED],
    }
    notes = []
    if version is None:
        notes.append("nothing was added, so the dataset keeps its version.")
    if len(done.skipped) > MAX_SKIPPED:
        notes.append(f"{len(done.skipped) - MAX_SKIPPED} more spans were skipped (not listed).")
    if notes:
        result["note"] = " ".join(notes)
    return result
