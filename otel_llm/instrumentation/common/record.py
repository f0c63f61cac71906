"""The request record (``otel_llm.request``): what the app passed to the SDK, so it can be sent again.

JSON ``{"api": ..., "params": {...}, "content": bool, "stream": bool}``. ``params`` holds every
keyword argument of the SDK method, JSON-encoded, minus the transport-only options (``extra_headers``,
``extra_query``, ``timeout``): no header, hence no API key or authorization, is ever recorded.
Replaying is ``client.<api>(**params)`` (plus ``stream=True`` when ``stream`` is set and
``params`` lacks it, i.e. the call went through a ``.stream()`` helper). With content capture off,
the content parameters are left out and ``content`` is false.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from otel_llm.instrumentation.common import content
from otel_llm.instrumentation.common.encoding import make_encoder

logger = logging.getLogger(__name__)

TRANSPORT_ONLY = frozenset({"extra_headers", "extra_query", "timeout"})
CONTENT_PARAMS = frozenset({"messages", "system", "input", "instructions", "prompt", "contents"})
NESTED_CONTENT = (("config", "system_instruction"), ("config", "systemInstruction"))
"""Content fields inside an object parameter (a JSON object by the time the record is built)."""
_NOT_RECORDED_WITHOUT_CONTENT = TRANSPORT_ONLY | CONTENT_PARAMS

_LEAVES = (str, int, float, bool, type(None))
_CONTAINERS = (*_LEAVES, list, dict, tuple)
_CONTAINER_TYPES = frozenset(_CONTAINERS)


def materialise(kwargs: dict[str, Any]) -> None:
    """Replace iterator/generator (and other non-list iterable) arguments in ``kwargs`` by lists, in
    place, so that both the record and the SDK see every item (the SDK then gets the same list)."""
    for name, value in kwargs.items():
        if type(value) in _CONTAINER_TYPES or isinstance(value, _CONTAINERS):
            continue
        if _needs_list(value):
            kwargs[name] = list(value)


def _needs_list(value: Any) -> bool:
    if isinstance(value, Iterator):
        return True
    return (
        isinstance(value, Iterable)
        and not isinstance(value, Mapping | bytes | str)
        and not hasattr(value, "model_dump")  # pydantic models iterate over their fields
    )


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_unset=True)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_encode = make_encoder(_json_default)


_SENTINELS = frozenset({"Omit", "NotGiven"})
"""Class names of the SDKs' ``omit`` / ``NOT_GIVEN`` sentinels: arguments not given."""


def build(api: str, kwargs: Mapping[str, Any], capture: bool, stream: bool) -> str:
    """The record as a JSON string (one encoding)."""
    left_out = TRANSPORT_ONLY if capture else _NOT_RECORDED_WITHOUT_CONTENT
    params = {k: v for k, v in kwargs.items() if k not in left_out and type(v).__name__ not in _SENTINELS}
    if not capture:
        _drop_nested(params)
    fn = content.redactor() if capture else None
    if fn is not None:
        try:
            for key in CONTENT_PARAMS.intersection(params):
                params[key] = content.redact(jsonable(params[key]), fn)
            _redact_nested(params, fn)
        except Exception:
            logger.debug("otel-llm: redactor failed; the request record keeps no content", exc_info=True)
            params = {k: v for k, v in params.items() if k not in CONTENT_PARAMS}
            _drop_nested(params)
            capture = False
    record = {"api": api, "params": params, "content": capture, "stream": stream}
    return _encode(record)


def _drop_nested(params: dict[str, Any]) -> None:
    for outer, inner in NESTED_CONTENT:
        value = params.get(outer)
        if isinstance(value, dict) and inner in value:
            params[outer] = {k: v for k, v in value.items() if k != inner}


def _redact_nested(params: dict[str, Any], fn: content.Redactor) -> None:
    for outer, inner in NESTED_CONTENT:
        value = params.get(outer)
        if isinstance(value, dict) and inner in value:
            params[outer] = {**value, inner: content.redact(jsonable(value[inner]), fn)}


def jsonable(value: Any) -> Any:
    """A JSON structure of an SDK value (pydantic models and mappings included)."""
    if isinstance(value, _LEAVES):
        return value
    return json.loads(json.dumps(value, default=_json_default))
