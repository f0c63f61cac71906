"""``otel-llm web``: serve the console and JSON API."""

from __future__ import annotations

import click
from otel_llm_server.cli.db import database_url


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--upgrade", is_flag=True, help="Apply database migrations before serving.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.pass_context
def web(ctx: click.Context, host: str, port: int, upgrade: bool, threads: int) -> None:
    """Serve the console (traces, overview, prompts, experiments, replays, settings) and /api/v1.

    Sign in with an account made by `otel-llm users create`. Sessions are signed with
    OTEL_LLM_SECRET_KEY, or with a random key kept in the instance folder.

    \b
    Example:
      otel-llm users create ada@example.com --project default --role admin
      otel-llm web --upgrade --port 8080
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
    serve(app, host, port, threads)


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
