"""``otel-llm collector``: the OTLP/HTTP receiver."""

from __future__ import annotations

import logging

import click
from otel_llm_server.cli.db import database_url

from otel_llm import settings

logger = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=4318, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.option(
    "--grpc-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Also serve OTLP/gRPC on this port (4317 by convention; 0: any free one, with one worker).",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option(
    "--no-auth", is_flag=True, help="Accept spans without an API key, into --project (local use only)."
)
@click.option(
    "--project", default=None, help="Project for --no-auth [env: OTEL_LLM_PROJECT; default: default]."
)
@click.option(
    "--max-body-bytes",
    default=16 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest request body, compressed or not (413 past it).",
)
@click.option(
    "--max-inflight-bytes",
    default=64 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(1024),
    help="Per worker: request bytes held at once (received, decoded, waiting); 503 past it.",
)
@click.option(
    "--max-queued-spans",
    default=100_000,
    show_default=True,
    type=click.IntRange(1),
    help="Per worker: spans waiting for the database before clients get 503.",
)
@click.option(
    "--spool-dir",
    default=None,
    help="Where requests wait while the database is unreachable [default: <OTEL_LLM_SPOOL_DIR>/collector].",
)
@click.option(
    "--no-spool", is_flag=True, help="Answer 503 while the database is unreachable instead of spooling."
)
@click.option("--upgrade", is_flag=True, help="Apply database migrations before serving.")
@click.option("--database-url", "url", default=None, help="Database URL [env: OTEL_LLM_DATABASE_URL].")
@click.pass_context
def collector(
    ctx: click.Context,
    host: str,
    port: int,
    grpc_port: int | None,
    workers: int,
    no_auth: bool,
    project: str | None,
    max_body_bytes: int,
    max_inflight_bytes: int,
    max_queued_spans: int,
    spool_dir: str | None,
    no_spool: bool,
    upgrade: bool,
    url: str | None,
) -> None:
    """Receive spans over OTLP/HTTP (protobuf or JSON) and store them like the in-app exporter.

    Apps send to http://HOST:PORT/v1/traces with any OTLP/HTTP exporter and an
    'Authorization: Bearer <api key>' header (an editor or admin key of the project the
    spans belong to; create one with `otel-llm keys create`). A 200 answer means the spans
    are committed to the database, or fsynced to the spool while it is unreachable.
    With --grpc-port it also serves OTLP/gRPC (for OpenTelemetry Collector gateways and
    their loadbalancing exporter).

    \b
    Example:
      otel-llm collector --database-url postgresql://localhost/otel --workers 2 --upgrade
      OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \\
      OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20ollm_…" python app.py
    """
    from otel_llm_server.collector.config import CollectorConfig
    from otel_llm_server.collector.server import bind, serve

    if grpc_port == 0 and workers > 1:
        raise click.ClickException("--grpc-port 0 needs --workers 1; give a fixed port for several workers.")
    url = url or database_url(ctx)
    _prepare_database(url, upgrade)
    spool = None if no_spool else _spool_dir(spool_dir)
    config = CollectorConfig(
        database_url=url,
        host=host,
        port=port,
        grpc_port=grpc_port,
        workers=workers,
        auth=not no_auth,
        project=settings.project(project),
        max_body_bytes=max_body_bytes,
        max_inflight_bytes=max_inflight_bytes,
        max_queued_spans=max_queued_spans,
        spool_dir=spool,
    )
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc}); pick another --port.") from exc
    bound = sock.getsockname()[1]
    if no_auth:
        click.echo(
            f"WARNING: --no-auth: anyone who can reach {host}:{bound} can write spans into "
            f"project {config.project!r}. Use API keys for anything but local use.",
            err=True,
        )

    def ready() -> None:
        click.echo(
            f"otel-llm collector listening on http://{host}:{bound}/v1/traces "
            f"({workers} worker{'s' if workers > 1 else ''}, database {_safe(url)})",
        )

    serve(config, sock, on_ready=ready)


def _prepare_database(url: str, upgrade: bool) -> None:
    from otel_llm_server.cli.dbcheck import require_existing_file, require_url, unavailable

    from otel_llm.storage import migrate

    if upgrade:
        require_url(url)
        try:
            migrate.upgrade(url)
        except Exception as exc:
            raise unavailable(url, exc, doing="upgrade") from exc
        return
    require_existing_file(url)
    try:
        current, head = migrate.current_revision(url), migrate.head_revision()
    except Exception as exc:  # unreachable now: start anyway, requests wait in the spool
        click.echo(f"WARNING: database {_safe(url)} is unreachable ({_first_line(exc)}).", err=True)
        return
    if current != head:
        raise click.ClickException(
            f"database {_safe(url)} is at revision {current or '(empty)'}, not {head}; "
            "run `otel-llm db upgrade` or pass --upgrade."
        )


def _spool_dir(option: str | None):
    from pathlib import Path

    return Path(option) if option else settings.spool_dir() / "collector"


def _safe(url: str) -> str:
    from otel_llm.masking import mask_url

    return mask_url(url)


def _first_line(exc: BaseException) -> str:
    from otel_llm.masking import short_error

    return short_error(exc)
