"""The local provider's HTTP server: routing, auth, recording, latency, injected errors, SSE.

Standard library only (``ThreadingHTTPServer``), HTTP/1.1 keep-alive, Nagle off, so a call costs the
client little more than a real socket round trip. Streams use chunked transfer encoding.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from otel_llm.mockllm.cache import PromptCache
from otel_llm.mockllm.errors import ANTHROPIC, GEMINI, OPENAI, APIError
from otel_llm.mockllm.errors import body as error_body
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply, controls, injected_status
from otel_llm.mockllm.routes import Route, find

logger = logging.getLogger(__name__)

MOCK_REQUESTS_PATH = "/_mock/requests"  # GET lists received requests, DELETE forgets them
MOCK_STATE_PATH = "/_mock/state"  # DELETE forgets requests and cached prompts
REQUEST_HISTORY = 10_000  # the most recent requests kept (a long-running server stays bounded)
HANG_SECONDS = 30.0  # how long an injected ``timeout`` holds the answer back
POLL_SECONDS = 0.1  # how quickly stop() is noticed
STREAM_SPACING_SHARE = 1 / 50  # with latency L, stream chunks are L/50 apart


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as received: ``headers`` keys are lower-case; ``body`` the exact bytes sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: dict | None

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body.decode("utf-8", "replace"),
            "json": self.json,
        }


class MockLLMServer:
    """OpenAI- and Anthropic-compatible local provider.

    ``MockLLMServer(port=0).start()`` serves on an ephemeral port in a background thread; also a
    context manager. OpenAI ``base_url`` = ``server.url + "/v1"``; Anthropic ``base_url`` = ``server.url``.

    ``latency_ms`` delays every answer (a request's ``x-mock-latency-ms`` overrides it);
    ``hang_seconds`` is how long an injected ``timeout`` holds the answer back. ``requests`` lists
    the POSTs received (the latest 10,000), in order, including those answered with an error.
    ``reset()`` also forgets cached prompt prefixes, so cache arithmetic starts afresh.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        hang_seconds: float = HANG_SECONDS,
    ):
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.hang_seconds = hang_seconds
        self.prompt_cache = PromptCache()
        self._requests: deque[ReceivedRequest] = deque(maxlen=REQUEST_HISTORY)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget the received requests."""
        with self._lock:
            self._requests.clear()

    def reset(self) -> None:
        """Forget the received requests and every cached prompt prefix (a fresh server, same port)."""
        self.clear()
        self.prompt_cache.forget()

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def start(self) -> MockLLMServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(POLL_SECONDS,), name="mock-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; returns early (True) when the server is stopping."""
        return self._stopping.wait(seconds)

    def __enter__(self) -> MockLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, mock: MockLLMServer):
        self.mock = mock
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-request (a closed SDK client, a test ending) is not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections close after a minute
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        pass

    def do_GET(self) -> None:
        if self.path.split("?")[0] == MOCK_REQUESTS_PATH:
            self._send_json(200, [r.as_dict() for r in self.server.mock.requests])
        else:
            self._read_body()
            self._not_found()

    def do_DELETE(self) -> None:
        path = self.path.split("?")[0]
        if path in (MOCK_REQUESTS_PATH, MOCK_STATE_PATH):
            (self.server.mock.clear if path == MOCK_REQUESTS_PATH else self.server.mock.reset)()
            self._send_json(200, {"cleared": True})
        else:
            self._read_body()
            self._not_found()

    def do_POST(self) -> None:
        raw = self._read_body()
        parsed = _parse_json(raw)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.mock.record(
            ReceivedRequest("POST", self.path, headers, raw, parsed if isinstance(parsed, dict) else None)
        )
        route = find(self.path)
        if route is None:
            self._not_found()
            return
        api = route.api
        call = Call(parsed, headers, "req_" + uuid.uuid4().hex, int(time.time()), path=self.path)
        try:
            reply = self._answer(route, call)
        except APIError as error:
            self._send_error(api, error, call.request_id)
            return
        except (BrokenPipeError, ConnectionError):
            return
        except Exception as exc:  # a request the mock cannot handle: say so instead of dropping the socket
            logger.exception("mock-llm could not answer %s", self.path)
            self._send_error(
                api, APIError(500, f"mock-llm could not answer this request: {exc!r}"), call.request_id
            )
            return
        self._send_reply(reply, call)

    def _answer(self, route: Route, call: Call) -> JSONReply | StreamReply:
        route.check_auth(call.headers)
        if not isinstance(call.body, dict):
            raise APIError(
                400, "We could not parse the JSON body of your request. The body must be a JSON object."
            )
        control = controls(call.headers, route.user_text(call.body))
        call.latency_ms = self.server.mock.latency_ms if control.latency_ms is None else control.latency_ms
        call.error = self._inject(control.error, call.latency_ms)
        reply = route.handle(call, self.server.mock)
        if call.latency_ms:
            self.server.mock.wait(call.latency_ms / 1000)
        return reply

    def _inject(self, error: str | None, latency_ms: float) -> str | None:
        """Raise an injected error status (after the latency, or the hang of ``timeout``).

        Returns the error the handler acts on itself (``midstream``), if any.
        """
        if not error:
            return None
        status = injected_status(error)
        if error == "timeout":
            self.server.mock.wait(self.server.mock.hang_seconds)
            raise APIError(504)
        if status is not None:
            self.server.mock.wait(latency_ms / 1000)
            raise APIError(status, f"Injected error {status} (x-mock-error / [[mock:error=...]]).")
        return error

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _not_found(self) -> None:
        api = ANTHROPIC if "messages" in self.path else GEMINI if "models/" in self.path else OPENAI
        error = APIError(404, f"Invalid URL ({self.command} {self.path})")
        self._send_error(api, error, "req_" + uuid.uuid4().hex)

    def _send_error(self, api: str, error: APIError, request_id: str) -> None:
        headers = {**error.headers, ("request-id" if api == ANTHROPIC else "x-request-id"): request_id}
        self._send_json(error.status, error_body(error, api, request_id), headers)

    def _send_reply(self, reply: JSONReply | StreamReply, call: Call) -> None:
        headers = {"x-request-id": call.request_id, **reply.headers}
        if isinstance(reply, JSONReply):
            self._send_json(reply.status, reply.body, headers)
            return
        spacing = call.latency_ms * STREAM_SPACING_SHARE / 1000
        try:
            self._send_stream(reply, headers, spacing)
        except (BrokenPipeError, ConnectionError):
            self.close_connection = True

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionError):
            self.close_connection = True

    def _send_stream(self, reply: StreamReply, headers: dict[str, str], spacing: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        chunks = [_chunk(_sse(event, data)) for event, data in reply.events]
        if not spacing:  # one write: the client still parses event by event, at a fraction of the cost
            self.wfile.write(b"".join(chunks) + b"0\r\n\r\n")
            return
        for chunk in chunks:
            if self.server.mock.wait(spacing):
                break
            self.wfile.write(chunk)
        self.wfile.write(b"0\r\n\r\n")


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _sse(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {payload}\n\n".encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)
