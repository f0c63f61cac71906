"""The Sessions pages: conversations, and one conversation's turns."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from otel_llm_server.web.access import require
from otel_llm_server.web.conversations.query import page_size, parse_filter
from otel_llm_server.web.db import read_engine
from otel_llm_server.web.traces.filters import RANGES

from otel_llm import conversations

bp = Blueprint("conversations", __name__, url_prefix="/sessions", template_folder="templates")


@bp.get("")
@require("viewer")
def index():
    flt, args = parse_filter(request.args)
    page = conversations.list_conversations(
        read_engine(),
        g.project_id,
        flt,
        cursor=request.args.get("cursor") or None,
        limit=page_size(request.args.get("limit")),
    )
    return render_template("conversations/index.html", page=page, args=args, ranges=list(RANGES))


@bp.get("/<session_id>")
@require("viewer")
def show(session_id: str):
    summary = conversations.get_conversation(read_engine(), g.project_id, session_id)
    turns = conversations.list_turns(
        read_engine(),
        g.project_id,
        session_id,
        cursor=request.args.get("cursor") or None,
        limit=page_size(request.args.get("limit")),
    )
    return render_template("conversations/show.html", c=summary, turns=turns)
