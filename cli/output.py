"""What every CLI command prints the same way: timestamps (ISO 8601, UTC), JSON, who acted."""

from __future__ import annotations

import getpass
import json
import re
from datetime import UTC, datetime
from typing import Any

import click


def iso(value: datetime | None, *, seconds: bool = True, missing: str = "-") -> str:
    """``2026-11-27T09:00:00Z``: stored times are UTC (a naive one is read as UTC)."""
    if value is None:
        return missing
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = value.isoformat(timespec="seconds" if seconds else "milliseconds")
    return text.replace("+00:00", "Z")


# Terminal control characters (ANSI escapes included) from stored content are not echoed as is:
# a span's text must not be able to rewrite the user's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """``text`` with terminal control characters shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value, seconds=False)
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable)


def print_json(data: Any) -> None:
    click.echo(to_json(data))


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def user_name() -> str:
    """Who runs the command: $LOGNAME/$USER/$USERNAME, else the account of the process (never empty)."""
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):  # no such variable and a uid without a passwd entry (containers)
        return "cli"
