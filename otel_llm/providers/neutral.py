"""The provider-neutral form of a chat request: GenAI semantic-convention messages and parameters.

Every adapter turns its own requests into this form (``to_neutral``) and this form into its own
(``from_neutral``), so a request moves between any two providers through one form (N adapters, not a
translator per pair). It is also what the ``gen_ai.*`` attributes of any instrumentation record, so a
span without a request record is rebuilt through it too.

- ``system``: instruction texts given apart from the conversation (``gen_ai.system_instructions``);
- ``messages``: ``{"role", "parts"}`` with roles ``system``/``developer``/``user``/``assistant``/``tool``
  and parts ``text`` (``content``), ``tool_call`` (``id``, ``name``, ``arguments`` as an object),
  ``tool_call_response`` (``id``, ``response`` text), ``blob`` (``modality``, ``mime_type``,
  ``content`` base64, optional ``filename``) and ``uri`` (``modality``, ``uri``);
- ``tools``: ``{"type": "function", "name", "description", "parameters"}``;
- ``params``: ``max_tokens``, ``temperature``, ``top_p``, ``seed``, ``stop_sequences`` (list),
  ``user``, ``tool_choice`` (``auto``/``required``/``none`` or ``{"name"}``), ``parallel_tool_calls``,
  ``stream``;
- ``response_format``: structured output, ``{"name", "schema", "strict"}`` (``schema`` a JSON
  Schema), or None;
- ``dropped``: what the source request held that this form cannot carry, as phrases
  ("'logprobs'", "message 2: a 'input_audio' part"); the target adds "has no X equivalent".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PARAMS = (
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop_sequences",
    "user",
    "tool_choice",
    "parallel_tool_calls",
    "stream",
)


@dataclass
class Neutral:
    model: str | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    system: list[str] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    response_format: dict[str, Any] | None = None
    dropped: list[str] = field(default_factory=list)


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "content": text}


def part_text(part: Any) -> str:
    """The text of a semconv part (a bare string counts as text); other parts have none."""
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type", "text") == "text":
        return str(part.get("content") or part.get("text") or "")
    return ""


def message_text(message: dict[str, Any]) -> str:
    return "".join(part_text(p) for p in message.get("parts") or [])


def not_carried(dropped: list[str], label: str) -> list[str]:
    """Warnings for what the source could not hand over, worded for the target ``label``."""
    return [f"{what} has no {label} equivalent; not sent" for what in dropped]


def leftover(params: dict[str, Any], supported: tuple[str, ...], label: str) -> list[str]:
    """Warnings for neutral parameters the target does not take."""
    return [
        f"'{key}' has no {label} equivalent; not sent"
        for key, value in params.items()
        if key not in supported and value is not None
    ]


def clamp(value: float, high: float, label: str, warnings: list[str]) -> float:
    if value > high:
        warnings.append(f"temperature {value} is above {label}'s maximum {high}; sent {high}")
        return high
    return value
