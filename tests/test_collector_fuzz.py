"""OTLP/JSON fuzzing of a running collector: mutated bodies get a 200 or a 4xx, never a 5xx.

A seeded mutator (the same bodies every run) starts from valid OTLP/JSON requests and changes them
the way broken or hostile exporters do: values of the wrong type, out-of-range numbers, ids of the
wrong length, missing and unknown keys, deep nesting, truncated or corrupted bytes. The counts by
status are printed (``pytest -s``); the test fails on any 5xx, and the collector still stores a
valid body afterwards.
"""

from __future__ import annotations

import collections
import copy
import json
import random

import httpx
import pytest

from tests.test_collector_support import running_collector, span_count

pytestmark = pytest.mark.postgres

SEED = 20261202
BODIES = 600
JSON_HEADERS = {"Content-Type": "application/json"}
ODD_VALUES = [
    None,
    True,
    0,
    -1,
    2**64,
    2**70,
    -(2**63) - 1,
    1e308,
    -0.0,
    "",
    "NaN",
    "Infinity",
    "zz",
    "\u0000",
    "\ud800",
    "é" * 3,
    "00" * 16,
    "ff" * 8,
    [],
    {},
    [None],
    {"": None},
    {"stringValue": 5},
    {"intValue": "12x"},
    {"doubleValue": "fast"},
    {"bytesValue": "!!!"},
    {"arrayValue": {"values": "x"}},
    {"kvlistValue": {"values": [{"key": 1}]}},
]


def _valid_body(rng: random.Random, n: int) -> dict:
    spans = []
    for i in range(rng.randint(1, 3)):
        spans.append(
            {
                "traceId": rng.randbytes(16).hex(),
                "spanId": rng.randbytes(8).hex(),
                "parentSpanId": rng.choice(["", rng.randbytes(8).hex()]),
                "name": f"chat gpt-4o-mini {n}.{i}",
                "kind": rng.choice([1, 3, "SPAN_KIND_CLIENT"]),
                "startTimeUnixNano": "1767225600000000000",
                "endTimeUnixNano": "1767225601000000000",
                "status": {"code": rng.choice([0, 1, 2]), "message": ""},
                "attributes": [
                    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}},
                    {"key": "gen_ai.request.temperature", "value": {"doubleValue": 0.2}},
                    {
                        "key": "nested",
                        "value": {
                            "kvlistValue": {
                                "values": [
                                    {
                                        "key": "list",
                                        "value": {"arrayValue": {"values": [{"boolValue": True}]}},
                                    }
                                ]
                            }
                        },
                    },
                ],
                "events": [{"name": "e", "timeUnixNano": "1767225600500000000", "attributes": []}],
            }
        )
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "fuzz"}}]}
    return {
        "resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "fuzz"}, "spans": spans}]}]
    }


def _nodes(document):
    """(container, key) pairs of a JSON document, down to 40 levels (iteratively: a mutation may
    already have nested it deeply)."""
    found, stack = [], [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > 40:
            continue
        items = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        )
        for key, item in items:
            found.append((value, key))
            stack.append((item, depth + 1))
    return found


NEST = "@@nest:"  # a placeholder string that _encode writes out as that many levels of kvlistValue


def _nest(rng: random.Random) -> str:
    return f"{NEST}{rng.choice([30, 31, 32, 100, 1_000, 3_000])}@@"


def _mutate_tree(rng: random.Random, document: dict) -> dict:
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 4)):
        nodes = _nodes(document)
        if not nodes:
            break
        parent, key = rng.choice(nodes)
        action = rng.random()
        if action < 0.5:
            parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.65 and isinstance(parent, dict):
            del parent[key]
        elif action < 0.8:
            parent[key] = _nest(rng)
        elif isinstance(parent, dict):
            parent[f"unknown{rng.randint(0, 9)}"] = parent[key]
        else:
            parent.append(parent[key])
    return document


def _encode(document: dict) -> bytes:
    text = json.dumps(document)
    while NEST in text:
        start = text.index(f'"{NEST}')
        end = text.index('@@"', start + 1)
        levels = int(text[start + 1 + len(NEST) : end])
        nested = '{"kvlistValue":{"values":[{"key":"k","value":' * levels + '{"stringValue":"leaf"}'
        text = text[:start] + nested + "}]}}" * levels + text[end + 3 :]
    return text.encode("utf-8", "surrogatepass")


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    action = rng.random()
    if action < 0.3:
        return bytes(data[: rng.randint(0, len(data))])
    if action < 0.6:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if action < 0.8:
        at = rng.randrange(len(data))
        return bytes(data[:at] + rng.choice([b"[" * 5_000, b"\xff\xfe", b"\x00", b"{}", b",,"]) + data[at:])
    return rng.choice([b"", b"null", b"[]", b"1", b'"x"', b"{}", b"[" * 100_000, b'{"a":' * 50_000])


def fuzzed_bodies(seed: int = SEED, count: int = BODIES):
    rng = random.Random(seed)
    for n in range(count):
        body = _valid_body(rng, n)
        roll = rng.random()
        if roll < 0.1:
            yield _encode(body)  # some valid ones, so stores are exercised too
        elif roll < 0.75:
            yield _encode(_mutate_tree(rng, body))
        else:
            yield _mutate_bytes(rng, _encode(body))


def test_mutated_otlp_json_bodies_never_get_a_server_error(pg_url, tmp_path):
    statuses: collections.Counter[int] = collections.Counter()
    server_errors = []
    with running_collector(pg_url, tmp_path, "--no-auth", "--no-spool") as collector:
        with httpx.Client(timeout=30) as client:
            for body in fuzzed_bodies():
                answer = client.post(collector.endpoint, content=body, headers=JSON_HEADERS)
                statuses[answer.status_code] += 1
                if answer.status_code >= 500:
                    server_errors.append((answer.status_code, answer.text[:200], body[:200]))
            before = span_count(pg_url)
            valid = _encode(_valid_body(random.Random(1), 0))
            assert client.post(collector.endpoint, content=valid, headers=JSON_HEADERS).status_code == 200
            assert collector.health()["status"] == "ok"
    by_class = collections.Counter(f"{status // 100}xx" for status in statuses.elements())
    print(
        f"\nOTLP/JSON fuzz: {BODIES} bodies, by status {dict(sorted(statuses.items()))}, by class {dict(by_class)}"
    )
    assert server_errors == []
    assert by_class["2xx"] > 0 and by_class["4xx"] > 0  # the mutations reach both stores and refusals
    assert span_count(pg_url) > before
