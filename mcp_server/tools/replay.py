"""Replaying a stored call with overrides (editor keys), through the replay service."""

from __future__ import annotations

from typing import Annotated, Any

from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS, jsonable, truncate_all
from otel_llm_server.mcp_server.registry import ToolEnv, tool
from otel_llm_server.mcp_server.tools.traces import MaxChars
from pydantic import Field

from otel_llm import providers
from otel_llm.replay import Overrides
from otel_llm.replay.run import replay_span as run_replay


@tool("editor", calls_provider=True)
def replay_span(
    env: ToolEnv,
    *,
    span_id: Annotated[str, Field(description="Span id (16 hex digits) of the stored call to send again.")],
    model: Annotated[str | None, Field(description="Send to this model instead, e.g. gpt-4o.")] = None,
    provider: Annotated[
        str | None,
        Field(description=f"Send to this provider instead: {', '.join(providers.names())}."),
    ] = None,
    temperature: Annotated[float | None, Field(description="Sampling temperature to use instead.")] = None,
    max_tokens: Annotated[int | None, Field(ge=1, description="Output token limit to use instead.")] = None,
    system_prompt: Annotated[str | None, Field(description="System prompt text to use instead.")] = None,
    prompt: Annotated[
        str | None,
        Field(
            description="Prompt-registry version to use as system prompt, NAME@vN (not with system_prompt)."
        ),
    ] = None,
    no_cache: Annotated[bool, Field(description="Remove prompt-cache markers from the request.")] = False,
    dry_run: Annotated[
        bool, Field(description="Only build and return the request that would be sent; call nothing.")
    ] = False,
    max_chars: MaxChars = DEFAULT_MAX_CHARS,
) -> dict[str, Any]:
    """Send a stored LLM call again, as it was or with overrides (model, provider, temperature, max
    tokens, system prompt or a prompt version), and compare the new answer with the original:
    output similarity and word diff, tokens, cost, latency. The replay is stored and traced in this
    project (see it with get_span on replay.span_id). Needs an editor key."""
    overrides = Overrides(
        model=model,
        provider=provider,
        temperature=temperature,
        max_tokens=max_tokens,
        system_prompt=system_prompt,
        prompt=prompt,
        no_cache=no_cache,
    )
    result = run_replay(
        env.engine,
        env.caller.project_id,
        span_id,
        overrides,
        actor=env.caller.actor,
        dry_run=dry_run,
    )
    data = result.to_json()
    data["request"].pop("notes", None)  # the same sentences as "warnings"
    more = "call replay_span again with dry_run=true and max_chars=0, or read the replay span with get_span"
    return truncate_all(jsonable(data), max_chars, more)
