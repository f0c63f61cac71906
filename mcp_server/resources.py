"""Resources an agent can read (or attach) in full: ``prompt://NAME@vN`` (a prompt version: its
template and config) and ``span://SPAN_ID`` (a stored span, decoded, nothing cut)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from otel_llm_server.mcp_server.compact import jsonable
from otel_llm_server.mcp_server.registry import NotInProject

from otel_llm import traces
from otel_llm.prompts import versions
from otel_llm.prompts.names import parse_version

if TYPE_CHECKING:
    from otel_llm_server.mcp_server.server import OtelLlmMcp


def register(server: OtelLlmMcp) -> None:
    from otel_llm_server.mcp_server.server import dumps

    @server.mcp.resource(
        "prompt://{name}@v{version}",
        name="prompt version",
        description="One version of a prompt of the key's project: template, config, labels, hashes.",
        mime_type="application/json",
    )
    def prompt_version(name: str, version: str, ctx: Context) -> str:
        def read(engine, caller) -> Any:
            found = versions.get_version(engine, caller.project_id, name, parse_version(version))
            return dumps(found.to_dict())

        return server.read(ctx.headers, read)

    @server.mcp.resource(
        "span://{span_id}",
        name="span",
        description="A stored span of the key's project, decoded: messages, output, parameters, tokens, "
        "cost, tags and raw attributes (nothing cut).",
        mime_type="application/json",
    )
    def span(span_id: str, ctx: Context) -> str:
        def read(engine, caller) -> Any:
            row = traces.get_span(engine, caller.project_id, span_id)
            if row is None:
                raise NotInProject(f"no span {span_id!r} in project {caller.project_name}.")
            return dumps(jsonable(traces.span_view(row)))

        return server.read(ctx.headers, read)
