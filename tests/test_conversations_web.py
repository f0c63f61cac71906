"""The Sessions pages and ``/api/v1/sessions``: list with totals and scores, user filter, pages,
one session's turns; 404 and 400 in the shared error shape."""

from __future__ import annotations

import pytest

from tests.conversations_data import store_conversations
from tests.web_helpers import api_key, bearer, make_app, signed_in_client


@pytest.fixture
def app(sqlite_url, tmp_path):
    store_conversations(sqlite_url, tmp_path, project="alpha")
    return make_app(sqlite_url)


@pytest.fixture
def client(app, sqlite_url):
    return signed_in_client(app, sqlite_url, "viewer@example.com", "viewer")


def test_sessions_page_lists_conversations_with_totals_and_scores(client):
    html = client.get("/sessions").get_data(as_text=True)
    assert html.index("conv-3") < html.index("conv-2") < html.index("conv-1")
    assert ">Sessions</a>" in html  # the nav entry
    assert "helpfulness 3" in html and "exact 0/1 true" in html
    mine = client.get("/sessions?user=u-2").get_data(as_text=True)
    assert "conv-2" in mine and "conv-1" not in mine
    first = client.get("/sessions?limit=2").get_data(as_text=True)
    assert "conv-1" not in first and 'rel="next"' in first


def test_session_page_shows_turns_in_order_with_trace_links(client):
    html = client.get("/sessions/conv-1").get_data(as_text=True)
    order = [
        html.index(text) for text in ("Where is my order?", "It ships today.", "Can I change", "Cancel it.")
    ]
    assert order == sorted(order)
    assert html.count('class="panel turn"') == 3 and "/traces/trace/" in html
    assert client.get("/sessions/conv-9").status_code == 404


def test_api_lists_and_shows_sessions(app, sqlite_url):
    headers = bearer(api_key(sqlite_url, "alpha", "viewer"))
    api = app.test_client()
    listed = api.get("/api/v1/sessions?user=u-1&limit=1", headers=headers).get_json()
    assert [c["session_id"] for c in listed["items"]] == ["conv-3"] and listed["next_cursor"]
    more = api.get(f"/api/v1/sessions?user=u-1&cursor={listed['next_cursor']}", headers=headers).get_json()
    assert [c["session_id"] for c in more["items"]] == ["conv-1"]
    one = api.get("/api/v1/sessions/conv-1", headers=headers).get_json()
    assert (one["turns"], one["llm_calls"], one["tokens"]) == (3, 4, 440)
    turns = one["turns_page"]["items"]
    assert [t["answer"] for t in turns] == ["It ships today.", "Yes, until noon.", "Sorry, failed."]
    assert turns[0]["scores"][0]["mean"] == 4
    missing = api.get("/api/v1/sessions/conv-9", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    bad = api.get("/api/v1/sessions?cursor=nope", headers=headers)
    assert bad.status_code == 400 and "start again" in bad.get_json()["error"]["message"]
    spans = api.get("/api/v1/spans?user=u-2", headers=headers).get_json()["items"]
    assert [s["session_id"] for s in spans] == ["conv-2"]


def test_a_project_without_sessions_says_how_to_get_them(app, sqlite_url):
    other = signed_in_client(app, sqlite_url, "beta@example.com", "viewer", project="beta")
    html = other.get("/sessions").get_data(as_text=True)
    assert "No sessions yet" in html and "otel_llm.session(conversation_id, user_id=user.id)" in html
    assert other.get("/sessions/conv-1").status_code == 404  # alpha's conversation
