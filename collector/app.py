"""The HTTP side of one worker: ``POST /v1/traces`` and ``GET /healthz`` on aiohttp.

A request is admitted only while the worker's in-flight byte budget allows (else 503 with
``Retry-After``), read with a size cap (413), decoded and converted to records on a worker thread
(so the event loop keeps answering), handed to the group committer, and answered 200 once its
spans are committed or spooled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from google.rpc import code_pb2  # type: ignore[import-untyped]  # googleapis-common-protos: no type information
from otel_llm_server.collector import protocol
from otel_llm_server.collector.auth import (
    Forbidden,
    KeyCache,
    Principal,
    Unauthorized,
    bearer_token,
    require_writer,
)
from otel_llm_server.collector.committer import (
    GroupCommitter,
    Job,
    Overloaded,
    PartlyStored,
    Unavailable,
    summary,
)
from otel_llm_server.collector.config import CollectorConfig
from otel_llm_server.collector.convert import Converted, from_otlp

from otel_llm.masking import short_error

logger = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
READ_BUFFER_BYTES = 1024 * 1024


class Budget:
    """Bytes in flight in one worker; a request is always admitted when nothing else is."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.requests = 0
        self._lock = threading.Lock()

    def acquire(self, n: int, new_request: bool = False) -> bool:
        with self._lock:
            if self.used and self.used + n > self.limit:
                return False
            self.used += n
            self.requests += new_request
            return True

    def release(self, n: int, request_done: bool = False) -> None:
        with self._lock:
            self.used -= n
            self.requests -= request_done


class Receiver:
    def __init__(
        self,
        config: CollectorConfig,
        committer: GroupCommitter,
        keys: KeyCache | None,
        worker: int = 0,
    ):
        self.config = config
        self.committer = committer
        self.keys = keys
        self.worker = worker
        self.budget = Budget(config.max_inflight_bytes)
        self.decoder = ThreadPoolExecutor(1, thread_name_prefix="otel-llm-decode")
        self.counts = {"requests": 0, "overloaded": 0, "rejected_spans": 0}
        self._default = Principal(project_name=config.project)

    async def traces(self, request: web.Request) -> web.Response:
        self.counts["requests"] += 1
        fmt = protocol.PROTOBUF if "protobuf" in (request.content_type or "") else protocol.JSON
        try:
            fmt = protocol.media_type(request.headers.get("Content-Type"))
            encoding = protocol.check_encoding(request.headers.get("Content-Encoding"))
            principal = await self.authorize(request.headers.get("Authorization"))
            return await self._receive(request, fmt, encoding, principal)
        except protocol.ProtocolError as exc:
            return _status(fmt, exc.status, exc.code, str(exc))
        except Unauthorized as exc:
            return _status(fmt, 401, code_pb2.UNAUTHENTICATED, str(exc), {"WWW-Authenticate": "Bearer"})
        except Forbidden as exc:
            return _status(fmt, 403, code_pb2.PERMISSION_DENIED, str(exc))
        except (Overloaded, Unavailable) as exc:
            self.counts["overloaded"] += 1
            retry = {"Retry-After": str(self.config.retry_after_seconds)}
            return _status(fmt, 503, code_pb2.UNAVAILABLE, f"{exc}; retry later", retry)

    async def authorize(self, authorization: str | None) -> Principal:
        """Where the caller's spans go; ``Unauthorized``, ``Forbidden`` or ``Unavailable`` if nowhere."""
        if self.keys is None:
            return self._default
        token = bearer_token(authorization)
        if token is None:
            raise Unauthorized("missing API key; send 'Authorization: Bearer <key>'")
        hit, principal = self.keys.cached(token)
        if not hit:
            try:
                principal = await asyncio.get_running_loop().run_in_executor(None, self.keys.lookup, token)
            except Exception as exc:
                logger.warning("otel-llm collector: cannot check API keys: %s", short_error(exc))
                raise Unavailable("API keys cannot be checked right now (database unreachable)") from exc
        return require_writer(principal)

    async def _receive(self, request, fmt: str, encoding: str | None, principal: Principal) -> web.Response:
        limit = self.config.max_body_bytes
        length = request.content_length
        if length is not None and length > limit:
            raise protocol.TooLarge(f"body of {length} bytes is larger than the limit of {limit} bytes")
        hold = _Hold(self.budget, length or 0)
        try:
            body = await _read_capped(request, limit, hold)
            loop = asyncio.get_running_loop()
            converted = await loop.run_in_executor(self.decoder, self._decode, body, fmt, encoding)
            rejected, message = await self.store(principal, converted)
            return _ok(protocol.success(fmt, rejected, message), fmt)
        finally:
            hold.release()

    def _decode(self, body: bytes, fmt: str, encoding: str | None) -> Converted:
        limit = self.config.max_body_bytes
        data = protocol.decompress(body, encoding, limit)
        extra = len(data) - len(body) if encoding else 0
        if extra and not self.budget.acquire(extra):
            raise Overloaded("too many bytes are being decoded")
        try:
            return from_otlp(protocol.parse(data, fmt))
        finally:
            self.budget.release(extra)

    async def store(self, principal: Principal, converted: Converted) -> tuple[int, str]:
        """Commit (or spool) the converted spans; returns how many were rejected, and why."""
        rejected, message = converted.rejected, converted.error_message
        if converted.records:
            stored = await self._commit(principal, converted)
            rejected += stored.rejected
            message = "; ".join(m for m in (message, stored.message) if m)
        self.counts["rejected_spans"] += rejected
        return rejected, message

    async def _commit(self, principal: Principal, converted: Converted) -> PartlyStored:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()

        def done(outcome: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, outcome)

        self.committer.submit(Job(principal, converted.records, done))
        outcome = await future
        if outcome is None:
            return PartlyStored(0, "")
        if isinstance(outcome, PartlyStored):
            return outcome
        if isinstance(outcome, Overloaded | Unavailable):
            raise outcome
        raise Unavailable(f"spans could not be stored ({outcome})")

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "worker": self.worker,
                "pid": os.getpid(),
                "inflight_requests": self.budget.requests,
                "inflight_bytes": self.budget.used,
                **self.counts,
                **summary(self.committer),
            }
        )


