"""The conversations service on stored spans (SQLite and Postgres): the list with totals, scores,
user filter and keyset pages; one conversation's turns in order."""

from __future__ import annotations

import pytest

from otel_llm.conversations import (
    ConversationFilter,
    ConversationNotFound,
    InvalidCursor,
    get_conversation,
    list_conversations,
    list_turns,
)
from otel_llm.traces import SpanFilter, list_spans
from tests.conversations_data import store_conversations


@pytest.fixture
def stored(db_url, tmp_path):
    return store_conversations(db_url, tmp_path)


def _scores(item) -> dict[str, str]:
    return {s.name: s.display() for s in item.scores}


def test_list_has_totals_and_scores_newest_first(stored):
    page = list_conversations(stored.engine, stored.project_id)
    assert [c.session_id for c in page.items] == ["conv-3", "conv-2", "conv-1"]
    conv1 = page.items[2]
    assert (conv1.user_id, conv1.turns, conv1.llm_calls, conv1.tokens, conv1.errors) == ("u-1", 3, 4, 440, 1)
    assert conv1.cost_usd is not None and conv1.cost_usd > 0
    assert conv1.first_time < conv1.last_time
    # a trace score (4) and a span score (2) average; the boolean counts the true ones
    assert _scores(conv1) == {"helpfulness": "3", "exact": "0/1 true"}
    assert _scores(page.items[1]) == {"exact": "1/1 true"}
    assert page.items[0].scores == []


def test_user_filter_and_keyset_pages(stored):
    mine = list_conversations(stored.engine, stored.project_id, ConversationFilter(user="u-1"))
    assert [c.session_id for c in mine.items] == ["conv-3", "conv-1"]
    seen, cursor = [], None
    while True:
        page = list_conversations(stored.engine, stored.project_id, cursor=cursor, limit=1)
        seen += [c.session_id for c in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == ["conv-3", "conv-2", "conv-1"]
    with pytest.raises(InvalidCursor):
        list_conversations(stored.engine, stored.project_id, cursor="bm9wZQ")


def test_turns_in_order_with_input_answer_and_scores(stored):
    summary = get_conversation(stored.engine, stored.project_id, "conv-1")
    assert summary.turns == 3
    turns = list_turns(stored.engine, stored.project_id, "conv-1").items
    assert [t.number for t in turns] == [1, 2, 3]
    assert [t.trace_id for t in turns] == stored.traces["conv-1"]
    first, second, third = turns
    assert (first.root_name, first.user_input, first.answer) == (
        "agent turn",
        "Where is my order?",
        "It ships today.",
    )
    assert (first.spans, first.llm_calls, first.tokens) == (4, 2, 220)  # root, 2 calls, 1 tool
    assert first.duration_ms == pytest.approx(5.0)
    assert (third.errors, second.errors) == (1, 0)
    assert [_scores(t) for t in turns] == [{"helpfulness": "4"}, {"helpfulness": "2"}, {"exact": "0/1 true"}]


def test_turn_pages_keep_numbering(stored):
    first = list_turns(stored.engine, stored.project_id, "conv-1", limit=2)
    rest = list_turns(stored.engine, stored.project_id, "conv-1", cursor=first.next_cursor, limit=2)
    assert [t.number for t in first.items + rest.items] == [1, 2, 3]
    assert [t.user_input for t in rest.items] == ["Cancel it."]
    assert rest.next_cursor is None


def test_unknown_session_and_other_project(stored, db_url, tmp_path):
    with pytest.raises(ConversationNotFound, match="otel-llm sessions list"):
        get_conversation(stored.engine, stored.project_id, "conv-9")
    other = store_conversations(db_url, tmp_path / "other", project="other")  # the same session ids
    assert get_conversation(stored.engine, stored.project_id, "conv-1").turns == 3
    turns = list_turns(stored.engine, stored.project_id, "conv-1").items
    assert [t.trace_id for t in turns] == stored.traces["conv-1"] != other.traces["conv-1"]


def test_span_list_filters_by_user_and_session(stored):
    def names(**kw):
        items = list_spans(stored.engine, stored.project_id, SpanFilter(**kw), limit=100).items
        return sorted({i["session_id"] for i in items})

    assert names(user="u-1") == ["conv-1", "conv-3"]
    assert names(session="conv-2", llm_only=False) == ["conv-2"]
    assert len(list_spans(stored.engine, stored.project_id, SpanFilter(user="u-2")).items) == 1
