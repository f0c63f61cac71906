"""Messages that other instrumentations flatten into one attribute per field, as semconv messages.

- OpenInference: ``llm.input_messages.N.message.role`` / ``.content``, multi-part contents (the
  Responses API's, images) ``…message.contents.M.message_content.type`` / ``.text`` /
  ``.image.image.url``, tool calls ``…message.tool_calls.K.tool_call.id`` /
  ``.function.name`` / ``.function.arguments``, and tool results ``…message.tool_call_id``; legacy
  completions' ``llm.prompts.N.prompt.text`` and ``llm.choices.N.completion.text``;
- OpenLLMetry before its semconv migration: ``gen_ai.prompt.N.role`` / ``.content`` /
  ``.tool_call_id``, ``gen_ai.completion.N.finish_reason``, tool calls
  ``gen_ai.(prompt|completion).N.tool_calls.K.id`` / ``.name`` / ``.arguments``.

Tool calls become ``tool_call`` parts and tool results ``tool_call_response`` parts, as our own
spans record them. Roles: ``model`` (Gemini's) is ``assistant``; system messages become the system
instructions.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from otel_llm import attributes as attrs

SYSTEM_ROLES = ("system", "developer")
_ROLES = {"model": "assistant"}
_OPENINFERENCE = re.compile(
    r"^llm\.(input|output)_messages\.(\d+)\.message\."
    r"(?:(role|content|tool_call_id)"
    r"|contents\.(\d+)\.message_content\.(type|text|image\.image\.url)"
    r"|tool_calls\.(\d+)\.tool_call\.(id|function\.name|function\.arguments))$"
)
_OPENLLMETRY = re.compile(
    r"^gen_ai\.(prompt|completion)\.(\d+)\."
    r"(?:(role|content|finish_reason|tool_call_id)|tool_calls\.(\d+)\.(id|name|arguments))$"
)
_OPENINFERENCE_COMPLETION = re.compile(r"^llm\.(prompts|choices)\.(\d+)\.(?:prompt|completion)\.text$")
_CALL_FIELDS = {"function.name": "name", "function.arguments": "arguments"}
PREFIXES = (
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.prompts.",
    "llm.choices.",
    "gen_ai.prompt.",
    "gen_ai.completion.",
)


class _Flat:
    """One flattened message as it is read: its fields, its contents (parts), its tool calls."""

    __slots__ = ("default_role", "fields", "contents", "calls")

    def __init__(self, default_role: str) -> None:
        self.default_role = default_role
        self.fields: dict[str, Any] = {}
        self.contents: dict[int, dict[str, Any]] = {}
        self.calls: dict[int, dict[str, Any]] = {}

    def role(self) -> str:
        role = str(self.fields.get("role") or self.default_role)
        return _ROLES.get(role, role)

    def message(self) -> dict[str, Any]:
        parts = self._content_parts()
        for i in sorted(self.calls):
            call = self.calls[i]
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": call.get("arguments"),
                }
            )
        message: dict[str, Any] = {"role": self.role(), "parts": parts or [text_part(None)]}
        if self.fields.get("finish_reason"):
            message["finish_reason"] = self.fields["finish_reason"]
        return message

    def _content_parts(self) -> list[dict[str, Any]]:
        fields = self.fields
        if fields.get("tool_call_id") is not None:  # a tool's result sent back to the model
            return [
                {
                    "type": "tool_call_response",
                    "id": fields["tool_call_id"],
                    "response": fields.get("content"),
                }
            ]
        parts = content_parts(fields["content"]) if "content" in fields else []
        for i in sorted(self.contents):
            part = _content_part(self.contents[i])
            if part is not None:
                parts.append(part)
        return parts


def text_part(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": "" if content is None else str(content)}


def content_parts(content: Any) -> list[dict[str, Any]]:
    """Parts of a flattened ``content``: text, or the JSON list of content blocks OpenLLMetry wrote
    for multi-part messages (text, Anthropic's ``tool_use`` / ``tool_result``; others as they are)."""
    if isinstance(content, str) and content.startswith("[{"):
        try:
            blocks = json.loads(content)
        except ValueError:
            blocks = None
        if isinstance(blocks, list) and all(isinstance(b, dict) and "type" in b for b in blocks):
            return [_block_part(b) for b in blocks]
    return [text_part(content)]


def _block_part(block: dict[str, Any]) -> dict[str, Any]:
    """A content block (OpenAI's or Anthropic's) as a semconv part; unknown blocks as they are."""
    kind = block.get("type")
    if kind in ("text", "input_text", "output_text") and "text" in block:
        return text_part(block["text"])
    if kind == "tool_use":
        return {
            "type": "tool_call",
            "id": block.get("id"),
            "name": block.get("name"),
            "arguments": block.get("input"),
        }
    if kind == "tool_result":
        return {
            "type": "tool_call_response",
            "id": block.get("tool_use_id"),
            "response": block.get("content"),
        }
    return dict(block)


def _content_part(fields: dict[str, Any]) -> dict[str, Any] | None:
    """One OpenInference ``message_content``: text, an image (as a semconv ``uri`` part) or its type."""
    kind = fields.get("type")
    if "text" in fields:
        return text_part(fields["text"])
    if "image.image.url" in fields:
        return {"type": "uri", "modality": "image", "uri": str(fields["image.image.url"])}
    return {"type": str(kind)} if kind else None


class _Key(NamedTuple):
    """What one flattened attribute holds: a field of the message numbered ``message``, of one of
    its content parts (``part``), or of one of its tool calls (``call``)."""

    is_input: bool
    message: int
    field: str | None = None
    part: int | None = None
    part_field: str | None = None
    call: int | None = None
    call_field: str | None = None


_INPUT_SIDES = ("input", "prompt", "prompts")


def _parse(key: str) -> _Key | None:
    match = _OPENINFERENCE.match(key)
    if match is not None:
        side, index, field, part, part_field, call, call_field = match.groups()
        call_field = _CALL_FIELDS.get(call_field, call_field)
        return _Key(side in _INPUT_SIDES, int(index), field, _int(part), part_field, _int(call), call_field)
    match = _OPENLLMETRY.match(key)
    if match is not None:
        side, index, field, call, call_field = match.groups()
        return _Key(side in _INPUT_SIDES, int(index), field, call=_int(call), call_field=call_field)
    match = _OPENINFERENCE_COMPLETION.match(key)
    if match is not None:
        return _Key(match.group(1) in _INPUT_SIDES, int(match.group(2)), "content")
    return None


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _read(out: dict[str, Any]) -> tuple[dict[int, _Flat], dict[int, _Flat]]:
    inputs: dict[int, _Flat] = {}
    outputs: dict[int, _Flat] = {}
    for key, value in out.items():
        if not key.startswith(PREFIXES):  # cheap test first: most spans have none of these
            continue
        found = _parse(key)
        if found is None:
            continue
        side = inputs if found.is_input else outputs
        flat = side.get(found.message)
        if flat is None:
            flat = side[found.message] = _Flat("user" if found.is_input else "assistant")
        if found.part is not None:
            flat.contents.setdefault(found.part, {})[str(found.part_field)] = value
        elif found.call is not None:
            flat.calls.setdefault(found.call, {})[str(found.call_field)] = value
        else:
            flat.fields[str(found.field)] = value
    return inputs, outputs


def add_messages(out: dict[str, Any], added: dict[str, Any]) -> None:
    """The semconv content attributes of the flattened messages in ``out``, into ``added``."""
    inputs, outputs = _read(out)
    if inputs:
        ordered = [inputs[i] for i in sorted(inputs)]
        system = [m for m in ordered if m.role() in SYSTEM_ROLES]
        rest = [m.message() for m in ordered if m.role() not in SYSTEM_ROLES]
        if system:
            parts = [p for m in system for p in m.message()["parts"]]
            added.setdefault(attrs.GEN_AI_SYSTEM_INSTRUCTIONS, json.dumps(parts, ensure_ascii=False))
        added.setdefault(attrs.GEN_AI_INPUT_MESSAGES, json.dumps(rest, ensure_ascii=False))
    if outputs:
        messages = [outputs[i].message() for i in sorted(outputs)]
        added.setdefault(attrs.GEN_AI_OUTPUT_MESSAGES, json.dumps(messages, ensure_ascii=False))
        reasons = [m["finish_reason"] for m in messages if m.get("finish_reason")]
        if reasons:
            added.setdefault(attrs.GEN_AI_RESPONSE_FINISH_REASONS, reasons)
