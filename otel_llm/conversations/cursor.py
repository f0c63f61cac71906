"""Opaque keyset cursors: (time, id) of a page's last row, so the next page starts strictly after it."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from otel_llm.conversations.errors import InvalidCursor
from otel_llm.storage.timeutil import as_utc


def encode(kind: str, time: datetime, key: str) -> str:
    raw = json.dumps([kind, as_utc(time).isoformat(), key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kind: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, time, key = json.loads(raw)
        if found != kind or not isinstance(key, str):
            raise ValueError("cursor of another listing")
        return as_utc(datetime.fromisoformat(time)), key
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("invalid or outdated page cursor; start again from the first page.") from exc
