"""Which registry version a stored span used — the same rule as ``metrics`` applies to whole windows:
its prompt tags, or (with no version tag) its system prompt's hash equal to a version's hash."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from otel_llm.storage.schema_prompts import prompt_versions, prompts


@dataclass(frozen=True)
class SpanLink:
    name: str
    version: int
    how: str  # "tag" | "hash"


def versions_for_span(engine: Engine, project_id: int, tags: Mapping[str, Any]) -> list[SpanLink]:
    """Versions linked to a span, given its stored ``prompt_name``, ``prompt_version``,
    ``prompt_hash`` and ``system_prompt_hash`` (e.g. ``span_view(row)["tags"]``)."""
    stmt = select(prompts.c.name, prompt_versions.c.version).join(
        prompt_versions, prompt_versions.c.prompt_id == prompts.c.id
    )
    stmt = stmt.where(prompts.c.project_id == project_id)
    name, version = tags.get("prompt_name"), tags.get("prompt_version")
    if name and version:
        tagged = stmt.where(prompts.c.name == name, prompt_versions.c.version == _int(version))
        with engine.connect() as connection:
            return [SpanLink(r.name, r.version, "tag") for r in connection.execute(tagged)]
    hashes = [h for h in (tags.get("system_prompt_hash"), tags.get("prompt_hash")) if h]
    if not hashes:
        return []
    by_hash = stmt.where(prompt_versions.c.version_hash.in_(hashes))
    if name:
        by_hash = by_hash.where(prompts.c.name == name)
    with engine.connect() as connection:
        rows = connection.execute(by_hash.order_by(prompts.c.name, prompt_versions.c.version)).all()
    return [SpanLink(r.name, r.version, "hash") for r in rows]


def _int(value: Any) -> int:
    try:
        return int(str(value).lstrip("v"))
    except ValueError:
        return -1
