"""Traces page, trace view, side-panel fragment and the traces API, on an agent trace (SQLite and Postgres)."""

from __future__ import annotations

import html
import re

import pytest

from tests.agent_trace import emit_agent_trace
from tests.span_factory import T0, emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, csrf_token, ensure_project, make_app, signed_in_client


@pytest.fixture
def agent(db_url, tmp_path):
    ensure_project(db_url, "alpha")
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        emit(tracer, name="chat earlier", start_ns=T0 - 10**9, **llm_attributes(answer="<b>bold</b>"))
        return emit_agent_trace(tracer)


@pytest.fixture
def app(db_url):
    return make_app(db_url)


def test_traces_page_lists_traces_with_totals_and_llm_calls_keep_their_page(app, db_url, agent):
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    page = client.get("/traces").get_data(as_text=True)
    rows = re.findall(r'<tr>\s*<td class="nowrap"><a href="/traces/trace/([0-9a-f]{32})"', page)
    assert rows[0] == agent["trace_id"] and len(rows) == 2
    first = page[page.index(agent["trace_id"]) : page.index("</tr>", page.index(agent["trace_id"]))]
    cells = [html.unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', first)]
    assert cells == ["600 ms", "7", "3", "660", "$0.000126"]
    assert "invoke_agent travel-planner" in first
    only = client.get("/traces?text=book_hotel").get_data(as_text=True)  # a span of the trace matches
    assert agent["trace_id"] in only and "chat earlier" not in only
    calls = client.get("/calls").get_data(as_text=True)
    assert calls.count('href="/traces/span/') == 2 * 4  # LLM calls only, two links each
    assert "execute_tool" not in calls


def test_trace_view_shows_the_tree_and_a_selected_span_without_javascript(app, db_url, agent):
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    url = f"/traces/trace/{agent['trace_id']}"
    page = client.get(url).get_data(as_text=True)
    tree = page[page.index('id="trace-tree"') : page.index('id="span-panel"')]
    assert (
        tree.index("invoke_agent travel-planner")
        < tree.index("retrieve travel-docs")
        < tree.index("book_hotel")
    )
    assert f'href="{url}?span={agent["tool_get_weather"]}#span-panel"' in tree  # the no-JS link
    panel = page[page.index('id="span-panel"') :]
    assert 'id="subtree-totals"' in panel and ">3</dd>" in panel  # the agent root, with its LLM calls
    assert "trace-view.js" in page
    tool = client.get(f"{url}?span={agent['tool_get_weather']}").get_data(as_text=True)
    panel = tool[tool.index('id="span-panel"') :]
    assert "&#34;city&#34;: &#34;Lisbon&#34;" in panel and "21°C, sunny" in panel
    fragment = client.get(f"{url}/panel/{agent['llm1']}").get_data(as_text=True)
    assert "<html" not in fragment and "step 1" in fragment and "Tokens in / out" in fragment
    assert client.get(f"{url}/panel/{'0' * 16}").status_code == 404
    assert client.get(f"/traces/trace/{'0' * 32}").status_code == 404


def test_replay_trace_form_is_for_editors_and_says_tools_are_not_rerun(app, db_url, agent):
    url = f"/traces/trace/{agent['trace_id']}"
    viewer = signed_in_client(app, db_url, "vi@example.com", "viewer")
    assert 'id="replay-trace"' not in viewer.get(url).get_data(as_text=True)
    editor = signed_in_client(app, db_url, "ed@example.com", "editor")
    page = editor.get(url).get_data(as_text=True)
    assert "tools are not re-run" in page and f'name="trace_id" value="{agent["trace_id"]}"' in page
    refused = editor.post("/replays/runs", data={"trace_id": agent["trace_id"], "with_model": "gpt-4o"})
    assert refused.status_code == 400  # no CSRF token
    token = csrf_token(editor, url)
    empty = {"csrf_token": token, "trace_id": agent["trace_id"], "limit": "1000"}
    response = editor.post("/replays/runs", data=empty, follow_redirects=True)
    assert "choose at least one override" in response.get_data(as_text=True)


def test_traces_api_lists_traces_and_returns_the_tree(app, db_url, agent):
    client, key = app.test_client(), bearer(api_key(db_url, "alpha", "viewer"))
    body = client.get("/api/v1/traces?limit=1", headers=key).get_json()
    (item,) = body["items"]
    assert item["trace_id"] == agent["trace_id"] and item["llm_calls"] == 3 and item["span_count"] == 7
    assert item["total_tokens"] == 660 and body["next_cursor"]
    rest = client.get(f"/api/v1/traces?cursor={body['next_cursor']}", headers=key).get_json()
    assert [i["name"] for i in rest["items"]] == ["chat earlier"] and rest["next_cursor"] is None
    bad = client.get("/api/v1/traces?sort=cost", headers=key)
    assert bad.status_code == 400 and "'sort'" in bad.get_json()["error"]["message"]

    tree = client.get(f"/api/v1/traces/{agent['trace_id']}/tree", headers=key).get_json()
    (root,) = tree["roots"]
    assert root["span_id"] == agent["agent"] and root["totals"]["llm_calls"] == 3
    assert [c["name"] for c in root["children"]][:2] == ["retrieve travel-docs", "chat gpt-4o-mini"]
    assert root["children"][1]["start_offset_ms"] == 30.0 and root["children"][1]["input_tokens"] == 100
    assert tree["summary"]["cost_usd"] == pytest.approx(0.000126)
    missing = client.get(f"/api/v1/traces/{'0' * 32}/tree", headers=key)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
