"""``otel-llm mcp``: the Model Context Protocol server for coding agents (stdio or streamable HTTP)."""

from __future__ import annotations

import os

import click
from otel_llm_server.cli.dbcheck import migrated_engine

from otel_llm import settings


@click.command()
@click.option(
    "--http", "use_http", is_flag=True, help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (--http).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port (--http).")
@click.pass_context
def mcp(ctx: click.Context, use_http: bool, host: str, port: int) -> None:
    """Serve the MCP server: stored calls, traces, prompts, experiments and replays as tools for agents.

    Over stdio (what an editor starts) every call runs as the API key in OTEL_LLM_API_KEY; over
    HTTP (--http) each request sends its own key as 'Authorization: Bearer <key>'. A key sees its
    own project only; replay_span and add_feedback need an editor key. See docs/mcp.md.

    \b
    Example:
      otel-llm keys create --project default --role viewer --name my-editor
      OTEL_LLM_API_KEY=ollm_… otel-llm mcp
      otel-llm mcp --http --port 8765
    """
    from otel_llm_server.mcp_server.access import AccessDenied
    from otel_llm_server.mcp_server.server import OtelLlmMcp

    engine = migrated_engine(ctx)
    if use_http:
        from otel_llm_server.mcp_server.http import PATH, listen, serve

        try:
            sock = listen(host, port)
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({os.strerror(exc.errno) if exc.errno else exc}); choose another --port."
            ) from exc
        click.echo(f"MCP (streamable HTTP): http://{host}:{port}{PATH}  (Ctrl-C to stop)", err=True)
        serve(OtelLlmMcp(engine), sock, host)
        return
    key = settings.api_key()
    server = OtelLlmMcp(engine, api_key=key or "")
    try:
        caller = server.caller(None)
    except AccessDenied as exc:
        raise click.ClickException(f"{exc} (OTEL_LLM_API_KEY)") from exc
    click.echo(f"otel-llm MCP on stdio: project {caller.project_name}, role {caller.role}", err=True)
    server.mcp.run("stdio")
