"""Gemini-compatible ``POST /{version}/models/{model}:generateContent`` and ``:streamGenerateContent``.

Paths: ``/v1beta/models/{model}:…`` (Gemini Developer API, ``v1`` and ``v1alpha`` too) and
``/v1beta1/publishers/google/models/{model}:…`` (Vertex AI express mode, also under
``projects/{p}/locations/{l}/``). Streams are server-sent events with ``?alt=sse`` (what the SDK
asks for), else one JSON array of the chunks, as the real API answers.

Usage as the API reports it: ``promptTokenCount`` includes ``cachedContentTokenCount`` (implicit
caching of repeated prefixes, for 2.5 and later models from 1,024 prompt tokens, 4,096 for Pro);
``candidatesTokenCount`` excludes ``thoughtsTokenCount`` (2.5 and later models think unless
``thinkingBudget`` is 0, which Pro refuses; thoughts count against ``maxOutputTokens``). Function
calls come back when the request declares functions (``toolConfig`` modes ``AUTO``/``ANY``/``NONE``),
without ids, as the Gemini API sends them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.cache import PromptCache, Segment, implicit_cached_tokens
from otel_llm.mockllm.errors import MIDSTREAM_MESSAGE, APIError, invalid
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply
from otel_llm.mockllm.gemini_request import (
    answers_a_call,
    content_text,
    contents,
    declarations,
    field,
    generation,
    system_text,
    user_text,
    validate,
)

__all__ = ["PATH", "handle", "user_text"]

PATH = re.compile(
    r"^/(?P<version>v1|v1beta|v1alpha|v1beta1)/(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/google/)?"
    r"models/(?P<model>[^/:?]+):(?P<method>generateContent|streamGenerateContent)(?:\?(?P<query>.*))?$"
)
"""The generate-content paths; ``model`` and ``method`` name the call."""
KNOWN_FAMILIES = ("gemini", "gemma", "learnlm")
CACHE_MINIMUM = 1024
PRO_CACHE_MINIMUM = 4096
CONTENT_OVERHEAD = 2
MIDSTREAM_CHUNKS = 3
_THINKS = re.compile(r"^gemini-(2\.5|[3-9])")


@dataclass
class Candidate:
    index: int
    thought: str | None  # the thought summary (includeThoughts), if any
    pieces: list[str]  # answer text as stream pieces (empty for a function call)
    call: dict | None  # {"name", "args"}
    finish: str  # "STOP" | "MAX_TOKENS"
    tokens: int
    thoughts: int

    def parts(self) -> list[dict]:
        parts: list[dict] = [{"text": self.thought, "thought": True}] if self.thought else []
        if self.call is not None:
            parts.append({"functionCall": self.call})
        elif self.pieces:
            parts.append({"text": "".join(self.pieces)})
        return parts


def route(path: str) -> tuple[str, bool, bool] | None:
    """(model, streamed, as server-sent events) of a generate-content path, or None."""
    match = PATH.match(path)
    if match is None:
        return None
    streamed = match["method"] == "streamGenerateContent"
    return match["model"], streamed, "alt=sse" in (match["query"] or "")


def handle(call: Call, cache: PromptCache) -> JSONReply | StreamReply:
    found = route(call.path)
    assert found is not None  # the server routes only matching paths here
    model, streamed, sse = found
    _check_model(model, found_version(call.path))
    body = call.body
    validate(body)
    thoughts = thinking_tokens(model, body)
    candidates = [_candidate(model, body, i, thoughts) for i in range(_count(body))]
    segments = prompt_segments(body)
    minimum = PRO_CACHE_MINIMUM if "pro" in model else CACHE_MINIMUM
    cached = implicit_cached_tokens(cache, "gemini", model, segments, minimum) if _THINKS.match(model) else 0
    usage = usage_metadata(sum(t for _, t, _ in segments), candidates, cached)
    head = {"modelVersion": model, "responseId": call.request_id.removeprefix("req_")[:24]}
    if streamed:
        chunks = stream_chunks(head, candidates, usage, call.error == "midstream")
        if sse:
            return StreamReply([(None, chunk) for chunk in chunks])
        return JSONReply(chunks)  # type: ignore[arg-type]  # the API's JSON-array stream
    reply = {"candidates": [_candidate_json(c, final=True) for c in candidates], "usageMetadata": usage}
    return JSONReply({**reply, **head})


def found_version(path: str) -> str:
    match = PATH.match(path)
    return match["version"] if match else "v1beta"


def _check_model(model: str, version: str) -> None:
    if not model.startswith(KNOWN_FAMILIES):
        raise APIError(
            404,
            f"models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their supported methods.",
        )


def _count(body: dict) -> int:
    return field(generation(body), "candidateCount") or 1


def thinking_tokens(model: str, body: dict) -> int:
    """Tokens the model thinks before answering: 2.5 and later models (Flash-Lite only when asked)."""
    config = field(generation(body), "thinkingConfig") or {}
    budget = field(config, "thinkingBudget")
    if not _THINKS.match(model):
        return 0
    if budget == 0:
        if "pro" in model:
            raise invalid("Budget 0 is invalid. This model only works in thinking mode.")
        return 0
    if budget is None and "lite" in model:
        return 0
    tokens = generate.rng_for(generate.digest("thoughts", model, user_text(body)), "thinking").randint(16, 64)
    return min(tokens, budget) if isinstance(budget, int) and budget > 0 else tokens


def seed(model: str, body: dict, index: int) -> bytes:
    """What the answer depends on: model, temperature (default 1), system text, contents, index."""
    temperature = field(generation(body), "temperature")
    turns = [[c.get("role", "user"), content_text(c)] for c in contents(body)]
    return generate.digest(
        "gemini", model, 1.0 if temperature is None else float(temperature), system_text(body), turns, index
    )


def _candidate(model: str, body: dict, index: int, thoughts: int) -> Candidate:
    key = seed(model, body, index)
    config = generation(body)
    limit = field(config, "maxOutputTokens")
    if isinstance(limit, int):
        thoughts = min(thoughts, limit)
    wants_summary = field(field(config, "thinkingConfig") or {}, "includeThoughts")
    thought = _thought_summary(key) if thoughts and wants_summary else None
    declaration = _wanted_call(body)
    if declaration is not None:
        return _call_candidate(index, key, declaration, body, thought, thoughts)
    left = None if limit is None else limit - thoughts
    output = generate.finish(_text_pieces(config, key, model, body), left, field(config, "stopSequences"))
    finish = "MAX_TOKENS" if output.finish == "length" else "STOP"
    return Candidate(index, thought, output.pieces, None, finish, output.tokens, thoughts)


def _thought_summary(key: bytes) -> str:
    words = generate.words(generate.rng_for(key, "thought"), 8)
    return "**Thinking it through** " + " ".join(words) + "."


def _wanted_call(body: dict) -> dict | None:
    found = declarations(body)
    calling = field(field(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = str(field(calling, "mode") or "AUTO").upper()
    if not found or mode == "NONE":
        return None
    allowed = field(calling, "allowedFunctionNames") or []
    found = [d for d in found if d.get("name") in allowed] or found
    if mode != "ANY" and answers_a_call(contents(body)[-1]):
        return None
    return found[0]


def _call_candidate(
    index: int, key: bytes, declaration: dict, body: dict, thought: str | None, thoughts: int
) -> Candidate:
    schema = field(declaration, "parametersJsonSchema") or field(declaration, "parameters") or {}
    args = generate.schema_value(json_schema(schema), generate.rng_for(key, "args"), user_text(body))
    name = declaration["name"]
    tokens = generate.count_tokens(name + json.dumps(args))
    return Candidate(index, thought, [], {"name": name, "args": args}, "STOP", tokens, thoughts)


def json_schema(schema: Any) -> Any:
    """A Gemini ``Schema`` (``"type": "OBJECT"``) as JSON schema (lower-case type names)."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else json_schema(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [json_schema(v) for v in schema]
    return schema


