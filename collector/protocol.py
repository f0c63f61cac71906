"""OTLP/HTTP wire format: media types, content encodings, request decoding, response encoding.

Follows the OTLP/HTTP specification: binary protobuf (``application/x-protobuf``) or JSON
(``application/json``, where trace and span ids are hex strings rather than the base64 of the
generic protobuf JSON mapping); bodies ``gzip``- or ``deflate``-encoded or not; the response is
an ``ExportTraceServiceResponse`` (or a ``google.rpc.Status`` on failure) in the request's format.
Decompression is streamed with a cap, so a small compressed body cannot expand past the limit.
Nesting is capped too: a body nested deeper than ``MAX_DEPTH`` messages (the protobuf decoders' own
limit: 31 levels of ``kvlistValue`` or ``arrayValue`` inside an attribute) is a 400, in either format.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, status_pb2  # type: ignore[import-untyped]  # googleapis-common-protos: no type information
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_MEDIA_TYPES = {PROTOBUF: PROTOBUF, "application/protobuf": PROTOBUF, JSON: JSON}
_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_ID_FIELDS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")
_INVALID_ID = base64.b64encode(b"\xff").decode("ascii")  # one byte: rejected later as a bad id
MAX_DEPTH = 100  # nested messages; what upb's binary decoder allows, applied to OTLP/JSON as well
_TOO_DEEP = (
    f"body is nested deeper than {MAX_DEPTH} messages (e.g. kvlistValue within kvlistValue); "
    "flatten the attribute values"
)


class ProtocolError(Exception):
    """A request the collector refuses; ``status`` is the HTTP status, ``code`` the gRPC one."""

    status = 400
    code = code_pb2.INVALID_ARGUMENT


class BadRequest(ProtocolError):
    pass


class UnsupportedMediaType(ProtocolError):
    status = 415


class TooLarge(ProtocolError):
    status = 413
    code = code_pb2.RESOURCE_EXHAUSTED


def media_type(content_type: str | None) -> str:
    """The OTLP format named by a ``Content-Type`` header (parameters such as charset ignored)."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    found = _MEDIA_TYPES.get(base)
    if found is None:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {base or '(none)'!r}; send {PROTOBUF} or {JSON}"
        )
    return found


def check_encoding(content_encoding: str | None) -> str | None:
    """The compression of the body (None for identity); ``UnsupportedMediaType`` for others."""
    name = (content_encoding or "identity").strip().lower()
    if name in ("", "identity"):
        return None
    if name not in _ENCODINGS:
        raise UnsupportedMediaType(f"unsupported Content-Encoding {name!r}; send gzip, deflate or none")
    return name


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """``body`` decoded; ``TooLarge`` as soon as the output would pass ``limit`` bytes."""
    if encoding is None:
        return body
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(_ENCODINGS[encoding])
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise BadRequest(f"body is not valid {encoding}: {exc}") from exc
        if len(out) > limit or inflater.unconsumed_tail:
            raise TooLarge(f"body is larger than {limit} bytes once decompressed")
        if not inflater.eof:
            raise BadRequest(f"body is truncated {encoding} data")
        data = inflater.unused_data  # gzip allows several members one after another
    return bytes(out)


def parse(body: bytes, fmt: str) -> ExportTraceServiceRequest:
    """The request message; ``BadRequest`` when the body is not one."""
    if fmt == PROTOBUF:
        try:
            return ExportTraceServiceRequest.FromString(body)
        except (DecodeError, ValueError) as exc:
            if "MaxDepth" in str(exc):
                raise BadRequest(_TOO_DEEP) from exc
            raise BadRequest(f"body is not a protobuf ExportTraceServiceRequest: {exc}") from exc
    try:
        document = orjson.loads(body)  # its own nesting cap (1024) raises JSONDecodeError, not RecursionError
        if not isinstance(document, dict):
            raise ValueError("top level is not an object")
        _hex_ids_to_base64(document)
        return json_format.ParseDict(
            document, ExportTraceServiceRequest(), ignore_unknown_fields=True, max_recursion_depth=MAX_DEPTH
        )
    except (ValueError, TypeError, json_format.ParseError) as exc:
        if "too deep" in str(exc) or "depth limit" in str(exc):
            raise BadRequest(_TOO_DEEP) from exc
        raise BadRequest(f"body is not an OTLP/JSON ExportTraceServiceRequest: {exc}") from exc


def _hex_ids_to_base64(document: dict[str, Any]) -> None:
    """OTLP/JSON writes ids as hex; the generic protobuf JSON mapping expects base64 for bytes."""
    for resource_spans in _items(document, "resourceSpans", "resource_spans"):
        for scope_spans in _items(resource_spans, "scopeSpans", "scope_spans"):
            for span in _items(scope_spans, "spans"):
                _fix_ids(span)
                for link in _items(span, "links"):
                    _fix_ids(link)


def _items(parent: Any, *names: str) -> list[Any]:
    if not isinstance(parent, dict):
        return []
    for name in names:
        found = parent.get(name)
        if isinstance(found, list):
            return found
    return []


def _fix_ids(obj: Any) -> None:
    if not isinstance(obj, dict):
        return
    for name in _ID_FIELDS:
        raw = obj.get(name)
        if isinstance(raw, str):
            try:
                obj[name] = base64.b64encode(bytes.fromhex(raw)).decode("ascii")
            except (ValueError, binascii.Error):
                obj[name] = _INVALID_ID


def success(fmt: str, rejected: int = 0, message: str = "") -> bytes:
    """An ``ExportTraceServiceResponse``; ``partial_success`` filled when spans were rejected."""
    response = ExportTraceServiceResponse()
    if rejected or message:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    return _encode(response, fmt)


def status(fmt: str, code: int, message: str) -> bytes:
    """A ``google.rpc.Status``: the body of every non-200 answer."""
    return _encode(status_pb2.Status(code=code, message=message), fmt)


def _encode(message, fmt: str) -> bytes:
    if fmt == PROTOBUF:
        return message.SerializeToString()
    return json_format.MessageToJson(message, indent=None).encode("utf-8")
