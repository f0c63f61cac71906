"""``otel-llm demo``: the whole product on the embedded SQLite default, nothing else installed."""

from __future__ import annotations

import os
import secrets
import sys

import click
from otel_llm_server.cli.db import database_url as chosen_database_url

DEMO_EMAIL = "demo@otel-llm.local"
PROVIDER_PORT = 8765  # the port `otel-llm mock-llm` uses by default, so one export line fits both


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Console address.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Console port.")
@click.option(
    "--rounds",
    default=6,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Rounds of the ten sample support questions, spread over the past week.",
)
@click.option("--no-serve", is_flag=True, help="Record the sample calls, print the summary, and exit.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, rounds: int, no_serve: bool) -> None:
    """Run a sample app against the local provider, store a week of its spans, and serve the console.

    Migrates the database (default: sqlite:///otel_llm.db), starts the local OpenAI/Anthropic-compatible
    provider (port 8765 when free), registers two versions of a prompt and an A/B experiment, and makes
    about a hundred calls through the real openai and anthropic SDKs, their spans dated over the past
    7 days: support answers, an agent with a tool, an error burst, a latency spike, a cost jump after
    a model change. Then it runs the experiment's test cases, replays one call and a batch, creates
    a demo admin, serves the console and prints how to sign in and how to replay from the CLI.

    \b
    Example:
      otel-llm demo
      otel-llm demo --port 8080
      OTEL_LLM_DATABASE_URL=postgresql://localhost/otel otel-llm demo --no-serve
    """
    from otel_llm_server.cli import demo_app, demo_showcase, demo_traffic
    from otel_llm_server.cli.dbcheck import require_url, unavailable

    import otel_llm
    from otel_llm import pipeline, settings
    from otel_llm.accounts.users import ensure_user
    from otel_llm.masking import mask_url
    from otel_llm.storage import migrate
    from otel_llm.storage.db import get_engine

    url = chosen_database_url(ctx)
    project = settings.project()
    click.echo(f"Database: {mask_url(url)}")
    require_url(url)
    try:
        migrate.upgrade(url)
    except Exception as exc:
        raise unavailable(url, exc, doing="upgrade") from exc
    provider = _start_provider()
    # The sample app (get_prompt, experiment) reads the same database; replays and experiment runs
    # started from the console go to the same local provider.
    os.environ["OTEL_LLM_DATABASE_URL"] = url
    os.environ["OTEL_LLM_MOCK_URL"] = provider.url
    os.environ.setdefault("OTEL_SERVICE_NAME", "otel-llm-demo")
    click.echo(f"Local LLM provider: {provider.url}")

    engine = get_engine(url)
    demo_app.seed(engine, project)
    backdate = _tracing(url, project)
    summary = demo_traffic.run(provider.url, backdate, rounds=rounds)
    pipeline.flush()
    click.echo(
        f"Sample app made {summary.calls} LLM calls over the past 7 days "
        f"({summary.errors} failed on purpose); spans stored."
    )
    for line in demo_showcase.run(engine, project, provider.url):
        click.echo(line)

    password = secrets.token_urlsafe(12)
    ensure_user(engine, DEMO_EMAIL, password, project, "admin")
    if no_serve:
        otel_llm.shutdown()
        provider.stop()
        _replay_hint(provider.url, running=False)
        return
    try:
        _serve(url, host, port, password, provider.url)
    except KeyboardInterrupt:
        pass
    finally:
        provider.stop()
    _replay_hint(provider.url, running=False)  # Ctrl-C: how to replay from this same shell


def _start_provider():
    from otel_llm.mockllm import MockLLMServer

    try:
        return MockLLMServer(port=PROVIDER_PORT, latency_ms=15).start()
    except OSError:  # taken (another demo, or `otel-llm mock-llm`): any free port
        return MockLLMServer(port=0, latency_ms=15).start()


def _tracing(url: str, project: str):
    """The app's tracer provider with the demo's clock offset first, then otel-llm's pipeline."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from otel_llm_server.cli.demo_clock import Backdate

    import otel_llm

    backdate = Backdate()
    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(backdate)
    trace.set_tracer_provider(provider)
    otel_llm.configure(database_url=url, project=project, tracer_provider=provider)
    otel_llm.instrument()
    return backdate


def _replay_hint(provider_url: str, running: bool) -> None:
    """How `otel-llm replay` and `experiments run` reach the local provider from a shell."""
    if running:
        click.echo(f"In another shell, for replays and runs: export OTEL_LLM_MOCK_URL={provider_url}")
        return
    click.echo("Replays and experiment runs from this shell need the local provider:")
    click.echo(f"  otel-llm mock-llm --port {PROVIDER_PORT} &")
    click.echo(f"  export OTEL_LLM_MOCK_URL=http://127.0.0.1:{PROVIDER_PORT}")


def _serve(url: str, host: str, port: int, password: str, provider_url: str) -> None:
    from otel_llm_server.cli.web import serve
    from otel_llm_server.web import create_app

    app = create_app({"DATABASE_URL": url})
    click.echo(f"\nConsole: http://{host}:{port}/")
    click.echo(f"Sign in as {DEMO_EMAIL} with password {password}  (new password each demo run)")
    click.echo(
        "Try (README.md, After the demo): otel-llm traces list · otel-llm prompts versions support-agent · "
        "otel-llm experiments results model-bakeoff"
    )
    _replay_hint(provider_url, running=True)
    click.echo("Ctrl-C stops the console and the local provider.")
    sys.stdout.flush()
    serve(app, host, port)
