"""The Sessions pages: conversations, and one conversation's turns."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from otel_llm_server.web.access import require
from otel_llm_server.web.conversations.query import conversation_page, conversation_turns
from otel_llm_server.web.traces.filters import RANGES

bp = Blueprint("conversations", __name__, url_prefix="/sessions", template_folder="templates")


@bp.get("")
@require("viewer")
def index():
    page, args = conversation_page(g.project_id, request.args)
    return render_template("conversations/index.html", page=page, args=args, ranges=list(RANGES))


@bp.get("/<session_id>")
@require("viewer")
def show(session_id: str):
    summary, turns = conversation_turns(g.project_id, session_id, request.args)
    return render_template("conversations/show.html", c=summary, turns=turns)
