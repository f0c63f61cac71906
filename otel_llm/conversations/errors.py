"""Errors of the conversations service, each a sentence a user can act on."""

from __future__ import annotations


class ConversationNotFound(LookupError):
    def __init__(self, session_id: str):
        super().__init__(
            f"no session {session_id!r} in this project; list them with `otel-llm sessions list`."
        )
        self.session_id = session_id


class InvalidCursor(ValueError):
    pass
