"""Differences between two chat versions: message by message (a unified diff of each changed
message's template), and tools and response format as structured changes (``+``/``-``/``~`` at a
path such as ``tools.lookup_order.parameters.properties.order_id``)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from otel_llm.prompts.models import Version


@dataclass(frozen=True)
class Change:
    """One structured change: ``kind`` is ``+`` (added), ``-`` (removed) or ``~`` (changed)."""

    kind: str
    path: str
    old: Any = None
    new: Any = None

    def line(self) -> str:
        if self.kind == "~":
            return f"~ {self.path}: {_short(self.old)} -> {_short(self.new)}"
        value = self.new if self.kind == "+" else self.old
        return f"{self.kind} {self.path}: {_short(value)}"


def _short(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _messages(version: Version) -> list[dict[str, Any]]:
    if version.kind == "chat":
        return list(version.messages)
    return [{"role": "system", "content": version.template}]


@dataclass(frozen=True)
class MessageDiff:
    """A changed, added or removed message: its header (``message 2 (user)``) and diff lines."""

    header: str
    lines: list[str]


def changed_messages(a: Version, b: Version) -> list[tuple[int, dict | None, dict | None]]:
    """``(number, old, new)`` of every message that differs (None: added or removed), aligned by
    difflib over whole messages."""
    left, right = _messages(a), _messages(b)
    matcher = difflib.SequenceMatcher(a=_keys(left), b=_keys(right), autojunk=False)
    out: list[tuple[int, dict | None, dict | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            old = left[i1 + k] if i1 + k < i2 else None
            new = right[j1 + k] if j1 + k < j2 else None
            out.append(((j1 + k if new else i1 + k) + 1, old, new))
    return out


def header(number: int, old: dict | None, new: dict | None) -> str:
    if old is not None and new is not None and old["role"] != new["role"]:
        return f"message {number} ({old['role']} -> {new['role']})"
    return f"message {number} ({(new or old or {}).get('role')})"


def message_diffs(a: Version, b: Version, context: int = 3) -> list[MessageDiff]:
    return [_one(a, b, old, new, number, context) for number, old, new in changed_messages(a, b)]


def _keys(messages: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(m, sort_keys=True) for m in messages]


def _one(a: Version, b: Version, old, new, number: int, context: int) -> MessageDiff:
    title = header(number, old, new)
    lines = difflib.unified_diff(
        old["content"].splitlines() if old else [],
        new["content"].splitlines() if new else [],
        f"{a.name}@v{a.version} {title}" if old else "/dev/null",
        f"{b.name}@v{b.version} {title}" if new else "/dev/null",
        n=context,
        lineterm="",
    )
    return MessageDiff(title, list(lines))


def structured(old: Any, new: Any, path: str) -> list[Change]:
    """Changes from ``old`` to ``new`` (JSON values), recursing into objects."""
    if old == new:
        return []
    if old is None:
        return [Change("+", path, new=new)]
    if new is None:
        return [Change("-", path, old=old)]
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in list(old) + [k for k in new if k not in old]:
            changes += structured(old.get(key), new.get(key), f"{path}.{key}")
        return changes
    return [Change("~", path, old, new)]


def tool_changes(a: Version, b: Version) -> list[Change]:
    by_name = [{t["name"]: {k: v for k, v in t.items() if k != "name"} for t in v.tools} for v in (a, b)]
    return structured(by_name[0] or None, by_name[1] or None, "tools") if by_name[0] != by_name[1] else []


def response_format_changes(a: Version, b: Version) -> list[Change]:
    return structured(a.response_format, b.response_format, "response_format")


def unified(a: Version, b: Version, context: int = 3) -> list[str]:
    """Every changed message's diff, then the tool, response-format and config changes."""
    lines: list[str] = []
    if (a.kind, a.template_format) != (b.kind, b.template_format):
        lines.append(f"~ kind: {a.kind} ({a.template_format}) -> {b.kind} ({b.template_format})")
    for diff in message_diffs(a, b, context):
        lines += diff.lines
    lines += [c.line() for c in tool_changes(a, b) + response_format_changes(a, b)]
    lines += [c.line() for c in structured(a.config or None, b.config or None, "config")]
    return lines
