"""Differences between two versions: a unified diff (CLI) and side-by-side rows (console)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from otel_llm.prompts.models import Version


def _config_lines(version: Version) -> list[str]:
    return json.dumps(version.config, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def unified(a: Version, b: Version, context: int = 3) -> list[str]:
    """Unified diff lines of template, then config (when they differ), labelled ``name@vN``. Chat
    versions (or any with tools or a response format) are compared by ``chat_diff.unified``."""
    if _is_chat(a) or _is_chat(b):
        from otel_llm.prompts import chat_diff

        return chat_diff.unified(a, b, context)
    lines = list(
        difflib.unified_diff(
            a.template.splitlines(),
            b.template.splitlines(),
            f"{a.name}@v{a.version} template",
            f"{b.name}@v{b.version} template",
            n=context,
            lineterm="",
        )
    )
    lines += difflib.unified_diff(
        _config_lines(a),
        _config_lines(b),
        f"{a.name}@v{a.version} config",
        f"{b.name}@v{b.version} config",
        n=context,
        lineterm="",
    )
    return lines


def _is_chat(version: Version) -> bool:
    return version.kind == "chat" or bool(version.tools) or version.response_format is not None


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side diff: ``kind`` is equal, replace, delete or insert."""

    kind: str
    left_no: int | None
    left: str | None
    right_no: int | None
    right: str | None


def side_by_side(left: list[str], right: list[str]) -> list[Row]:
    """Aligned rows of two texts, from difflib's opcodes."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            has_left, has_right = i < i2, j < j2
            rows.append(
                Row(
                    kind=tag,
                    left_no=i + 1 if has_left else None,
                    left=left[i] if has_left else None,
                    right_no=j + 1 if has_right else None,
                    right=right[j] if has_right else None,
                )
            )
    return rows


def template_rows(a: Version, b: Version) -> list[Row]:
    return side_by_side(a.template.splitlines(), b.template.splitlines())


def config_rows(a: Version, b: Version) -> list[Row]:
    return side_by_side(_config_lines(a), _config_lines(b))
