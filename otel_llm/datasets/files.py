"""Dataset items from JSONL and CSV files, and items to JSONL (``export_jsonl`` then ``parse_jsonl``
gives the same items back).

A JSONL line is an object: ``{"messages": [...]}``, ``{"input": "a user message"}`` or
``{"variables": {...}}``, with optional ``"expected_output"`` (or ``"expected"``), ``"metadata"``
(an object), ``"source_trace_id"`` and ``"source_span_id"``. A CSV file has a header row; each row is
one item. ``Columns`` maps other names onto these: ``input`` (a text column, or a JSON list of
messages), ``expected``, ``metadata`` (columns copied into the metadata) and ``variables`` (columns
that make the input a prompt's variables instead of messages). A bad line or row stops the import
with its number; nothing is stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from otel_llm.datasets.errors import DatasetError, InvalidItem
from otel_llm.datasets.model import DatasetItem, ItemSpec, validate_item
from otel_llm.storage.vocabulary import DATASET_FORMATS as FORMATS

_KNOWN = {"messages", "input", "variables", "expected_output", "expected", "metadata"}
_SOURCE = ("source_trace_id", "source_span_id")


@dataclass(frozen=True)
class Columns:
    """Which fields or columns hold what; unset means the default names above."""

    input: str | None = None
    expected: str | None = None
    metadata: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()


def detect_format(filename: str) -> str:
    """``jsonl`` or ``csv`` from the file name (``.jsonl``/``.ndjson``/``.json``, ``.csv``)."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise DatasetError(f"cannot tell the format of {filename!r}; name it .jsonl or .csv, or pass --format.")


def parse(text: str, file_format: str, columns: Columns = Columns()) -> list[ItemSpec]:
    if file_format == "csv":
        return parse_csv(text, columns)
    if file_format == "jsonl":
        return parse_jsonl(text, columns)
    raise DatasetError(f"unknown format {file_format!r}; use one of {', '.join(FORMATS)}.")


def parse_jsonl(text: str, columns: Columns = Columns()) -> list[ItemSpec]:
    """One item per non-blank line."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"line {number}: not JSON ({exc.msg}); write one JSON object per line."
            ) from None
        items.append(_numbered(number, record, columns, strict=True))
    return _some(items)


def parse_csv(text: str, columns: Columns = Columns()) -> list[ItemSpec]:
    """One item per row after the header; line numbers count the header as line 1."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    wanted = [c for c in (columns.input, columns.expected, *columns.metadata, *columns.variables) if c]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DatasetError(
            f"line 1: no column {', '.join(repr(c) for c in missing)} in the header; "
            f"its columns are {', '.join(header) or 'none'}."
        )
    items = []
    try:
        for row in reader:
            items.append(_numbered(reader.line_num, dict(row), columns, strict=False))
    except csv.Error as exc:
        raise DatasetError(f"line {reader.line_num}: {exc}.") from None
    return _some(items)


def _some(items: list[ItemSpec]) -> list[ItemSpec]:
    if not items:
        raise DatasetError("the file holds no item; write one item per line (JSONL) or row (CSV).")
    return items


def _numbered(number: int, record: Any, columns: Columns, strict: bool) -> ItemSpec:
    try:
        if not isinstance(record, dict):
            raise InvalidItem('expected a JSON object like {"input": "Hello", "expected_output": "Hi"}.')
        return validate_item(_item(record, columns, strict))
    except DatasetError as exc:
        raise DatasetError(f"line {number}: {exc}") from None


def _item(record: dict[str, Any], columns: Columns, strict: bool) -> ItemSpec:
    used = {c for c in (columns.input, columns.expected, *columns.metadata, *columns.variables) if c}
    if strict:
        unknown = sorted(set(record) - _KNOWN - set(_SOURCE) - used)
        if unknown:
            raise InvalidItem(
                f"unknown field {', '.join(repr(u) for u in unknown)}; use messages, input, variables, "
                "expected_output, metadata, or map it with --input-column / --expected-column / --metadata-column."
            )
    messages, variables = _input(record, columns)
    metadata = (record.get("metadata") or {}) if strict else {}
    if not isinstance(metadata, dict):
        raise InvalidItem(f'"metadata" must be a JSON object, not {metadata!r}.')
    metadata = {**metadata, **{c: record.get(c) for c in columns.metadata}}
    return ItemSpec(
        messages=messages,
        variables=variables,
        expected_output=_expected(record, columns),
        metadata=metadata,
        source_trace_id=record.get("source_trace_id") or None,
        source_span_id=record.get("source_span_id") or None,
    )


def _input(record: dict[str, Any], columns: Columns) -> tuple[list | None, dict | None]:
    if columns.variables:
        return None, {c: record.get(c) for c in columns.variables}
    if columns.input:
        return _messages_from(record.get(columns.input), columns.input), None
    if "variables" in record:
        return None, record["variables"]
    if "messages" in record:
        return _messages_from(record["messages"], "messages"), None
    if "input" in record:
        return _messages_from(record["input"], "input"), None
    raise InvalidItem(
        'no input: give "messages", "input" or "variables" (or name the column with --input-column).'
    )


def _messages_from(value: Any, field: str) -> list:
    """A list of messages as is; text as one user message (a CSV cell holding a JSON list of
    messages counts as the list)."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, str):
        if not value.strip():
            raise InvalidItem(f"{field!r} is empty.")
        return [{"role": "user", "content": value}]
    if isinstance(value, list):
        return value
    raise InvalidItem(f"{field!r} must be text or a list of messages, not {value!r}.")


def _expected(record: dict[str, Any], columns: Columns) -> str | None:
    if columns.expected:
        value = record.get(columns.expected)
    else:
        value = record.get("expected_output", record.get("expected"))
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def export_jsonl(items: Iterable[DatasetItem]) -> str:
    """One line per item, in the form ``parse_jsonl`` reads."""
    return "".join(json.dumps(_record(i), ensure_ascii=False) + "\n" for i in items)


def _record(item: DatasetItem) -> dict[str, Any]:
    record: dict[str, Any] = dict(item.input)
    if item.expected_output is not None:
        record["expected_output"] = item.expected_output
    if item.metadata:
        record["metadata"] = item.metadata
    for key in _SOURCE:
        if getattr(item, key):
            record[key] = getattr(item, key)
    return record
