"""JSON encoding of the JSON/JSONB columns, with orjson: ~15x faster than ``json.dumps`` on a span's
attribute map, which matters on the write path (three JSON columns per span).

``loads`` parses with orjson and falls back to ``json.loads`` for what orjson refuses (``NaN``
literals, lone surrogates, integers past 64 bits), so it accepts exactly what ``json.loads``
accepts, with the same result.

Values JSON cannot represent become strings (``default=str``); NaN and infinities become ``null``
(Postgres' JSONB has no NaN); non-string keys are written as strings.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps_bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=_OPTIONS)


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_OPTIONS).decode()


def loads(text: str | bytes) -> Any:
    """``json.loads``, ~3x faster on valid JSON; raises ``ValueError`` where ``json.loads`` does."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
