"""Searching stored calls, reading a span, reading a trace tree (the traces service)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS, jsonable, span_row, truncate_all
from otel_llm_server.mcp_server.registry import InvalidArgument, NotInProject, ToolEnv, tool
from otel_llm_server.mcp_server.tools.scores import span_scores
from pydantic import Field

from otel_llm import traces
from otel_llm.traces.tree import build_tree

MAX_TREE_SPANS = 200
_AGO = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Text = Annotated[str | None, Field(description="Exact value to match; omit to not filter.")]
When = Annotated[
    str | None,
    Field(description="An age such as 30m, 12h, 7d, 2w, or an ISO 8601 time (UTC when no offset)."),
]
MaxChars = Annotated[
    int,
    Field(
        ge=0,
        description=f"Cut each text (message, output, system prompt) to this many characters "
        f"(default {DEFAULT_MAX_CHARS}; 0 for everything).",
    ),
]


def parse_when(value: str | None, name: str) -> datetime | None:
    """``30m``/``12h``/``7d``/``2w`` ago, or an ISO 8601 time; ``InvalidArgument`` naming ``name``."""
    if value is None or not value.strip():
        return None
    match = _AGO.match(value.strip().lower())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(
            f"{name} {value!r} is not a time; use 30m, 12h, 7d, 2w or an ISO date such as 2026-11-27T09:00."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@tool("viewer")
def search_llm_calls(
    env: ToolEnv,
    *,
    model: Annotated[str | None, Field(description="Request or response model, e.g. gpt-4o-mini.")] = None,
    provider: Annotated[str | None, Field(description="Provider, e.g. openai, anthropic, gemini.")] = None,
    status: Annotated[
        Literal["ok", "error"] | None, Field(description="Only failed (error) or successful (ok) calls.")
    ] = None,
    since: When = None,
    until: When = None,
    prompt_name: Annotated[str | None, Field(description="Prompt name tag (prompt registry).")] = None,
    prompt_version: Annotated[str | None, Field(description="Prompt version tag, e.g. 3.")] = None,
    experiment: Annotated[str | None, Field(description="Experiment tag.")] = None,
    variant: Annotated[str | None, Field(description="Experiment variant tag.")] = None,
    text: Annotated[str | None, Field(description="Case-insensitive text in the span name.")] = None,
    include_non_llm: Annotated[
        bool, Field(description="Also list agent, tool, retrieval and other non-model spans.")
    ] = False,
    sort: Annotated[Literal["time", "duration", "cost"], Field(description="Order by this.")] = "time",
    ascending: Annotated[bool, Field(description="Oldest / shortest / cheapest first.")] = False,
    limit: Annotated[int, Field(ge=1, le=200, description="Rows per page (default 20).")] = 20,
    cursor: Annotated[
        str | None, Field(description="next_cursor of the previous page, with the same filters.")
    ] = None,
) -> dict[str, Any]:
    """Search the stored LLM calls (spans) of this project, newest first: the filters of
    `otel-llm traces list`. Each row has span_id and trace_id (for get_span / get_trace), model,
    status, duration, tokens, cost and prompt/experiment tags."""
    flt = traces.SpanFilter(
        since=parse_when(since, "since"),
        until=parse_when(until, "until"),
        provider=provider,
        model=model,
        status=status,
        prompt_name=prompt_name,
        prompt_version=prompt_version,
        experiment=experiment,
        variant=variant,
        text=text,
        llm_only=not include_non_llm,
    )
    page = traces.list_spans(env.engine, env.caller.project_id, flt, sort, not ascending, cursor, limit)
    result: dict[str, Any] = {"items": [span_row(r) for r in page.items], "next_cursor": page.next_cursor}
    if page.next_cursor:
        result["note"] = "more rows: call again with cursor=next_cursor and the same filters."
    if not page.items:
        result["note"] = "no span matches these filters in this project."
    return result


@tool("viewer")
def get_span(
    env: ToolEnv,
    *,
    span_id: Annotated[str, Field(description="Span id, 16 hex digits (from search_llm_calls).")],
    max_chars: MaxChars = DEFAULT_MAX_CHARS,
    include_raw: Annotated[
        bool, Field(description="Also return the raw attributes, events and resource.")
    ] = False,
) -> dict[str, Any]:
    """One stored span, decoded: model, parameters, system prompt, input and output messages, tools,
    tokens, cost, duration, status and error, prompt/experiment tags, and its scores (the span's
    own and its trace's). Long texts are cut (see max_chars); the resource span://SPAN_ID holds
    everything."""
    row = traces.get_span(env.engine, env.caller.project_id, span_id)
    if row is None:
        raise NotInProject(
            f"no span {span_id!r} in project {env.caller.project_name}; search_llm_calls lists span ids."
        )
    view = traces.span_view(row)
    view.pop("request", None)  # the request record repeats the messages and parameters
    for raw in ("attributes", "events", "resource"):
        if not include_raw:
            view.pop(raw, None)
    view["scores"] = span_scores(env, row["span_id"], row["trace_id"])
    view = _pruned({k: _pruned(v) if k in ("status", "tokens") else v for k, v in view.items()})
    more = f"call get_span with max_chars=0, or read span://{row['span_id']}"
    return truncate_all(jsonable(view), max_chars, more)


@tool("viewer")
def get_trace(
    env: ToolEnv,
    *,
    trace_id: Annotated[str, Field(description="Trace id, 32 hex digits (from search_llm_calls).")],
) -> dict[str, Any]:
    """Every stored span of a trace as a parent/child tree (agent steps, tool calls, model calls),
    each node a compact row with its children. Read one node in full with get_span."""
    rows = traces.trace_spans(env.engine, env.caller.project_id, trace_id)
    if not rows:
        raise NotInProject(f"no trace {trace_id!r} in project {env.caller.project_name}.")
    shown = rows[:MAX_TREE_SPANS]
    result: dict[str, Any] = {
        "trace_id": rows[0]["trace_id"],
        "span_count": len(rows),
        "tree": [_node(n) for n in build_tree(shown)],
    }
    if len(rows) > len(shown):
        result["note"] = (
            f"the first {len(shown)} of {len(rows)} spans by start time; list the rest with "
            "search_llm_calls (include_non_llm=true) and read them with get_span."
        )
    return result


def _pruned(value: dict[str, Any]) -> dict[str, Any]:
    """Without the fields that say nothing (None, empty, False), so the agent reads only what is set."""
    return {k: v for k, v in value.items() if v not in (None, {}, [], False, "")}


def _node(node: dict[str, Any]) -> dict[str, Any]:
    row = span_row(node["span"])
    row.pop("trace_id", None)
    if node["children"]:
        row["children"] = [_node(c) for c in node["children"]]
    return row
