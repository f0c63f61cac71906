"""``otel-llm demo``: the whole product on the embedded SQLite default, nothing else installed."""

from __future__ import annotations

import os
import secrets

import click
from otel_llm_server.cli.db import database_url as chosen_database_url

DEMO_EMAIL = "demo@otel-llm.local"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Console address.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Console port.")
@click.option(
    "--rounds", default=4, show_default=True, type=click.IntRange(1, 50), help="Rounds of sample calls."
)
@click.option("--no-serve", is_flag=True, help="Record the sample calls, print the summary, and exit.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, rounds: int, no_serve: bool) -> None:
    """Run a sample app against the local provider, store its spans, and serve the console.

    Migrates the database (default: sqlite:///otel_llm.db), starts the local OpenAI/Anthropic-compatible
    provider, registers two versions of a prompt and a running A/B experiment, makes several dozen
    calls through the real openai and anthropic SDKs (streamed and not, a few failures), creates a
    demo admin, then serves the console and prints how to sign in.

    \b
    Example:
      otel-llm demo
      otel-llm demo --port 8080
      OTEL_LLM_DATABASE_URL=postgresql://localhost/otel otel-llm demo --no-serve
    """
    from otel_llm_server.cli import demo_app

    import otel_llm
    from otel_llm import pipeline, settings
    from otel_llm.accounts.users import ensure_user
    from otel_llm.mockllm import MockLLMServer
    from otel_llm.storage import migrate
    from otel_llm.storage.db import get_engine

    url = chosen_database_url(ctx)
    project = settings.project()
    click.echo(f"Database: {url}")
    migrate.upgrade(url)
    provider = MockLLMServer(port=0, latency_ms=15).start()
    # The sample app (get_prompt, experiment) reads the same database; replays and experiment runs
    # started from the console go to the same local provider.
    os.environ["OTEL_LLM_DATABASE_URL"] = url
    os.environ["OTEL_LLM_MOCK_URL"] = provider.url
    os.environ.setdefault("OTEL_SERVICE_NAME", "otel-llm-demo")
    click.echo(f"Local LLM provider: {provider.url}")

    engine = get_engine(url)
    demo_app.seed(engine, project)
    otel_llm.configure(database_url=url, project=project)
    otel_llm.instrument()
    summary = demo_app.run(provider.url, rounds=rounds)
    pipeline.flush()
    click.echo(
        f"Sample app made {summary.calls} LLM calls ({summary.errors} failed on purpose); spans stored."
    )

    password = secrets.token_urlsafe(12)
    ensure_user(engine, DEMO_EMAIL, password, project, "admin")
    if no_serve:
        otel_llm.shutdown()
        provider.stop()
        return
    _serve(url, host, port, password)
    provider.stop()


def _serve(url: str, host: str, port: int, password: str) -> None:
    from otel_llm_server.cli.web import serve
    from otel_llm_server.web import create_app

    app = create_app({"DATABASE_URL": url})
    click.echo(f"\nConsole: http://{host}:{port}/")
    click.echo(f"Sign in as {DEMO_EMAIL} with password {password}  (new password each demo run)")
    click.echo(
        "Try: otel-llm traces list · otel-llm prompts versions support-agent · otel-llm experiments results model-bakeoff"
    )
    click.echo("Ctrl-C stops the console.")
    serve(app, host, port)
