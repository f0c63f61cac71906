"""``otel-llm demo``: the whole product on the embedded SQLite default, nothing else installed."""

from __future__ import annotations

import os

import click

from cli import demo_app
from cli.db import database_url as chosen_database_url


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Console address.")
@click.option("--port", default=5000, show_default=True, type=int, help="Console port.")
@click.option(
    "--rounds", default=2, show_default=True, type=click.IntRange(1, 50), help="Rounds of sample calls."
)
@click.option("--no-serve", is_flag=True, help="Record the sample calls, print the summary, and exit.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, rounds: int, no_serve: bool) -> None:
    """Run a sample app against the local provider, store its spans, and serve the console.

    Migrates the database (default: sqlite:///otel_llm.db), starts the local OpenAI/Anthropic-compatible
    provider, makes several dozen calls through the real openai and anthropic SDKs (two prompt
    versions, two experiment variants, streamed and not, a few failures), then serves the console.

    \b
    Example:
      otel-llm demo
      otel-llm demo --port 8080
      OTEL_LLM_DATABASE_URL=postgresql://localhost/otel otel-llm demo --no-serve
    """
    import otel_llm
    from otel_llm import pipeline
    from otel_llm.mockllm import MockLLMServer
    from otel_llm.storage import migrate

    url = chosen_database_url(ctx)
    click.echo(f"Database: {url}")
    migrate.upgrade(url)
    provider = MockLLMServer(port=0, latency_ms=15).start()
    # Replays and experiment runs started from the console go to the same local provider.
    os.environ["OTEL_LLM_MOCK_URL"] = provider.url
    click.echo(f"Local LLM provider: {provider.url}")

    otel_llm.configure(database_url=url)
    otel_llm.instrument()
    summary = demo_app.run(provider.url, rounds=rounds)
    pipeline.flush()
    click.echo(
        f"Sample app made {summary.calls} LLM calls ({summary.errors} failed on purpose); spans stored."
    )
    if no_serve:
        otel_llm.shutdown()
        provider.stop()
        return
    _serve(url, host, port)
    provider.stop()


def _serve(url: str, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from web import create_app

    app = create_app({"DATABASE_URL": url})
    click.echo(f"Console: http://{host}:{port}/  (Ctrl-C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)
