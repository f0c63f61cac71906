"""The strict JSON API: every request is checked against the schemas of its ``@api_doc``.

``openapi.api_doc`` wraps each API view with ``checked(doc, view)``: after the access check, the
query string and the JSON body are validated against the very schemas the OpenAPI document
publishes, so the document and the checks cannot disagree. What does not follow them is a 400
naming the field: an unknown field or query argument, a wrong type, a value out of range, text with
NUL characters. Views read the checked values with ``web.api.json_object()`` and ``query_arg()``.

Object schemas are closed: ``strict(schema)`` adds ``additionalProperties: false`` to every object
that lists its ``properties`` (an object meant to stay open says ``additionalProperties: true``).
Integer path variables are bounded by the column they look up: ``<int:id>`` (``IdConverter``) by an
INTEGER column's 2**31-1, ``<bigint:id>`` by a BIGINT's 2**63-1. A larger number matches no route,
so it is a 404 like any id that does not exist (Postgres refuses to compare an INTEGER column with
a larger number, SQLite any column with one past 2**63-1).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from flask import g, request
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from otel_llm_server.web.errors import ApiError
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1  # the largest value of a Postgres INTEGER column (most ids, version numbers)
BIGINT_MAX = 2**63 - 1  # of a BIGINT column (replays, replay runs) and of any SQLite integer
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_INTEGER = re.compile(r"^[+-]?\d{1,25}$")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
_KINDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a list",
    "null": "null",
}


class IdConverter(IntegerConverter):
    """``<int:…>`` path variables: 0 to ``ID_MAX`` (larger numbers match no route: 404)."""

    limit = ID_MAX

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", self.limit)
        super().__init__(map, *args, **kwargs)


class BigIdConverter(IdConverter):
    """``<bigint:…>`` path variables: 0 to ``BIGINT_MAX``."""

    limit = BIGINT_MAX


CONVERTERS = {"int": IdConverter, "bigint": BigIdConverter}
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": ID_MAX}
NO_BODY = {"type": "object", "properties": {}, "additionalProperties": False}  # routes without a request
BIGINT_ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX}


def strict(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """``schema`` with every object that lists ``properties`` closed to other fields."""
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict_child(key, value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _strict_child(key: str, value: Any) -> Any:
    if key == "properties":
        return {name: strict(sub) for name, sub in value.items()}
    if key == "items":
        return strict(value)
    return value


def query_schema(query: dict[str, tuple[str | dict[str, Any], str]]) -> dict[str, Any]:
    """The query arguments of ``@api_doc(query=...)`` as one object schema (each kind a type
    name or a schema)."""
    properties = {
        name: dict(kind) if isinstance(kind, dict) else {"type": kind} for name, (kind, _) in query.items()
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def checked(doc: dict[str, Any], view: Callable) -> Callable:
    """``view`` preceded by the checks of its query string and body (see the module docstring)."""
    query = Draft4Validator(_json_schema(doc["query_schema"]))
    body = Draft4Validator(_json_schema(doc["request"] or NO_BODY))

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        _check_path(kwargs)
        g.api_query = _check_query(query)
        if request.method in BODY_METHODS:
            g.api_body = _check_body(body)
        return view(*args, **kwargs)

    return wrapped


def _check_path(values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, str) and not _clean_text(value):
            raise ApiError(404, "not_found", f"no such {name}: it contains characters no name can have.")


def _check_query(validator: Draft4Validator) -> dict[str, Any]:
    properties = validator.schema["properties"]
    values: dict[str, Any] = {}
    for name in request.args:
        raw = request.args.getlist(name)
        if name in properties and len(raw) > 1:
            raise ApiError(400, "bad_request", f"give the query argument '{name}' once.")
        if raw[-1] == "" and name in properties:
            continue  # an empty form field means "not given"
        values[name] = _from_text(raw[-1], properties.get(name, {}).get("type"))
    _validate(values, validator, what="query argument")
    return values


def _from_text(text: str, kind: str | None) -> Any:
    """A query value as the type its schema names (left as text when it is not one: the schema
    then reports the type)."""
    lowered = text.strip().lower()
    if kind == "integer" and _INTEGER.match(lowered):
        return int(lowered)
    if kind == "number":
        try:
            number = float(lowered)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if kind == "boolean" and lowered in _TRUE + _FALSE:
        return lowered in _TRUE
    return text


def _check_body(validator: Draft4Validator) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        if validator.schema.get("required"):
            raise ApiError(
                400, "bad_request", "send a JSON object body with 'Content-Type: application/json'."
            )
        return {}
    if not request.is_json:
        raise ApiError(400, "bad_request", "send a JSON object body with 'Content-Type: application/json'.")
    try:  # orjson: no NaN/Infinity, no lone surrogates, nesting capped at 1024 levels (a ValueError)
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "bad_request", f"the body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object.")
    _validate(body, validator)
    return body


def _validate(value: dict[str, Any], validator: Draft4Validator, what: str = "field") -> None:
    error = best_match(validator.iter_errors(value))
    if error is not None:
        raise ApiError(400, "bad_request", describe(error, what))
    for path, text in _strings(value, ()):
        if not _clean_text(text):
            raise ApiError(400, "bad_request", f"'{_dotted(path)}' must be text without NUL characters.")


def _json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` in JSON Schema terms (``type: [T, "null"]``)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {name: _json_schema(sub) for name, sub in out["properties"].items()}
    if "items" in out:
        out["items"] = _json_schema(out["items"])
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _strings(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, path)
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _clean_text(text: str) -> bool:
    """No NUL (Postgres text cannot hold it) and no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def describe(error: ValidationError, what: str = "field") -> str:
    """One sentence naming the field and saying what it must be."""
    where = _dotted(tuple(error.absolute_path))
    kind, expected = error.validator, error.validator_value
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        name = _dotted((*error.absolute_path, extra[0]))
        hint = f"use {', '.join(allowed)}" if allowed else "it takes none"
        return f"unknown {what} '{name}'; {hint}."
    if kind == "required":
        missing = [name for name in expected if name not in error.instance]
        return f"'{_dotted((*error.absolute_path, missing[0]))}' is required."
    if not where:
        return f"the body must be {_kind(expected)}." if kind == "type" else error.message
    if kind == "type":
        return f"'{where}' must be {_kind(expected)}."
    if kind == "enum":
        return f"'{where}' must be one of {', '.join(str(v) for v in expected if v is not None)}."
    if kind in ("minimum", "maximum"):
        return f"'{where}' must be at {'least' if kind == 'minimum' else 'most'} {expected}."
    if kind == "minLength":
        return (
            f"'{where}' must not be empty." if expected == 1 else f"'{where}' needs {expected}+ characters."
        )
    if kind == "maxLength":
        return f"'{where}' must be at most {expected} characters."
    if kind in ("minItems", "maxItems"):
        return f"'{where}' must have at {'least' if kind == 'minItems' else 'most'} {expected} items."
    return f"'{where}': {error.message}."


def _kind(expected: str | list[str]) -> str:
    kinds = [expected] if isinstance(expected, str) else expected
    return " or ".join(_KINDS.get(k, k) for k in kinds)


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
