"""OTLP/gRPC: the ``TraceService/Export`` RPC, on the same pipeline as ``POST /v1/traces``.

Served when ``--grpc-port`` is given (the OTLP/gRPC port is 4317), so upstream OpenTelemetry
Collectors can use their ``otlp`` or ``loadbalancing`` exporters. Authentication is the same
``authorization: Bearer <key>`` (as gRPC metadata); answers follow the OTLP/gRPC specification:
``UNAVAILABLE`` (retryable) when overloaded or the database is unreachable and nothing could be made
durable, ``UNAUTHENTICATED`` / ``PERMISSION_DENIED`` for keys, ``partial_success`` for rejected
spans. The message size limit is ``--max-body-bytes`` (gRPC enforces it after decompression).
"""

from __future__ import annotations

import asyncio

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from otel_llm_server.collector.app import Receiver
from otel_llm_server.collector.auth import Forbidden, Unauthorized
from otel_llm_server.collector.committer import Overloaded, Unavailable
from otel_llm_server.collector.convert import from_otlp


class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, receiver: Receiver):
        self.receiver = receiver

    async def Export(self, request: ExportTraceServiceRequest, context) -> ExportTraceServiceResponse:  # noqa: N802
        receiver = self.receiver
        receiver.counts["requests"] += 1
        metadata = dict(context.invocation_metadata() or ())
        try:
            principal = await receiver.authorize(metadata.get("authorization"))
            size = request.ByteSize()
            if not receiver.budget.acquire(size, new_request=True):
                raise Overloaded("too many bytes are being received")
            try:
                loop = asyncio.get_running_loop()
                converted = await loop.run_in_executor(receiver.decoder, from_otlp, request)
                rejected, message = await receiver.store(principal, converted)
            finally:
                receiver.budget.release(size, request_done=True)
        except Unauthorized as exc:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        except Forbidden as exc:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(exc))
        except (Overloaded, Unavailable) as exc:
            receiver.counts["overloaded"] += 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, f"{exc}; retry later")
        response = ExportTraceServiceResponse()
        if rejected or message:
            response.partial_success.rejected_spans = rejected
            response.partial_success.error_message = message
        return response


async def start(receiver: Receiver, host: str, port: int) -> tuple[grpc.aio.Server, int]:
    """A gRPC server for ``receiver`` on ``host:port`` (workers share the port: SO_REUSEPORT)."""
    limit = receiver.config.max_body_bytes
    server = grpc.aio.server(
        options=[("grpc.max_receive_message_length", limit), ("grpc.so_reuseport", 1)],
    )
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(receiver), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    return server, bound
