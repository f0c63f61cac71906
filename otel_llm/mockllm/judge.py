"""Deterministic, parseable answers to judge prompts, so evaluations run offline.

A judge prompt (``otel_llm.evaluation.judge``) asks for ``{"score": <integer from L to H>, ...}``
and holds the graded answer between ``<answer>`` tags and the reference between ``<reference>``
tags. The local provider answers with a score that follows how closely the answer matches the
reference (difflib ratio of the words; without a reference, a stable hash of the answer), so a
better answer gets a better score and the same prompt always gets the same answer.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re

_ASK = re.compile(r'"score"\s*:\s*<\s*integer from\s+(-?\d+)\s+to\s+(-?\d+)\s*>', re.IGNORECASE)


def _section(text: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}>\s*(.*?)\s*</{tag}>", text, re.DOTALL)
    return match.group(1) if match else None


def answer(prompt: str) -> str | None:
    """The judge's JSON verdict for ``prompt``, or None when it is not a judge prompt."""
    asked = _ASK.search(prompt or "")
    if asked is None:
        return None
    low, high = int(asked.group(1)), int(asked.group(2))
    graded = _section(prompt, "answer") or ""
    reference = _section(prompt, "reference")
    if reference and reference != "(none)":
        closeness = difflib.SequenceMatcher(None, graded.lower().split(), reference.lower().split()).ratio()
        why = f"The answer covers about {round(closeness * 100)}% of the reference answer."
    else:
        closeness = hashlib.sha256(graded.encode()).digest()[0] / 255
        why = (
            "The answer addresses the question."
            if closeness >= 0.5
            else "The answer is only partly on topic."
        )
    score = low + round(closeness * (high - low))
    return json.dumps({"score": score, "rationale": why})
