"""Scores: named, typed judgements on spans and traces (the scores service, ``otel_llm.scores``).

Reading them (``list_score_configs``, ``list_scores``, and the ``scores`` of ``get_span``) needs a
viewer key; ``add_score`` an editor key. Every value is checked against its name's config by the
service, which words the refusal (``5 is outside the scale of score 'helpfulness': 1 to 4.``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS, truncate_all
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from pydantic import Field

from otel_llm import scores

PAGE = 50
"""Scores per page of ``list_scores`` unless asked for another size."""

Target = Annotated[
    str, Field(description="A span id (16 hex digits) or a trace id (32 hex digits) of this project.")
]


def score_row(score: scores.Score) -> dict[str, Any]:
    """One score, compact: what it is on, its value as a user reads it, who gave it and why."""
    row = {
        "id": score.id,
        "name": score.name,
        "value": score.string_value if score.string_value is not None else score.value,
        "span_id": score.span_id,
        "trace_id": score.trace_id,
        "given_by": score.given_by,
        "author": score.author,
        "comment": score.comment,
        "eval_run_id": score.eval_run_id,
        "created_at": score.created_at.isoformat() if score.created_at else None,
    }
    return {k: v for k, v in row.items() if v not in (None, "")}


def span_scores(env: ToolEnv, span_id: str, trace_id: str) -> dict[str, Any]:
    """The ``scores`` of a ``get_span`` result: the span's own, then its trace's as a whole."""
    on_span = scores.scores_for_spans(env.engine, env.caller.project_id, [span_id]).get(span_id, [])
    on_trace = scores.scores_for_trace(env.engine, env.caller.project_id, trace_id)
    found = {"span": [score_row(s) for s in on_span], "trace": [score_row(s) for s in on_trace]}
    return {k: v for k, v in found.items() if v}


@tool("viewer")
def list_score_configs(env: ToolEnv) -> dict[str, Any]:
    """The score names this project declares, each with its type (numeric, boolean, categorical)
    and the values it accepts (e.g. 1 to 5, true or false, friendly, rude). add_score takes only
    these names and values."""
    items = [
        {
            k: v
            for k, v in c.to_dict().items()
            if k not in ("created_at", "updated_at") and v not in (None, [], "")
        }
        for c in scores.list_configs(env.engine, env.caller.project_id)
    ]
    result: dict[str, Any] = {"items": items}
    if not items:
        result["note"] = (
            "no score declared in this project; declare one with `otel-llm scores config set NAME --type "
            "numeric --min 1 --max 5`."
        )
    return result


@tool("viewer")
def list_scores(
    env: ToolEnv,
    *,
    target: Annotated[
        str | None,
        Field(
            description="Only scores on this span (16 hex digits) or trace (32 hex digits, its spans' included)."
        ),
    ] = None,
    name: Annotated[str | None, Field(description="Only this score name (see list_score_configs).")] = None,
    source: Annotated[
        Literal["human", "api", "evaluator"] | None,
        Field(description="Only scores from people, API keys (and the SDK), or evaluators."),
    ] = None,
    eval_run_id: Annotated[
        int | None, Field(ge=1, description="Only the scores of this evaluation run.")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=200, description=f"Scores per page (default {PAGE}).")] = PAGE,
    cursor: Annotated[
        int | None, Field(ge=1, description="next_cursor of the previous page, with the same filters.")
    ] = None,
    max_chars: Annotated[
        int,
        Field(
            ge=0,
            description=f"Cut each comment to this many characters (default {DEFAULT_MAX_CHARS}; 0 for all).",
        ),
    ] = DEFAULT_MAX_CHARS,
) -> dict[str, Any]:
    """Scores of this project, newest first: name, value, what it is on (span_id / trace_id), who
    gave it (a person, an API key, an evaluator such as exact@1), comment, evaluation run."""
    found = scores.list_scores(
        env.engine,
        env.caller.project_id,
        name=name,
        target=scores.parse_target(target) if target else None,
        source=source,
        eval_run_id=eval_run_id,
        before_id=cursor,
        limit=limit + 1,
    )
    page = found[:limit]
    rows = truncate_all([score_row(s) for s in page], max_chars, "call list_scores with max_chars=0")
    result: dict[str, Any] = {"items": rows, "next_cursor": None}
    if len(found) > limit:
        result["next_cursor"] = page[-1].id
        result["note"] = "more scores: call again with cursor=next_cursor and the same filters."
    if not page:
        result["note"] = "no score matches these filters in this project."
    return result


@tool("editor")
def add_score(
    env: ToolEnv,
    *,
    target: Target,
    name: Annotated[str, Field(description="A declared score name, as list_score_configs shows it.")],
    value: Annotated[
        float | bool | str,
        Field(description="A number on the score's scale, true/false, or one of its categories."),
    ],
    comment: Annotated[str | None, Field(description="Why this score (optional).")] = None,
) -> dict[str, Any]:
    """Record a score on a stored span or trace, checked against the score's config (a value off its
    scale or an unknown category is refused, saying what is accepted). Shown by get_span and
    list_scores, and used by experiment and evaluation results. Needs an editor key."""
    on = scores.parse_target(target)
    stored = scores.add_score(
        env.engine,
        env.caller.project_id,
        name,
        value,
        span_id=on.span_id,
        trace_id=on.trace_id,
        comment=comment,
        source="api",
        source_name="mcp",
        author=env.caller.actor,
    )
    return {"score": score_row(stored)}
