"""OpenAI-compatible legacy ``POST /v1/completions``: a text answer to a prompt, plain or SSE.

The answer comes from the same corpus as chat answers; ``max_tokens`` defaults to 16, as the API's.
"""

from __future__ import annotations

from typing import Any

from otel_llm.mockllm import generate
from otel_llm.mockllm.errors import MIDSTREAM_MESSAGE, invalid
from otel_llm.mockllm.exchange import Call, JSONReply, StreamReply
from otel_llm.mockllm.openai_chat import MIDSTREAM_CHUNKS

DEFAULT_MAX_TOKENS = 16


def prompts(body: Any) -> list[str]:
    prompt = body.get("prompt") if isinstance(body, dict) else None
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        return list(prompt)
    return []


def user_text(body: Any) -> str:
    """The last prompt (where ``[[mock:...]]`` control tokens are read)."""
    found = prompts(body)
    return found[-1] if found else ""


def validate(body: dict) -> None:
    if not body.get("model"):
        raise invalid("you must provide a model parameter", "model")
    if "prompt" not in body:
        raise invalid("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter")
    if not prompts(body):
        raise invalid("Invalid type for 'prompt': expected a string or an array of strings.", "prompt")
    for key in ("max_tokens", "n"):
        value = body.get(key)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise invalid(
                f"Invalid '{key}': integer below minimum value. Expected a value >= 1.",
                key,
                "integer_below_min_value",
            )


def _choice(body: dict, prompt: str, index: int) -> generate.Output:
    temperature = body.get("temperature")
    key = generate.digest(
        "completion", body["model"], 1.0 if temperature is None else float(temperature), prompt, index
    )
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    pieces = generate.reply_pieces(key, body["model"], prompt)
    max_tokens = body.get("max_tokens") or DEFAULT_MAX_TOKENS
    return generate.finish(pieces, max_tokens, stops)


def _reason(output: generate.Output) -> str:
    return "length" if output.finish == "length" else "stop"


def handle(call: Call) -> JSONReply | StreamReply:
    body = call.body
    validate(body)
    n = body.get("n") or 1
    outputs = [_choice(body, p, i) for p in prompts(body) for i in range(n)]
    prompt_tokens = sum(generate.count_tokens(p) for p in prompts(body))
    completion_tokens = sum(o.tokens for o in outputs)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    head = {
        "id": "cmpl-" + call.request_id.removeprefix("req_"),
        "object": "text_completion",
        "created": call.created,
        "model": generate.openai_response_model(body["model"]),
    }
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamReply(
            _events(head, outputs, usage if include_usage else None, call.error == "midstream")
        )
    choices = [
        {"text": o.text, "index": i, "logprobs": None, "finish_reason": _reason(o)}
        for i, o in enumerate(outputs)
    ]
    return JSONReply({**head, "choices": choices, "usage": usage})


def _events(head: dict, outputs: list[generate.Output], usage: dict | None, midstream: bool) -> list:
    events: list = []
    for i, output in enumerate(outputs):
        pieces: list[tuple[str, str | None]] = [(p, None) for p in output.pieces] + [("", _reason(output))]
        for text, finish in pieces:
            choice = {"text": text, "index": i, "logprobs": None, "finish_reason": finish}
            events.append((None, {**head, "choices": [choice], **({"usage": None} if usage else {})}))
            if midstream and len(events) == MIDSTREAM_CHUNKS:
                error = {"message": MIDSTREAM_MESSAGE, "type": "server_error", "param": None, "code": None}
                return events + [(None, {"error": error})]
    if usage:
        events.append((None, {**head, "choices": [], "usage": usage}))
    events.append((None, "[DONE]"))
    return events