def _text_pieces(config: dict, key: bytes, model: str, body: dict) -> list[str]:
    reply = generate.reply_pieces(key, model, user_text(body), system_text(body))
    if field(config, "responseMimeType") != "application/json":
        return reply
    schema = field(config, "responseJsonSchema") or field(config, "responseSchema")
    if schema:
        return generate.json_pieces(generate.schema_value(json_schema(schema), generate.rng_for(key, "json")))
    return generate.json_pieces({"answer": "".join(reply)})


def prompt_segments(body: dict) -> list[Segment]:
    """The prompt in API order for counting and implicit caching: tools, system, each content."""
    segments: list[Segment] = []
    tools = field(body, "tools")
    if tools:
        segments.append((["tools", tools], generate.count_tokens(json.dumps(tools, sort_keys=True)), False))
    system = system_text(body)
    if system:
        segments.append((["system", system], generate.count_tokens(system), False))
    for content in contents(body):
        text = content_text(content)
        key = [content.get("role", "user"), text]
        segments.append((key, CONTENT_OVERHEAD + generate.count_tokens(text), False))
    return segments


def usage_metadata(prompt: int, candidates: list[Candidate], cached: int) -> dict:
    output = sum(c.tokens for c in candidates)
    thoughts = sum(c.thoughts for c in candidates)
    usage: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if cached:
        usage["cachedContentTokenCount"] = cached
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def _candidate_json(candidate: Candidate, final: bool, parts: list[dict] | None = None) -> dict:
    content: dict[str, Any] = {"role": "model"}
    chosen = candidate.parts() if parts is None else parts
    if chosen:
        content["parts"] = chosen
    entry: dict[str, Any] = {"content": content, "index": candidate.index}
    if final:
        entry["finishReason"] = candidate.finish
    return entry


def stream_chunks(head: dict, candidates: list[Candidate], usage: dict, midstream: bool) -> list[dict]:
    """One chunk per thought summary, text piece or function call; the last of each candidate
    carries its finish reason, and the very last the full usage (earlier ones the prompt count)."""
    running = {"promptTokenCount": usage["promptTokenCount"], "totalTokenCount": usage["promptTokenCount"]}
    chunks: list[dict] = []
    for candidate in candidates:
        pieces = _stream_parts(candidate)
        for n, parts in enumerate(pieces):
            final = n == len(pieces) - 1
            chunk = {"candidates": [_candidate_json(candidate, final, parts)], "usageMetadata": running}
            chunks.append({**chunk, **head})
            if midstream and len(chunks) == MIDSTREAM_CHUNKS:
                return chunks + [{"error": {"code": 500, "message": MIDSTREAM_MESSAGE, "status": "INTERNAL"}}]
    chunks[-1] = {**chunks[-1], "usageMetadata": usage}
    return chunks


def _stream_parts(candidate: Candidate) -> list[list[dict]]:
    chunks: list[list[dict]] = [[{"text": candidate.thought, "thought": True}]] if candidate.thought else []
    if candidate.call is not None:
        chunks.append([{"functionCall": candidate.call}])
    else:
        chunks.extend([{"text": piece}] for piece in candidate.pieces)
    return chunks or [[]]
