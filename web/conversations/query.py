"""Query-string → ``ConversationFilter``, shared by the Sessions page and ``GET /api/v1/sessions``."""

from __future__ import annotations

from datetime import UTC, datetime

from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.traces.filters import RANGES
from werkzeug.datastructures import MultiDict

from otel_llm.conversations import ConversationFilter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def parse_filter(args: MultiDict, now: datetime | None = None) -> tuple[ConversationFilter, dict[str, str]]:
    """The filter and the arguments that made it (to build links); ``ApiError(400)`` naming a bad one."""
    kept = {name: args.get(name, "").strip() for name in ("user", "range")}
    kept = {k: v for k, v in kept.items() if v}
    preset = kept.get("range")
    if preset and preset not in RANGES and preset != "all":
        raise ApiError(400, "bad_request", f"range must be one of {', '.join(RANGES)} or all.")
    since = (now or datetime.now(UTC)) - RANGES[preset] if preset in RANGES else None
    return ConversationFilter(user=kept.get("user"), since=since), kept


def page_size(raw: str | None, default: int = DEFAULT_LIMIT) -> int:
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return value
