"""OTLP trace data → ``SpanRecord``: the collector's side of the one normalisation.

``from_otlp`` walks an ``ExportTraceServiceRequest`` (protobuf message, whichever wire format it
came in) and builds the same neutral records the in-app exporter builds from SDK spans, so
``normalize.to_row`` treats both alike. Spans with invalid ids are rejected one by one, counted
for the response's ``partial_success``; the rest of the request is kept.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from otel_llm.storage.normalize import SpanRecord

_KINDS = {
    Span.SPAN_KIND_UNSPECIFIED: "INTERNAL",
    Span.SPAN_KIND_INTERNAL: "INTERNAL",
    Span.SPAN_KIND_SERVER: "SERVER",
    Span.SPAN_KIND_CLIENT: "CLIENT",
    Span.SPAN_KIND_PRODUCER: "PRODUCER",
    Span.SPAN_KIND_CONSUMER: "CONSUMER",
}
_STATUS = {
    Status.STATUS_CODE_UNSET: "UNSET",
    Status.STATUS_CODE_OK: "OK",
    Status.STATUS_CODE_ERROR: "ERROR",
}
_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)


@dataclass
class Converted:
    """What a request holds: records to store and how many spans were rejected, and why."""

    records: list[SpanRecord] = field(default_factory=list)
    rejected: int = 0
    reasons: set[str] = field(default_factory=set)

    @property
    def error_message(self) -> str:
        return "; ".join(sorted(self.reasons))


def value(v: AnyValue) -> Any:
    """An OTLP ``AnyValue`` as a JSON value (bytes as base64 text)."""
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return v.string_value
    if kind == "int_value":
        return v.int_value
    if kind == "double_value":
        return v.double_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "array_value":
        return [value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(v.bytes_value).decode("ascii")
    return None


def attributes(key_values) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in key_values:
        v = kv.value
        text = v.string_value  # most attributes are strings: one field read instead of a dispatch
        out[kv.key] = text if text else value(v)
    return out


def _invalid_ids(span: Span) -> str | None:
    trace_id, span_id, parent = span.trace_id, span.span_id, span.parent_span_id
    if len(trace_id) != 16 or trace_id == _ZERO_TRACE:
        return "invalid trace_id (need 16 non-zero bytes)"
    if len(span_id) != 8 or span_id == _ZERO_SPAN:
        return "invalid span_id (need 8 non-zero bytes)"
    if parent and len(parent) != 8:
        return "invalid parent_span_id (need 8 bytes or none)"
    return None


def _record(span: Span, resource: dict[str, Any], scope_name: str | None) -> SpanRecord:
    parent = span.parent_span_id
    start = span.start_time_unix_nano
    end = span.end_time_unix_nano
    status = span.status
    return SpanRecord(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=parent.hex() if parent and parent != _ZERO_SPAN else None,
        name=span.name,
        kind=_KINDS.get(span.kind, "INTERNAL"),
        start_ns=start,
        end_ns=end or start,
        status_code=_STATUS.get(status.code, "UNSET"),
        status_message=status.message or None,
        attributes=attributes(span.attributes),
        events=[
            {"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": attributes(e.attributes)}
            for e in span.events
        ],
        resource=resource,
        scope_name=scope_name or None,
    )


def from_otlp(request: ExportTraceServiceRequest) -> Converted:
    """Records of every valid span in ``request``; invalid ones are counted, not raised."""
    out = Converted()
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope_name = scope_spans.scope.name
            for span in scope_spans.spans:
                problem = _invalid_ids(span)
                if problem is not None:
                    out.rejected += 1
                    out.reasons.add(problem)
                    continue
                out.records.append(_record(span, resource, scope_name))
    return out
