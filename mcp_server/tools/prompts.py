"""The prompt registry: prompts, versions, a version's text, diffs and per-version metrics."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS, truncate
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from otel_llm_server.mcp_server.tools.traces import MaxChars
from pydantic import Field

from otel_llm.prompts import catalog, metrics, versions
from otel_llm.prompts import diff as prompt_diff
from otel_llm.prompts.models import Version
from otel_llm.prompts.names import parse_ref

PREVIEW_CHARS = 160
MAX_DIFF_LINES = 400

Name = Annotated[str, Field(description="Prompt name, as list_prompts shows it.")]
Ref = Annotated[
    str,
    Field(
        description="NAME@vN (a version), NAME@LABEL (e.g. support@production, support@staging), "
        "NAME@latest, or NAME alone (the published version)."
    ),
]


def uri(version: Version) -> str:
    return f"prompt://{version.name}@v{version.version}"


@tool("viewer")
def list_prompts(env: ToolEnv) -> dict[str, Any]:
    """The prompts of this project: name, number of versions, latest and published (production)
    version, and where each label points."""
    items = [p.to_dict() for p in catalog.list_prompts(env.engine, env.caller.project_id)]
    for item in items:
        item.pop("created_at", None)
    return {"items": items}


@tool("viewer")
def list_prompt_versions(
    env: ToolEnv,
    *,
    name: Name,
    include_archived: Annotated[bool, Field(description="Also list archived versions.")] = True,
) -> dict[str, Any]:
    """The versions of one prompt, newest first: number, labels, author, date, change summary and
    the template's first characters. Read a whole version with get_prompt_version."""
    found = versions.list_versions(env.engine, env.caller.project_id, name, include_archived=include_archived)
    return {"name": name, "items": [_summary(v) for v in found]}


def _summary(v: Version) -> dict[str, Any]:
    data = v.to_dict()
    return {
        "version": v.version,
        "labels": data["labels"],
        "published": data["published"],
        "archived": v.archived,
        "author": v.author,
        "created_at": data["created_at"],
        "change_summary": v.change_summary,
        "model": v.config.get("model"),
        "template_start": truncate(v.template, PREVIEW_CHARS, f"get_prompt_version {v.name}@v{v.version}"),
    }


@tool("viewer")
def get_prompt_version(env: ToolEnv, *, ref: Ref, max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
    """One version of a prompt: its template (with {{variables}}), model config, labels, hashes,
    author and change summary. Also readable as the resource prompt://NAME@vN."""
    version = versions.resolve(env.engine, env.caller.project_id, parse_ref(ref))
    data = version.to_dict()
    more = f"call get_prompt_version with max_chars=0, or read {uri(version)}"
    data["template"] = truncate(version.template, max_chars, more)
    data["uri"] = uri(version)
    return data


@tool("viewer")
def diff_prompt_versions(
    env: ToolEnv,
    *,
    a: Annotated[str, Field(description="The older version, e.g. support@v1 (or support@production).")],
    b: Annotated[str, Field(description="The newer version of the same prompt, e.g. support@v2.")],
) -> dict[str, Any]:
    """A unified diff of two versions of one prompt: the template, then the model config."""
    ref_a, ref_b = parse_ref(a), parse_ref(b)
    old = versions.resolve(env.engine, env.caller.project_id, ref_a)
    new = versions.resolve(env.engine, env.caller.project_id, ref_b)
    lines = prompt_diff.unified(old, new)
    result: dict[str, Any] = {"a": uri(old), "b": uri(new), "unified": lines[:MAX_DIFF_LINES]}
    if not lines:
        result["note"] = "the two versions have the same template and config."
    elif len(lines) > MAX_DIFF_LINES:
        result["note"] = (
            f"{len(lines) - MAX_DIFF_LINES} more diff lines; read both versions with get_prompt_version."
        )
    return result


@tool("viewer")
def prompt_metrics(
    env: ToolEnv,
    *,
    name: Name,
    since: Annotated[str, Field(description="Time window: 30m, 24h, 7d (default), 2w, or all.")] = "7d",
) -> dict[str, Any]:
    """Per-version traffic of one prompt over a time window: calls, errors, success rate, feedback,
    p50/p95 latency, average tokens and cost. Versions without traffic show zero calls."""
    rows = metrics.version_metrics(env.engine, env.caller.project_id, name, since=metrics.parse_window(since))
    return {"name": name, "since": since, "items": [m.to_dict() for m in rows]}
