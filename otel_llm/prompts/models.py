"""What the registry returns: plain frozen records, with ``to_dict()`` for JSON output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):  # stored in UTC; SQLite hands it back without the offset
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Version:
    """One immutable version of a prompt, with the labels that point at it now."""

    name: str
    version: int
    template: str
    config: dict[str, Any]
    version_hash: str
    config_hash: str
    parent_version: int | None
    change_summary: str
    tags: tuple[str, ...]
    author: str
    created_at: datetime | None
    archived: bool
    labels: tuple[str, ...] = ()
    kind: str = "text"
    template_format: str = "simple"
    messages: tuple[dict[str, Any], ...] = ()
    tools: tuple[dict[str, Any], ...] = ()
    response_format: dict[str, Any] | None = None
    includes: tuple[dict[str, Any], ...] = ()
    """Versions of other prompts this one included, resolved at create: ``{ref, name, version, template}``."""
    content_hash: str = ""

    @property
    def shown_hash(self) -> str:
        """The version's hash as a user reads it: of everything in a chat version (messages, tools,
        response format, parameters: ``content_hash``), of the template in a text one. Calls link on
        ``version_hash`` (the system messages' hash) either way."""
        return self.content_hash if self.kind == "chat" and self.content_hash else self.version_hash

    @property
    def published(self) -> bool:
        return "production" in self.labels

    @property
    def sources(self) -> dict[str, str]:
        """Included texts by reference as written, for rendering."""
        return {i["ref"]: i["template"] for i in self.includes}

    @property
    def variables(self) -> list[str]:
        from otel_llm.prompts import formats

        found: list[str] = []
        for text in [m["content"] for m in self.messages] if self.kind == "chat" else [self.template]:
            found += [
                v for v in formats.variables(self.template_format, text, self.sources) if v not in found
            ]
        return found

    def to_dict(self) -> dict[str, Any]:
        data = _jsonable(asdict(self))
        data["published"] = self.published
        data["variables"] = self.variables
        return data


@dataclass(frozen=True)
class PromptSummary:
    """A prompt as listed: how many versions, the newest one, and where its labels point."""

    name: str
    versions: int
    latest_version: int | None
    published_version: int | None
    labels: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class LabelMove:
    """One entry of the append-only label history (``to_version`` None: the label was removed)."""

    label: str
    action: str
    from_version: int | None
    to_version: int | None
    actor: str
    created_at: datetime | None
    changed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))
