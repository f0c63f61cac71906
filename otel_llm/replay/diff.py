"""Original vs replay: the output text's word-level diff and the deltas of tokens, cost and latency.

``compare(original_row, replay_row)`` works on two stored spans, so the figures are the ones the
traces pages show. The diff is a list of ``{"op": "equal"|"delete"|"insert", "text": ...}`` runs;
the CLI renders it inline (coloured or ``[-old-]{+new+}``), the console in two columns.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from otel_llm import attributes as attrs

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)

METRICS = (
    ("input_tokens", "input_tokens"),
    ("output_tokens", "output_tokens"),
    ("cache_read_tokens", "cache_read_tokens"),
    ("cost_usd", "cost_usd"),
    ("latency_ms", "duration_ms"),
)


def output_text(row: dict[str, Any] | None) -> str:
    """The answer of a stored span as text: text parts, then tool calls as ``[tool call name {args}]``."""
    if not row:
        return ""
    raw = (row.get("attributes") or {}).get(attrs.GEN_AI_OUTPUT_MESSAGES)
    try:
        messages = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    pieces: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        for part in message.get("parts") or [] if isinstance(message, dict) else []:
            pieces.append(_part_text(part))
    return "\n".join(p for p in pieces if p)


def _part_text(part: Any) -> str:
    if not isinstance(part, dict):
        return str(part)
    kind = part.get("type")
    if kind == "text":
        return str(part.get("content") or "")
    if kind == "tool_call":
        arguments = part.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False, sort_keys=True)
        return f"[tool call {part.get('name')} {arguments}]"
    return ""


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def word_diff(original: str, replay: str) -> list[dict[str, str]]:
    """Runs of equal, deleted (only in the original) and inserted (only in the replay) text.

    A lone space between two changes joins them, so a rewritten phrase reads as one change.
    """
    a, b = tokens(original), tokens(replay)
    segments: list[list[str]] = []  # ["equal", text] or ["change", deleted, inserted]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(["equal", "".join(a[i1:i2])])
        else:
            segments.append(["change", "".join(a[i1:i2]), "".join(b[j1:j2])])
    return _runs(_join_changes(segments))


def _join_changes(segments: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for index, segment in enumerate(segments):
        following = segments[index + 1] if index + 1 < len(segments) else None
        gap = segment[0] == "equal" and segment[1].isspace() and following and following[0] == "change"
        if gap and out and out[-1][0] == "change":
            segment = ["change", segment[1], segment[1]]
        if segment[0] == "change" and out and out[-1][0] == "change":
            out[-1] = ["change", out[-1][1] + segment[1], out[-1][2] + segment[2]]
        else:
            out.append(segment)
    return out


def _runs(segments: list[list[str]]) -> list[dict[str, str]]:
    runs: list[dict[str, str]] = []
    for segment in segments:
        if segment[0] == "equal":
            runs.append({"op": "equal", "text": segment[1]})
            continue
        if segment[1]:
            runs.append({"op": "delete", "text": segment[1]})
        if segment[2]:
            runs.append({"op": "insert", "text": segment[2]})
    return runs


def similarity(original: str, replay: str) -> float:
    """Share of words in common (difflib ratio over the words, whitespace ignored): 1.0 = same text."""
    a = [t for t in tokens(original) if not t.isspace()]
    b = [t for t in tokens(replay) if not t.isspace()]
    if not a and not b:
        return 1.0
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 4)


def delta(original: float | None, replay: float | None) -> dict[str, Any]:
    """Both values with the absolute and relative change (None when either is unknown)."""
    out: dict[str, Any] = {"original": original, "replay": replay, "delta": None, "delta_pct": None}
    if original is None or replay is None:
        return out
    out["delta"] = round(replay - original, 10)
    if original:
        out["delta_pct"] = round((replay - original) / abs(original) * 100, 2)
    return out


def compare(original: dict[str, Any], replay: dict[str, Any] | None) -> dict[str, Any]:
    """Everything the diff view shows, from two full ``spans`` rows (the replay row may be missing)."""
    replay = replay or {}
    before, after = output_text(original), output_text(replay)
    result: dict[str, Any] = {
        "output": {
            "original": before,
            "replay": after,
            "changed": before.strip() != after.strip(),
            "similarity": similarity(before, after),
            "diff": word_diff(before, after),
        },
        "model": _pair(
            original.get("response_model") or original.get("request_model"),
            replay.get("response_model") or replay.get("request_model"),
        ),
        "provider": _pair(original.get("provider"), replay.get("provider")),
        "finish_reason": _pair(original.get("finish_reason"), replay.get("finish_reason")),
    }
    for name, column in METRICS:
        result[name] = delta(original.get(column), replay.get(column))
    return result


def _pair(original: Any, replay: Any) -> dict[str, Any]:
    return {"original": original, "replay": replay, "changed": original != replay}


def summary(comparison: dict[str, Any]) -> dict[str, Any]:
    """The compact form stored with a replay row and aggregated by batch runs."""
    out = {
        "changed": comparison["output"]["changed"],
        "similarity": comparison["output"]["similarity"],
        "finish_reason": comparison["finish_reason"],
        "model": comparison["model"],
        "provider": comparison["provider"],
    }
    for name, _ in METRICS:
        out[name] = comparison[name]
    return out
