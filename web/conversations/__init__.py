"""Sessions area: the app's conversations (``/sessions``, ``/api/v1/sessions``), from
``otel_llm.conversations``. Not the console's sign-in sessions (``otel_llm.accounts.sessions``)."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.conversations.api import api
from otel_llm_server.web.conversations.views import bp
from otel_llm_server.web.errors import map_exception

from otel_llm.conversations import ConversationNotFound, InvalidCursor

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, ConversationNotFound, 404, "not_found")
    map_exception(app, InvalidCursor, 400, "bad_request")
