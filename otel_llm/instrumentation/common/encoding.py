"""A JSON encoder without per-call setup: the C encoder of ``json`` built once.

``json.dumps`` (and ``JSONEncoder.encode``) build the C encoder anew on every call; on the hot path
of every LLM call that setup costs about as much as encoding a short message list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - CPython always has it
    _c_make_encoder = None


def make_encoder(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """``encode(value) -> str``: compact-ish JSON (``", "``/``": "`` separators, as ``json.dumps``),
    non-ASCII kept, ``default`` for other types. No circular-reference check: a cycle raises
    ``RecursionError``, which callers treat like any other failure of ours."""
    if _c_make_encoder is None:  # pragma: no cover
        return json.JSONEncoder(ensure_ascii=False, default=default).encode
    encoder = _c_make_encoder(
        None, default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return json.encoder.encode_basestring(value)
        return "".join(encoder(value, 0))

    return encode
