"""Small readers shared by the SDK packages: fields of dicts or SDK models, numbers, texts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for SDK models."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


NUMBER_TYPES = frozenset({int, float})
"""Exact types of a number parameter (``type(v) in NUMBER_TYPES``: bools and sentinels excluded)."""


def as_mapping(obj: Any) -> Any:
    """The fields of a mapping or an SDK model, to read with ``.get``: one call instead of a
    ``get()`` call per field on the hot path."""
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "__pydantic_fields_set__"):  # an SDK model: its fields are its __dict__
        return obj.__dict__
    return obj if isinstance(obj, Mapping | _Attributes) else _Attributes(obj)


class _Attributes:
    """``.get`` over any other object's attributes."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self.obj, name, default)


def number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def integer(value: Any) -> int | None:
    if type(value) is int:
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def string_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def texts(content: Any) -> list[str]:
    """Texts of a message content: a string, or text parts/blocks (``{"type": "text", "text": ...}``)."""
    if isinstance(content, str):
        return [content]
    found = []
    if isinstance(content, list | tuple):
        for part in content:
            if get(part, "type") in ("text", "input_text", "output_text"):
                text = get(part, "text")
                if isinstance(text, str):
                    found.append(text)
    return found


def set_number(target: dict[str, Any], name: str, value: Any) -> None:
    value = number(value)
    if value is not None:
        target[name] = value
