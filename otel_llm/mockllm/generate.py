"""Deterministic output for the local provider: text, token counts, JSON from a schema, model names.

Everything here is a pure function of the request, so the same request always gets the same answer
and a change of model, temperature, system prompt or messages gets a different one. Text answers
are coherent sentences from a small built-in corpus (``corpus.py``) that fit the question.

Token counts are approximations that stay consistent between streamed and non-streamed answers:
input text counts ``ceil(len / 4)`` tokens, each generated answer piece (a word, or four characters
of JSON) counts one token, and every streamed delta carries exactly one piece.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Any

from otel_llm.mockllm import corpus, judge

VOCABULARY = (
    "the model answers with a short deterministic reply about data signal prompt version latency "
    "token cost trace span replay experiment variant metric quality result sample value window "
    "baseline change review clear simple steady careful useful brief direct honest exact stable "
    "and of to for with from into over under across through between while because so then also"
).split()

JSON_PIECE_CHARS = 4

# Dated snapshot names the OpenAI API reports for its aliases; other models are echoed unchanged.
OPENAI_SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
}


def openai_response_model(model: str) -> str:
    """The model name OpenAI reports back: a dated snapshot for known aliases, otherwise the request's."""
    return OPENAI_SNAPSHOTS.get(model, model)


def count_tokens(text: str) -> int:
    """Approximate tokens of input text: one per four characters, rounded up."""
    return (len(text) + 3) // 4


