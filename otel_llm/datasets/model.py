"""What a dataset holds: items with an input (chat messages, or variables for a prompt), an optional
expected output, metadata and, for items taken from stored spans, the span they came from."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from otel_llm.datasets.errors import DatasetError, InvalidItem

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,209}$")
REF_PATTERN = re.compile(r"^(?P<name>[^@\s]+?)(?:@v?(?P<version>\d{1,9}))?$")
ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_ITEM_BYTES = 1024 * 1024
_HEX = re.compile(r"^[0-9a-f]+$")


class _AsDict:
    """``to_dict``: the fields, ``created_at`` as ISO 8601."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        created = data.get("created_at")
        data["created_at"] = created.isoformat() if created else None
        return data


@dataclass(frozen=True)
class ItemSpec:
    """An item to add: exactly one of ``messages`` (``[{"role": "user", "content": "..."}]``) and
    ``variables`` (``{"question": "..."}``, for a prompt template); ``expected_output`` is optional."""

    messages: list[dict[str, str]] | None = None
    variables: dict[str, Any] | None = None
    expected_output: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source_trace_id: str | None = None
    source_span_id: str | None = None

    @property
    def input(self) -> dict[str, Any]:
        return {"messages": self.messages} if self.messages is not None else {"variables": self.variables}


@dataclass(frozen=True)
class DatasetItem(ItemSpec, _AsDict):
    """A stored item. ``id`` names this content: changing an item gives the new content a new id
    (``replaces_id`` points back), so a run's item ids always mean what was run."""

    id: int = 0
    added_in: int = 0
    replaces_id: int | None = None
    created_at: datetime | None = None

    def spec(self) -> ItemSpec:
        return ItemSpec(
            self.messages,
            self.variables,
            self.expected_output,
            self.metadata,
            self.source_trace_id,
            self.source_span_id,
        )


@dataclass(frozen=True)
class DatasetVersion(_AsDict):
    """One version of a dataset. ``id`` is what a run records (unique across datasets)."""

    id: int
    number: int
    change: str
    actor: str
    item_count: int
    created_at: datetime | None


@dataclass(frozen=True)
class Dataset(_AsDict):
    id: int
    name: str
    description: str
    current_version: int
    item_count: int
    created_at: datetime | None


@dataclass(frozen=True)
class Snapshot:
    """The items of one dataset version, in the order they were added."""

    dataset: Dataset
    version: DatasetVersion
    items: list[DatasetItem]


def validate_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not NAME_PATTERN.match(cleaned):
        raise DatasetError(
            f"invalid dataset name {name!r}: use 1–200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return cleaned


def parse_ref(text: str) -> tuple[str, int | None]:
    """``support-qa`` → (``support-qa``, None: the latest version); ``support-qa@v3`` → (…, 3)."""
    match = REF_PATTERN.match((text or "").strip())
    if not match:
        raise DatasetError(f"invalid dataset reference {text!r}: write NAME or NAME@vN (e.g. support-qa@v3).")
    version = match.group("version")
    return validate_name(match.group("name")), int(version) if version else None


def validate_item(item: ItemSpec) -> ItemSpec:
    """The item with its input checked; ``InvalidItem`` with a sentence saying what is wrong."""
    if (item.messages is None) == (item.variables is None):
        raise InvalidItem('an item needs an input: either "messages" or "variables", not both.')
    messages = _messages(item.messages) if item.messages is not None else None
    variables = _variables(item.variables) if item.variables is not None else None
    expected = item.expected_output
    if expected is not None and not isinstance(expected, str):
        raise InvalidItem("an item's expected output must be text.")
    if not isinstance(item.metadata, dict):
        raise InvalidItem("an item's metadata must be a JSON object.")
    clean = ItemSpec(
        messages,
        variables,
        expected,
        dict(item.metadata),
        _hex_id(item.source_trace_id, 32, "trace"),
        _hex_id(item.source_span_id, 16, "span"),
    )
    if len(json.dumps([clean.input, expected, clean.metadata], default=str)) > MAX_ITEM_BYTES:
        raise InvalidItem("an item is larger than 1 MiB; shorten it.")
    return clean


def _messages(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise InvalidItem("an item's messages must be a non-empty list.")
    clean = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise InvalidItem(f"message {message!r} needs a role ({', '.join(ROLES)}) and content.")
        if not isinstance(message.get("content"), str):
            raise InvalidItem(f"message {message!r} needs its content as text.")
        clean.append({"role": message["role"], "content": message["content"]})
    if not any(m["content"].strip() for m in clean):
        raise InvalidItem("an item's messages are all empty.")
    return clean


def _variables(variables: Any) -> dict[str, Any]:
    if not isinstance(variables, dict) or not variables:
        raise InvalidItem("an item's variables must be a non-empty JSON object.")
    for key in variables:
        if not isinstance(key, str) or not key.strip():
            raise InvalidItem(f"variable name {key!r} must be non-empty text.")
    return dict(variables)


def _hex_id(value: str | None, length: int, what: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if len(text) != length or not _HEX.match(text):
        raise InvalidItem(f"source {what} id {value!r} must be {length} hex digits.")
    return text
