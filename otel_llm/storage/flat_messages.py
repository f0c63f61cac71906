"""Messages that other instrumentations flatten into one attribute per field, as semconv messages.

- OpenInference: ``llm.input_messages.N.message.role`` / ``.content``, multi-part contents
  ``…message.contents.M.message_content.text`` and tool calls
  ``…message.tool_calls.K.tool_call.function.name`` / ``.arguments`` / ``…tool_call.id``;
- OpenLLMetry: ``gen_ai.prompt.N.role`` / ``.content``, ``gen_ai.completion.N.finish_reason``.

Roles: ``model`` (Gemini's) is ``assistant``; system messages become the system instructions.
"""

from __future__ import annotations

import json
import re
from typing import Any

from otel_llm import attributes as attrs

SYSTEM_ROLES = ("system", "developer")
_ROLES = {"model": "assistant"}
_OPENINFERENCE = re.compile(
    r"^llm\.(input|output)_messages\.(\d+)\.message\."
    r"(role|content|contents\.(\d+)\.message_content\.text|tool_calls\.(\d+)\.tool_call\.(id|function\.name|function\.arguments))$"
)
_OPENLLMETRY = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(role|content|finish_reason)$")
PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")


class _Flat:
    """One flattened message as it is read: its fields, its parts' texts, its tool calls."""

    __slots__ = ("fields", "texts", "calls")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.texts: dict[int, Any] = {}
        self.calls: dict[int, dict[str, Any]] = {}

    def role(self) -> str:
        role = str(self.fields.get("role") or "user")
        return _ROLES.get(role, role)

    def message(self) -> dict[str, Any]:
        parts = [text_part(self.fields["content"])] if "content" in self.fields else []
        parts += [text_part(self.texts[i]) for i in sorted(self.texts)]
        for i in sorted(self.calls):
            call = self.calls[i]
            arguments = call.get("function.arguments")
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("function.name"),
                    "arguments": arguments,
                }
            )
        message: dict[str, Any] = {"role": self.role(), "parts": parts or [text_part(None)]}
        if self.fields.get("finish_reason"):
            message["finish_reason"] = self.fields["finish_reason"]
        return message


def text_part(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": "" if content is None else str(content)}


def _read(out: dict[str, Any]) -> tuple[dict[int, _Flat], dict[int, _Flat]]:
    inputs: dict[int, _Flat] = {}
    outputs: dict[int, _Flat] = {}
    for key, value in out.items():
        if not key.startswith(PREFIXES):  # cheap test first: most spans have none of these
            continue
        match = _OPENINFERENCE.match(key)
        if match is not None:
            side, index, field, part, call, call_field = match.groups()
        else:
            match = _OPENLLMETRY.match(key)
            if match is None:
                continue
            (side, index, field), part, call = match.groups(), None, None
        flat = (inputs if side in ("input", "prompt") else outputs).setdefault(int(index), _Flat())
        if part is not None:
            flat.texts[int(part)] = value
        elif call is not None:
            flat.calls.setdefault(int(call), {})[call_field] = value
        else:
            flat.fields[field] = value
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