def digest(*parts: Any) -> bytes:
    """A stable sha256 of JSON-able parts (dict key order does not matter)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def rng_for(seed: bytes, salt: str = "") -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed + salt.encode()).digest()[:8], "big"))


def short_id(seed: bytes, salt: str, length: int = 24) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    rng = rng_for(seed, salt)
    return "".join(rng.choice(alphabet) for _ in range(length))


@dataclass
class Output:
    """Generated answer text split into the pieces a stream sends; ``finish`` says why it ended."""

    pieces: list[str]
    finish: str  # "stop" | "length" | "stop_sequence"
    stop_sequence: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def tokens(self) -> int:
        return len(self.pieces)


def words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(count)]


def reply_pieces(seed: bytes, model: str, question: str, system: str = "") -> list[str]:
    """A coherent answer to ``question`` as stream pieces (``["Open", " the", ..., " in."]``).

    The topic comes from the question's words, the tone from the model's family, the wordings from
    ``seed`` (which covers model, temperature and messages); a brief system prompt drops a fact and one
    that asks for a next step adds it. Every API the local provider serves calls this for its text.
    """
    verdict = judge.answer(question + "\n" + system)
    if verdict is not None:
        return split(verdict)
    rng = rng_for(seed, "text")
    topic = topic_for(question)
    tone = corpus.TONES.get(model_family(model), corpus.DEFAULT_TONE)
    instructions = system.lower()
    facts = topic.facts
    if any(word in instructions for word in corpus.BRIEF_WORDS) and len(facts) > 1:
        facts = facts[:-1]
    opener = "" if topic.plain else rng.choice(tone.openers)
    sentences = [opener] + [rng.choice(wordings) for wordings in facts]
    if any(word in instructions for word in corpus.NEXT_STEP_WORDS):
        sentences.append(rng.choice(topic.next_step))
    sentences.append(rng.choice(tone.closers))
    chosen = " ".join(s for s in sentences if s).split()
    return [chosen[0]] + [" " + word for word in chosen[1:]]


def topic_for(question: str) -> corpus.Topic:
    """The corpus topic whose keywords the question mentions most (the general answer if none)."""
    text = " " + " ".join(_hint_text(question, limit=None).lower().split()) + " "
    scored = [(sum(text.count(k) for k in topic.keywords), -i) for i, topic in enumerate(corpus.TOPICS)]
    hits, index = max(scored)
    return corpus.TOPICS[-index] if hits else corpus.GENERAL


def model_family(model: str) -> str:
    """``gpt-4o-mini`` -> ``gpt``, ``claude-haiku-4-5`` -> ``claude``, ``o3-mini`` -> ``o``."""
    found = re.match(r"[a-z]+", model.lower().rsplit("/", 1)[-1])
    return found.group(0) if found else ""


def split(text: str) -> list[str]:
    """Text cut into stream pieces of four characters (one token each)."""
    return [text[i : i + JSON_PIECE_CHARS] for i in range(0, len(text), JSON_PIECE_CHARS)] or [""]


def json_pieces(value: Any) -> list[str]:
    return split(json.dumps(value, ensure_ascii=False))


def finish(pieces: list[str], max_tokens: int | None, stop: list[str] | None) -> Output:
    """Apply stop sequences, then the ``max_tokens`` bound, to the full answer."""
    output = _apply_stop(pieces, stop or [])
    if max_tokens is not None and output.tokens > max_tokens:
        return Output(output.pieces[:max_tokens], "length")
    return output


def _apply_stop(pieces: list[str], stop: list[str]) -> Output:
    text = "".join(pieces)
    hits = [(text.find(s), s) for s in stop if s and s in text]
    if not hits:
        return Output(pieces, "stop")
    cut, sequence = min(hits)
    kept: list[str] = []
    length = 0
    for piece in pieces:
        if length + len(piece) >= cut:
            if cut > length:
                kept.append(piece[: cut - length])
            break
        kept.append(piece)
        length += len(piece)
    return Output(kept, "stop_sequence", sequence)


def schema_value(schema: Any, rng: random.Random, hint: str = "", defs: dict | None = None) -> Any:
    """A deterministic value that validates against a (simple) JSON schema."""
    if not isinstance(schema, dict):
        return " ".join(words(rng, 3))
    defs = defs if defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return schema_value(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), rng, hint, defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(key, []) if not (isinstance(s, dict) and s.get("type") == "null")]
        if options:
            return schema_value(options[0], rng, hint, defs)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return _typed_value(kind, schema, rng, hint, defs)


def _typed_value(kind: str, schema: dict, rng: random.Random, hint: str, defs: dict) -> Any:
    if kind == "object":
        props = schema.get("properties", {})
        hinted = next(
            (n for n, sub in props.items() if isinstance(sub, dict) and sub.get("type") == "string"), None
        )
        return {
            name: schema_value(sub, rng, hint if name == hinted else "", defs) for name, sub in props.items()
        }
    if kind == "array":
        count = max(int(schema.get("minItems", 0)), 2)
        count = min(count, int(schema.get("maxItems", count)))
        return [schema_value(schema.get("items", {}), rng, "", defs) for _ in range(count)]
    if kind == "integer":
        return int(_number(schema, rng, integer=True))
    if kind == "number":
        return _number(schema, rng, integer=False)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return _string(schema, rng, hint)


def _number(schema: dict, rng: random.Random, *, integer: bool) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 100))
    if integer:
        low, high = int(low) + ("exclusiveMinimum" in schema), int(high) - ("exclusiveMaximum" in schema)
        return rng.randint(low, max(low, high))
    value = round(rng.uniform(low, high), 2)
    if value in (low, high) and ("exclusiveMinimum" in schema or "exclusiveMaximum" in schema):
        return (low + high) / 2  # rounding landed on an excluded bound
    return value


_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _string(schema: dict, rng: random.Random, hint: str) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    text = _hint_text(hint) or " ".join(words(rng, 3))
    min_len, max_len = int(schema.get("minLength", 0)), schema.get("maxLength")
    while len(text) < min_len:
        text += " " + rng.choice(VOCABULARY)
    return text[: int(max_len)] if max_len is not None else text


def _hint_text(hint: str, limit: int | None = 60) -> str:
    """The input text a tool argument is derived from, without mock control tokens, bounded."""
    cleaned = re.sub(r"\[\[mock:[^\]]*\]\]", "", hint).strip()
    return " ".join(cleaned.split())[:limit]
