"""A prompt set-up as a document: what ``otel-llm prompts create NAME --file prompt.yaml`` reads, what
the API takes, and what a playground edits and saves as the next version.

A document (YAML or JSON, already parsed)::

    format: jinja2                 # or simple (the default)
    model: gpt-4o-mini             # model parameters, at the top or under config:
    temperature: 0.2
    messages:                      # a chat prompt; or template: "..." for a text prompt
      - {role: system, content: "You help {{ customer }}."}
      - {role: user, content: "{{ question }}"}
    tools: [{name: lookup_order, description: ..., parameters: {type: object, ...}}]
    response_format: {name: answer, schema: {type: object, ...}}

``render`` turns a version and variable values into the neutral request form (messages, tools,
response format, parameters) that every provider adapter takes; ``save`` stores a set-up (neutral
or document) as the next version with a change summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from otel_llm.prompts import chat, formats, versions
from otel_llm.prompts.errors import InvalidInput
from otel_llm.prompts.models import Version
from otel_llm.providers.neutral import PARAMS, Neutral

CONTENT_KEYS = ("template", "messages", "tools", "response_format", "format", "config")
CONFIG_KEYS = ("provider", "model", *(p for p in PARAMS if p != "stream"))


def from_document(data: Any) -> dict[str, Any]:
    """``create_version`` keyword arguments of a set-up document; unknown keys are refused."""
    if not isinstance(data, dict):
        raise InvalidInput("the prompt file must hold an object with messages (or template), tools, ...")
    unknown = [k for k in data if k not in CONTENT_KEYS and k not in CONFIG_KEYS]
    if unknown:
        known = ", ".join((*CONTENT_KEYS, *CONFIG_KEYS))
        raise InvalidInput(
            f"unknown key(s) in the prompt file: {', '.join(map(str, unknown))}; known: {known}."
        )
    if not isinstance(data.get("config") or {}, dict):
        raise InvalidInput("config must be an object of model settings.")
    config = dict(data.get("config") or {})
    config |= {k: data[k] for k in CONFIG_KEYS if k in data}
    if ("template" in data) == ("messages" in data):
        raise InvalidInput(
            "the prompt file needs either template (a text prompt) or messages (a chat prompt)."
        )
    return {
        "template": data.get("template"),
        "messages": data.get("messages"),
        "tools": data.get("tools"),
        "response_format": data.get("response_format"),
        "template_format": data.get("format"),
        "config": config,
    }


def to_document(version: Version) -> dict[str, Any]:
    """The set-up document of a version (``from_document`` of it gives the same version)."""
    out: dict[str, Any] = {"format": version.template_format}
    if version.kind == "chat":
        out["messages"] = [dict(m) for m in version.messages]
    else:
        out["template"] = version.template
    if version.tools:
        out["tools"] = [{k: v for k, v in t.items() if k != "type"} for t in version.tools]
    if version.response_format:
        out["response_format"] = dict(version.response_format)
    if version.config:
        out["config"] = dict(version.config)
    return out


def render(version: Version, values: Mapping[str, object]) -> Neutral:
    """The version rendered with ``values`` in the neutral request form (``MissingVariable`` names
    any value not given)."""
    from otel_llm.prompts.client import Prompt

    return Prompt.from_dict(version.to_dict()).neutral(**values)


def save(
    engine: Engine,
    project_id: int,
    name: str,
    setup: Neutral | dict[str, Any],
    *,
    summary: str,
    author: str = "",
    template_format: str = formats.SIMPLE,
    parent_version: int | None = None,
) -> Version:
    """Store ``setup`` (a neutral request, e.g. edited in a playground, or a document) as the next
    version of ``name``, as a chat prompt, with ``summary`` saying what changed."""
    if not (summary or "").strip():
        raise InvalidInput("say what changed in a change summary.")
    document = chat.from_neutral(setup) if isinstance(setup, Neutral) else dict(setup)
    document.setdefault("format", template_format)
    return versions.create_version(
        engine,
        project_id,
        name,
        summary=summary,
        author=author,
        parent_version=parent_version,
        **from_document(document),
    )