def _settle(future: asyncio.Future, outcome: BaseException | None) -> None:
    if not future.done():
        future.set_result(outcome)


class _Hold:
    """One request's share of the budget: its declared length up front, more as a body without
    ``Content-Length`` (chunked) turns out longer, so such bodies cannot grow memory unchecked."""

    def __init__(self, budget: Budget, declared: int):
        if not budget.acquire(declared, new_request=True):
            raise Overloaded("too many bytes are being received")
        self.budget = budget
        self.held = declared

    def grow_to(self, size: int) -> None:
        if size > self.held:
            if not self.budget.acquire(size - self.held):
                raise Overloaded("too many bytes are being received")
            self.held = size

    def release(self) -> None:
        self.budget.release(self.held, request_done=True)


async def _read_capped(request: web.Request, limit: int, hold: _Hold) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise protocol.TooLarge(f"body is larger than the limit of {limit} bytes")
        hold.grow_to(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _ok(body: bytes, fmt: str) -> web.Response:
    return web.Response(body=body, status=200, content_type=fmt)


def _status(fmt: str, http: int, code: int, message: str, headers: dict | None = None) -> web.Response:
    return web.Response(
        body=protocol.status(fmt, code, message), status=http, content_type=fmt, headers=headers
    )


def build_app(receiver: Receiver) -> web.Application:
    # Bodies are decompressed here, with a cap (``protocol.decompress``), never by aiohttp.
    app = web.Application(
        client_max_size=receiver.config.max_body_bytes,
        # Bodies are OTLP batches of ~1 MB: read them in few large chunks, not 64 KiB ones.
        handler_args={"auto_decompress": False, "read_bufsize": READ_BUFFER_BYTES},
    )
    app.router.add_post(TRACES_PATH, receiver.traces)
    app.router.add_get("/healthz", receiver.healthz)
    return app
