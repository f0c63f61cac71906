"""Decoding OTLP/HTTP bodies into records, without a server: encodings, caps, JSON ids, values."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from otel_llm_server.collector import protocol
from otel_llm_server.collector.convert import from_otlp

TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")
SPAN = bytes.fromhex("eee19b7ec3c1b174")


def _request(*spans: Span) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])]
    )


@pytest.mark.parametrize("encoding", ["gzip", "deflate", None])
def test_bodies_decompress_up_to_the_limit_and_not_one_byte_more(encoding):
    data = b"a" * 1000
    body = {"gzip": gzip.compress, "deflate": zlib.compress, None: bytes}[encoding](data)
    assert protocol.decompress(body, encoding, 1000) == data
    if encoding:
        with pytest.raises(protocol.TooLarge):
            protocol.decompress(body, encoding, 999)


def test_gzip_members_are_concatenated_and_broken_gzip_is_a_bad_request():
    assert protocol.decompress(gzip.compress(b"ab") + gzip.compress(b"cd"), "gzip", 10) == b"abcd"
    with pytest.raises(protocol.BadRequest, match="truncated"):
        protocol.decompress(gzip.compress(b"x" * 100)[:-12], "gzip", 1000)
    with pytest.raises(protocol.BadRequest):
        protocol.decompress(b"plain", "gzip", 1000)


def test_media_types_and_encodings():
    assert protocol.media_type("application/x-protobuf") == protocol.PROTOBUF
    assert protocol.media_type("Application/JSON; charset=utf-8") == protocol.JSON
    assert protocol.check_encoding(None) is None and protocol.check_encoding("identity") is None
    with pytest.raises(protocol.UnsupportedMediaType):
        protocol.media_type("text/plain")
    with pytest.raises(protocol.UnsupportedMediaType):
        protocol.check_encoding("br")


def test_json_ids_are_hex_and_a_bad_id_rejects_only_its_span():
    span = {"traceId": TRACE.hex(), "spanId": SPAN.hex(), "parentSpanId": "", "name": "ok", "kind": 3}
    bad = {**span, "spanId": "not-hex", "name": "bad"}
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span, bad]}]}]}).encode()
    converted = from_otlp(protocol.parse(body, protocol.JSON))
    assert [r.name for r in converted.records] == ["ok"]
    assert (converted.records[0].trace_id, converted.records[0].span_id) == (TRACE.hex(), SPAN.hex())
    assert converted.records[0].parent_span_id is None and converted.records[0].kind == "CLIENT"
    assert converted.rejected == 1 and "span_id" in converted.error_message


def test_json_and_protobuf_of_the_same_request_give_the_same_records():
    message = _request(
        Span(
            trace_id=TRACE,
            span_id=SPAN,
            parent_span_id=bytes.fromhex("0102030405060708"),
            name="chat",
            start_time_unix_nano=1_767_225_600_123_456_789,
            end_time_unix_nano=1_767_225_601_000_000_000,
            attributes=[KeyValue(key="gen_ai.usage.input_tokens", value=AnyValue(int_value=2**40))],
            status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
        )
    )
    as_json = json.loads(json_format.MessageToJson(message))
    span = as_json["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    for key in ("traceId", "spanId", "parentSpanId"):  # base64 in the generic mapping, hex in OTLP
        span[key] = base64.b64decode(span[key]).hex()
    assert span["startTimeUnixNano"] == "1767225600123456789"  # int64 as a string
    from_json = from_otlp(protocol.parse(json.dumps(as_json).encode(), protocol.JSON)).records
    from_proto = from_otlp(protocol.parse(message.SerializeToString(), protocol.PROTOBUF)).records
    assert from_json == from_proto
    assert from_proto[0].start_ns == 1_767_225_600_123_456_789 and from_proto[0].status_code == "ERROR"


def test_every_attribute_value_kind_becomes_json():
    values = {
        "s": AnyValue(string_value="text"),
        "i": AnyValue(int_value=-3),
        "d": AnyValue(double_value=0.5),
        "b": AnyValue(bool_value=False),
        "a": AnyValue(array_value=ArrayValue(values=[AnyValue(string_value="x"), AnyValue(int_value=1)])),
        "m": AnyValue(kvlist_value=KeyValueList(values=[KeyValue(key="k", value=AnyValue(bool_value=True))])),
        "y": AnyValue(bytes_value=b"\x00\x01"),
        "empty": AnyValue(),
    }
    span = Span(
        trace_id=TRACE,
        span_id=SPAN,
        name="n",
        attributes=[KeyValue(key=k, value=v) for k, v in values.items()],
    )
    (record,) = from_otlp(_request(span)).records
    assert record.attributes == {
        "s": "text",
        "i": -3,
        "d": 0.5,
        "b": False,
        "a": ["x", 1],
        "m": {"k": True},
        "y": "AAE=",
        "empty": None,
    }


def test_zero_and_short_ids_are_rejected():
    spans = [
        Span(trace_id=bytes(16), span_id=SPAN, name="zero trace"),
        Span(trace_id=TRACE, span_id=b"\x01", name="short span"),
        Span(trace_id=TRACE, span_id=SPAN, parent_span_id=b"\x01\x02", name="short parent"),
        Span(trace_id=TRACE, span_id=SPAN, name="fine"),
    ]
    converted = from_otlp(_request(*spans))
    assert [r.name for r in converted.records] == ["fine"] and converted.rejected == 3


def _nested_attribute(levels: int) -> AnyValue:
    value = AnyValue(string_value="leaf")
    for _ in range(levels):
        value = AnyValue(kvlist_value=KeyValueList(values=[KeyValue(key="k", value=value)]))
    return value


def _nested_json(levels: int) -> bytes:
    """OTLP/JSON text with ``levels`` of kvlistValue in one attribute (written as text: json.dumps
    itself cannot nest 1,000 levels)."""
    value = (
        '{"kvlistValue":{"values":[{"key":"k","value":' * levels + '{"stringValue":"leaf"}' + "}]}}" * levels
    )
    span = f'{{"traceId":"{TRACE.hex()}","spanId":"{SPAN.hex()}","name":"deep","attributes":[{{"key":"a","value":{value}}}]}}'
    return f'{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{span}]}}]}}]}}'.encode()


@pytest.mark.parametrize("levels", [32, 1_000, 5_000])
def test_bodies_nested_past_the_documented_depth_are_bad_requests_in_both_formats(levels):
    with pytest.raises(protocol.BadRequest, match=f"deeper than {protocol.MAX_DEPTH} messages"):
        protocol.parse(_nested_json(levels), protocol.JSON)
    if levels == 32:  # the protobuf encoder itself refuses to write deeper ones
        span = Span(trace_id=TRACE, span_id=SPAN, attributes=[KeyValue(key="a", value=_nested_attribute(32))])
        with pytest.raises(protocol.BadRequest, match=f"deeper than {protocol.MAX_DEPTH} messages"):
            protocol.parse(_request(span).SerializeToString(), protocol.PROTOBUF)


def test_nesting_up_to_the_depth_is_kept_whole():
    [record] = from_otlp(protocol.parse(_nested_json(31), protocol.JSON)).records
    value = record.attributes["a"]
    for _ in range(31):
        value = value["k"]
    assert value == "leaf"
    span = Span(trace_id=TRACE, span_id=SPAN, attributes=[KeyValue(key="a", value=_nested_attribute(31))])
    [binary] = from_otlp(protocol.parse(_request(span).SerializeToString(), protocol.PROTOBUF)).records
    assert binary.attributes == record.attributes
