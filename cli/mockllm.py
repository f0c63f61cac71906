"""``otel-llm mock-llm``: run the local OpenAI/Anthropic/Gemini-compatible provider in the foreground."""

from __future__ import annotations

import sys

import click


@click.command("mock-llm")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0 = any free port)."
)
@click.option(
    "--latency-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Delay before each answer; stream chunks are spaced by 1/50 of it.",
)
def mock_llm(host: str, port: int, latency_ms: float) -> None:
    """Serve a local LLM provider: OpenAI chat completions + responses, Anthropic messages, Gemini.

    Answers are deterministic (same request, same answer; another model, temperature or system
    prompt, another answer), with realistic token usage, streamed (SSE) or not. Per request, the
    header x-mock-latency-ms or x-mock-error (400|429|500|503|timeout|midstream), or a token in the
    last user message ([[mock:latency=200]], [[mock:error=429]]), adds latency or an error.
    GET /_mock/requests lists the requests received; DELETE clears them. Runs until Ctrl-C.

    \b
    Example:
      otel-llm mock-llm --port 8765 --latency-ms 50
      export OPENAI_BASE_URL=http://127.0.0.1:8765/v1 OPENAI_API_KEY=any
      export ANTHROPIC_BASE_URL=http://127.0.0.1:8765 ANTHROPIC_API_KEY=any
      export GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8765 GEMINI_API_KEY=any
      # or, for otel-llm's own runs and replays:
      export OTEL_LLM_MOCK_URL=http://127.0.0.1:8765
    """
    from otel_llm.mockllm import MockLLMServer

    server = MockLLMServer(host=host, port=port, latency_ms=latency_ms)
    try:
        server.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc}); choose another --port.") from exc
    click.echo(f"Local LLM provider listening on {server.url}")
    click.echo(f"  OpenAI:    OPENAI_BASE_URL={server.url}/v1  (any OPENAI_API_KEY)")
    click.echo(f"  Anthropic: ANTHROPIC_BASE_URL={server.url}  (any ANTHROPIC_API_KEY)")
    click.echo(f"  Gemini:    GOOGLE_GEMINI_BASE_URL={server.url}  (any GEMINI_API_KEY)")
    click.echo(f"  otel-llm:  OTEL_LLM_MOCK_URL={server.url}")
    click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()  # the banner reaches a pipe (scripts wait for it) before the first request
    try:
        while not server.wait(3600):
            pass
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        server.stop()
