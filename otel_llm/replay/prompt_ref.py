"""The system prompt a replay sends instead of the original: given text, or a registry version.

``--prompt NAME@vN`` takes the template of that version (``otel_llm.prompts``). A template with
``{{variables}}`` is filled with the values the original span used: when the original was made from
a version of the same prompt, its template is matched against the original system text to recover
them. The replay span is then tagged with the prompt name, version and hash, as an app call would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

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
        text, notes = _render(engine, project_id, version, original)
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
    return SystemOverride(text=text, tags=tags, defaults=defaults, notes=notes)


def _render(engine: Engine, project_id: int, version, original: dict[str, Any]) -> tuple[str, list[str]]:
    from otel_llm.prompts import render

    needed = render.variables(version.template)
    if not needed:
        return version.template, []
    values = _original_values(engine, project_id, original)
    missing = [name for name in needed if name not in values]
    if missing:
        raise InvalidOverride(
            f"prompt {version.name}@v{version.version} needs values for {', '.join(missing)}, and the original "
            "span's system prompt does not provide them (it was not made from a version of this prompt); "
            "pass the finished text with --system-prompt instead."
        )
    return render.render(version.template, values, version.name), [
        f"variables taken from the original system prompt: {', '.join(needed)}"
    ]


def _original_values(engine: Engine, project_id: int, original: dict[str, Any]) -> dict[str, str]:
    """Variable values of the original span's system prompt, matched against its own prompt version."""
    from otel_llm.prompts import versions
    from otel_llm.prompts.errors import PromptError

    name, number = original.get("prompt_name"), original.get("prompt_version")
    text = system_text(original.get("attributes") or {})
    if not name or not number or text is None:
        return {}
    try:
        source = versions.get_version(engine, project_id, name, int(str(number).lstrip("v")))
    except (PromptError, ValueError):
        return {}
    return match_variables(source.template, text)


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
