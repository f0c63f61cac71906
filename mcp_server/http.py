"""Streamable HTTP: the SDK's ASGI app behind a key check, served by uvicorn (``otel-llm mcp --http``).

Its own port rather than a path of ``otel-llm web``: the console is a WSGI app (Flask under
waitress) and the SDK's streamable HTTP transport is ASGI (Starlette, a task group per session);
bridging one into the other would need an adapter thread per stream. Stateless mode with JSON
responses: every POST is authenticated and answered on its own, so any number of workers or
restarts serve the same clients.
"""

from __future__ import annotations

import socket

import anyio.to_thread
from otel_llm_server.mcp_server.access import AccessDenied
from otel_llm_server.mcp_server.server import OtelLlmMcp
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from otel_llm.masking import short_error

PATH = "/mcp"


class KeyGate:
    """ASGI middleware: HTTP requests without a valid API key get 401 with a sentence (each tool
    call checks the key and role again; this answers early and keeps the SDK's routes closed)."""

    def __init__(self, app: ASGIApp, server: OtelLlmMcp) -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await anyio.to_thread.run_sync(self._refusal, Headers(scope=scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: Headers) -> JSONResponse | None:
        try:
            self.server.caller(headers)
        except AccessDenied as exc:
            return _error(401, "unauthorized", str(exc), {"WWW-Authenticate": 'Bearer realm="otel-llm"'})
        except SQLAlchemyError as exc:
            return _error(503, "unavailable", f"the database could not answer ({short_error(exc)}).")
        return None


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON API's error body (``{"error": {"code", "message"}}``)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def http_app(server: OtelLlmMcp, host: str = "127.0.0.1") -> ASGIApp:
    """The ASGI app serving MCP at ``/mcp`` (DNS-rebinding protection on for a loopback ``host``)."""
    app = server.mcp.streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, json_response=True, host=host
    )
    return KeyGate(app, server)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (``OSError`` when the address is taken or not ours, before anything runs)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


def serve(server: OtelLlmMcp, sock: socket.socket, host: str) -> None:
    """Serve on ``sock`` until interrupted (uvicorn, which the SDK depends on)."""
    import uvicorn

    config = uvicorn.Config(http_app(server, host), log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
