"""Small readers shared by the SDK packages: fields of dicts or SDK models, numbers, texts."""

from __future__ import annotations

from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for SDK models."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def integer(value: Any) -> int | None:
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
