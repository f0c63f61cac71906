"""The system prompt a replay sends instead of the original: given text, or a registry version.

``--prompt NAME@vN`` takes the template of that version (``otel_llm.prompts``). A template with
``{{variables}}`` is filled with the values the original span used: when the original was made from
a version of the same prompt, its template is matched against the original system text to recover
them. The replay span is then tagged with the prompt name, version and hash, as an app call would be.

A chat version replaces the whole conversation: its messages (variables recovered the same way,
message by message), tools and response format (``chat``, in the neutral form); the original's
model and parameters stay unless the version's config or an override sets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm.providers.neutral import Neutral, message_text
from otel_llm.replay.errors import InvalidOverride
from otel_llm.replay.overrides import Overrides
from otel_llm.storage.normalize import system_text


@dataclass
class SystemOverride:
    """The resolved system text, the tags for the replay span, and notes for the user."""

    text: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chat: Neutral | None = None


def resolve(
    engine: Engine, project_id: int, overrides: Overrides, original: dict[str, Any]
) -> SystemOverride:
    if overrides.system_prompt is not None:
        return SystemOverride(text=overrides.system_prompt)
    if overrides.prompt is None:
        return SystemOverride()
    from otel_llm.prompts import names, versions
    from otel_llm.prompts.errors import PromptError

    try:
        ref = names.parse_ref(overrides.prompt)
        version = versions.resolve(engine, project_id, ref)
        if version.kind == "chat":
            text, chat, notes = None, *_render_chat(engine, project_id, version, original)
        else:
            (text, notes), chat = _render(engine, project_id, version, original), None
    except PromptError as exc:
        raise InvalidOverride(str(exc)) from exc
    tags = {
        "prompt_name": version.name,
        "prompt_version": str(version.version),
        "prompt_hash": version.version_hash,
    }
    defaults: dict[str, Any] = {
        k: version.config[k] for k in ("model", "temperature", "max_tokens") if k in (version.config or {})
    }
    if defaults:
        notes.append(f"{version.name}@v{version.version} config applied where not overridden: {defaults}")
    return SystemOverride(text=text, tags=tags, defaults=defaults, notes=notes, chat=chat)


def _render(engine: Engine, project_id: int, version, original: dict[str, Any]) -> tuple[str, list[str]]:
    from otel_llm.prompts import formats

    needed = version.variables
    if not needed:
        return formats.render(
            version.template_format, version.template, {}, version.name, version.sources
        ), []
    values = _original_values(engine, project_id, original)
    _require(version, needed, values)
    return formats.render(version.template_format, version.template, values, version.name, version.sources), [
        f"variables taken from the original system prompt: {', '.join(needed)}"
    ]


def _require(version, needed: list[str], values: dict[str, str]) -> None:
    missing = [name for name in needed if name not in values]
    if missing:
        raise InvalidOverride(
            f"prompt {version.name}@v{version.version} needs values for {', '.join(missing)}, and the original "
            "span's messages do not provide them (it was not made from a version of this prompt); "
            "pass the finished text with --system-prompt instead."
        )


def _render_chat(
    engine: Engine, project_id: int, version, original: dict[str, Any]
) -> tuple[Neutral, list[str]]:
    from otel_llm.prompts import setup

    needed = version.variables
    values = _original_chat_values(engine, project_id, original) if needed else {}
    _require(version, needed, values)
    notes = [
        f"the whole chat template of {version.name}@v{version.version} applied (messages, tools, response format)"
    ]
    if needed:
        notes.append(f"variables taken from the original messages: {', '.join(needed)}")
    return setup.render(version, values), notes


def _source_version(engine: Engine, project_id: int, original: dict[str, Any]):
    """The registry version the original span was tagged with, if any."""
    from otel_llm.prompts import versions
    from otel_llm.prompts.errors import PromptError

    name, number = original.get("prompt_name"), original.get("prompt_version")
    if not name or not number:
        return None
    try:
        return versions.get_version(engine, project_id, name, int(str(number).lstrip("v")))
    except (PromptError, ValueError):
        return None


def _original_values(engine: Engine, project_id: int, original: dict[str, Any]) -> dict[str, str]:
    """Variable values of the original span's system prompt, matched against its own prompt version."""
    source = _source_version(engine, project_id, original)
    text = system_text(original.get("attributes") or {})
    if source is None or text is None:
        return {}
    return match_variables(source.template, text)


def _original_chat_values(engine: Engine, project_id: int, original: dict[str, Any]) -> dict[str, str]:
    """Values matched message by message between the original's chat version and its request."""
    from otel_llm.replay.request import from_span

    source = _source_version(engine, project_id, original)
    if source is None or source.kind != "chat":
        return {}
    try:
        request = from_span(original)
        neutral = request.adapter.to_neutral(request.api, request.params)
    except Exception:  # an original that cannot be read gives no values; the caller says what is missing
        return {}
    sent: list[tuple[Any, str]] = [("system", text) for text in neutral.system]
    sent += [(m.get("role"), message_text(m)) for m in neutral.messages]
    templates = [(m["role"], m["content"]) for m in source.messages]
    values: dict[str, str] = {}
    for (role, template), (sent_role, text) in zip(
        _system_first(templates), _system_first(sent), strict=False
    ):
        if role == sent_role:
            values |= match_variables(template, text)
    return values


def _system_first(messages: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    return [m for m in messages if m[0] == "system"] + [m for m in messages if m[0] != "system"]


def match_variables(template: str, text: str) -> dict[str, str]:
    """Values that turn ``template`` into ``text`` (``{}`` when the text was not made from it)."""
    from otel_llm.prompts.render import VARIABLE

    pattern, seen, position = [], set(), 0
    for match in VARIABLE.finditer(template):
        pattern.append(re.escape(template[position : match.start()]))
        name = match.group(1)
        pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        position = match.end()
    pattern.append(re.escape(template[position:]))
    found = re.fullmatch("".join(pattern), text, re.DOTALL)
    return dict(found.groupdict()) if found else {}
