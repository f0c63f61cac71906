"""``otel-llm web``: serve the console and JSON API."""

from __future__ import annotations

import click
from otel_llm_server.cli.db import database_url


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--upgrade", is_flag=True, help="Apply database migrations before serving.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option(
    "--worker/--no-worker",
    "run_worker",
    envvar="OTEL_LLM_WEB_WORKER",
    default=False,
    help="Also apply online evaluation rules in this process, as `otel-llm worker` does "
    "(small installs) [env: OTEL_LLM_WEB_WORKER].",
)
@click.option(
    "--worker-interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
    help="Seconds between the worker's passes.",
)  # fmt: skip
@click.option(
    "--base-url",
    envvar="OTEL_LLM_MOCK_URL",
    help="Send the worker's judge calls to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
)
@click.option(
    "--webhooks/--no-webhooks",
    "send_webhooks",
    envvar="OTEL_LLM_WEB_WEBHOOKS",
    default=True,
    show_default=True,
    help="Deliver the projects' webhooks from this process (several senders may run) [env: OTEL_LLM_WEB_WEBHOOKS].",
)
@click.pass_context
def web(
    ctx: click.Context,
    host: str,
    port: int,
    upgrade: bool,
    threads: int,
    run_worker: bool,
    worker_interval: float,
    base_url: str | None,
    send_webhooks: bool,
) -> None:
    """Serve the console (traces, overview, prompts, experiments, replays, settings) and /api/v1.

    Sign in with an account made by `otel-llm users create`. Sessions are signed with
    OTEL_LLM_SECRET_KEY, or with a random key kept in the instance folder.

    \b
    Example:
      otel-llm users create ada@example.com --project default --role admin
      otel-llm web --upgrade --port 8080
      otel-llm web --worker          # also apply online evaluation rules
      OTEL_LLM_DATABASE_URL=postgresql://localhost/otel otel-llm web --host 0.0.0.0
    """
    from otel_llm_server.cli.dbcheck import check_database, require_url, unavailable
    from otel_llm_server.web import create_app

    from otel_llm.storage import migrate

    url = database_url(ctx)
    if upgrade:
        require_url(url)
        try:
            migrate.upgrade(url)
        except Exception as exc:
            raise unavailable(url, exc, doing="upgrade") from exc
    else:
        check_database(url)
    app = create_app({"DATABASE_URL": url})
    click.echo(f"Console: http://{host}:{port}/  (Ctrl-C to stop)")
    if send_webhooks:
        _deliver_webhooks(url)
    if not run_worker:
        serve(app, host, port, threads)
        return
    from otel_llm_server.cli.worker import background

    from otel_llm.storage.db import get_engine

    _stop_on_sigterm()
    with background(get_engine(url), base_url, worker_interval):
        click.echo(f"Online evaluation worker: a pass every {worker_interval:g} s")
        serve(app, host, port, threads)


def _deliver_webhooks(url: str) -> None:
    """The webhook sender in a daemon thread of the console process (it ends with the process)."""
    from otel_llm.storage.db import get_engine
    from otel_llm.webhooks.sender import start_background

    start_background(get_engine(url))


def _stop_on_sigterm() -> None:
    """SIGTERM stops the server as Ctrl-C does, so the worker thread is stopped and joined too."""
    import signal

    def _exit(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


def serve(app, host: str, port: int, threads: int = 8) -> None:
    """Serve ``app`` with waitress (a production WSGI server) when installed, else werkzeug's threaded one."""
    try:
        from waitress import serve as waitress_serve
    except ImportError:
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
        return
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="otel-llm")
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc}); choose another --port.") from exc
