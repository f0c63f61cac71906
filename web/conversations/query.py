"""Query-string → ``ConversationFilter`` and the two reads it drives, shared by the Sessions pages and
``GET /api/v1/sessions`` (``/<id>``)."""

from __future__ import annotations

from datetime import UTC, datetime

from otel_llm_server.web.db import read_engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.traces.filters import RANGES
from werkzeug.datastructures import MultiDict

from otel_llm import conversations
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


def conversation_page(project_id: int, args: MultiDict):
    """A page of the project's conversations for the query string, and the filter's arguments."""
    flt, kept = parse_filter(args)
    cursor, limit = args.get("cursor") or None, page_size(args.get("limit"))
    return conversations.list_conversations(read_engine(), project_id, flt, cursor=cursor, limit=limit), kept


def conversation_turns(project_id: int, session_id: str, args: MultiDict):
    """One conversation's summary and a page of its turns, for the query string."""
    summary = conversations.get_conversation(read_engine(), project_id, session_id)
    cursor, limit = args.get("cursor") or None, page_size(args.get("limit"))
    return summary, conversations.list_turns(
        read_engine(), project_id, session_id, cursor=cursor, limit=limit
    )
