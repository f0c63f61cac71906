"""``/api/v1/sessions``: the app's conversations and their turns, as JSON (the pages' service calls)."""

from __future__ import annotations

from flask import Blueprint, g, request
from otel_llm_server.web.access import require
from otel_llm_server.web.conversations.query import MAX_LIMIT, conversation_page, conversation_turns
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.traces.filters import RANGES
from otel_llm_server.web.traces.presenters import jsonable

api = Blueprint("conversations_api", __name__, url_prefix="/api/v1")

_PAGE = {
    "cursor": ("string", "next_cursor of the previous page."),
    "limit": (
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        f"Page size, 1–{MAX_LIMIT} (default 50).",
    ),
}


@api.get("/sessions")
@require("viewer")
@api_doc(
    "List conversations (traces sharing gen_ai.conversation.id or session.id), most recently active first",
    query={
        "user": ("string", "Only conversations of this end user (user.id or enduser.id)."),
        "range": (
            {"type": "string", "enum": [*RANGES, "all"]},
            "Only activity in the last 1h, 24h, 7d or 30d (or 'all').",
        ),
        **_PAGE,
    },
    responses={
        200: "{items: [{session_id, user_id, first_time, last_time, turns, llm_calls, tokens, cost_usd, "
        "errors, scores: [{name, count, mean, display}]}], next_cursor: string|null}",
        400: "A filter or the cursor is invalid.",
    },
    tag="sessions",
)
def list_sessions():
    page, _args = conversation_page(g.project_id, request.args)
    return {"items": jsonable([c.to_dict() for c in page.items]), "next_cursor": page.next_cursor}


@api.get("/sessions/<session_id>")
@require("viewer")
@api_doc(
    "One conversation: its totals and scores, and a page of its turns in order",
    params={"session_id": "Conversation id (gen_ai.conversation.id or session.id)."},
    query=_PAGE,
    responses={
        200: "{session_id, user_id, ..., turns_page: {items: [{number, trace_id, root_name, start_time, "
        "duration_ms, llm_calls, tokens, cost_usd, errors, user_input, answer, scores}], next_cursor}}",
        400: "The cursor is invalid.",
        404: "No such session in this project.",
    },
    tag="sessions",
)
def get_session(session_id: str):
    summary, turns = conversation_turns(g.project_id, session_id, request.args)
    page = {"items": [t.to_dict() for t in turns.items], "next_cursor": turns.next_cursor}
    return jsonable({**summary.to_dict(), "turns_page": page})
