"""Conversations: the traces that share a ``gen_ai.conversation.id`` (or ``session.id``), in order.

Spans get the id from ``with otel_llm.session("conv-42", user_id="u-7"):`` or from another
instrumentation's own attributes (``spans.session_id`` / ``spans.user_id``). A conversation's turns
are its traces; its totals count the spans that carry the id (LLM calls, tokens and cost from model
calls only); its scores are those of its traces and their spans. The console's Sessions page, the
``otel-llm sessions`` commands and ``/api/v1/sessions`` call:

- ``list_conversations(engine, project_id, ConversationFilter(user=...), cursor=..., limit=...)``:
  newest activity first, keyset pages;
- ``get_conversation(engine, project_id, session_id)`` and
  ``list_turns(engine, project_id, session_id, cursor=..., limit=...)``: the turns in order, each
  with its root span's name, the user's input, the answer, duration, cost and scores.

(Not to be confused with ``otel_llm.accounts.sessions``, the console's sign-in sessions.)
"""

from otel_llm.conversations.errors import ConversationNotFound, InvalidCursor
from otel_llm.conversations.listing import (
    Conversation,
    ConversationFilter,
    Page,
    get_conversation,
    list_conversations,
)
from otel_llm.conversations.scoring import ScoreSummary
from otel_llm.conversations.turns import Turn, list_turns

__all__ = [
    "Conversation",
    "ConversationFilter",
    "ConversationNotFound",
    "InvalidCursor",
    "Page",
    "ScoreSummary",
    "Turn",
    "get_conversation",
    "list_conversations",
    "list_turns",
]
