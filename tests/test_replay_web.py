"""Replay in the console and the JSON API (Flask test client), on spans recorded from real SDK calls."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests import replay_support
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

app = replay_support.app  # fixture
sqlite_app = replay_support.sqlite_app  # fixture


@pytest.fixture
def web(sqlite_app):
    return make_app(sqlite_app.url, REPLAY_BASE_URL=sqlite_app.mock.url)


def post_replay(client, span_id, token, body):
    return client.post(f"/api/v1/spans/{span_id}/replay", json=body, headers=bearer(token))


def test_api_replay_with_overrides_is_stored_and_readable(app):
    web = make_app(app.url, REPLAY_BASE_URL=app.mock.url)
    client = web.test_client()
    editor = api_key(app.url, "default", "editor")
    span_id = app.chat(model="gpt-4o-mini")

    response = post_replay(client, span_id, editor, {"overrides": {"model": "gpt-4o", "temperature": 0.2}})

    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "ok" and data["overrides"] == {"model": "gpt-4o", "temperature": 0.2}
    assert data["comparison"]["output"]["changed"] is True
    assert data["comparison"]["cost_usd"]["delta"] > 0
    listed = client.get(f"/api/v1/replays?span_id={span_id}", headers=bearer(editor)).get_json()["items"]
    assert [r["id"] for r in listed] == [data["id"]] and listed[0]["actor"].startswith("key:")
    detail = client.get(f"/api/v1/replays/{data['id']}", headers=bearer(editor)).get_json()
    assert detail["comparison"]["output"]["replay"] == data["comparison"]["output"]["replay"]


def test_api_replay_needs_editor_and_checks_input(sqlite_app, web):
    client = web.test_client()
    span_id = sqlite_app.chat()
    viewer = api_key(sqlite_app.url, "default", "viewer")
    editor = api_key(sqlite_app.url, "default", "editor")
    sqlite_app.mock.clear()

    assert post_replay(client, span_id, viewer, {}).status_code == 403
    bad = post_replay(client, span_id, editor, {"overrides": {"temperature": 7}})
    assert bad.status_code == 400 and "temperature" in bad.get_json()["error"]["message"]
    unknown = post_replay(client, span_id, editor, {"overrides": {"colour": "red"}})
    assert unknown.status_code == 400 and "'overrides.colour'" in unknown.get_json()["error"]["message"]
    top_level = post_replay(client, span_id, editor, {"model": "gpt-4o"})  # belongs in "overrides"
    assert (
        top_level.status_code == 400 and "unknown field 'model'" in top_level.get_json()["error"]["message"]
    )
    missing = post_replay(client, "00000000deadbeef", editor, {})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert sqlite_app.mock.requests == []  # nothing was sent for refused requests

    dry = post_replay(client, span_id, editor, {"dry_run": True, "overrides": {"max_tokens": 5}})
    assert dry.status_code == 200 and dry.get_json()["request"]["params"]["max_completion_tokens"] == 5
    assert sqlite_app.mock.requests == []


def wait_for_run(client, token, run_id, timeout=30.0) -> dict:
    """The run once it has finished (background thread)."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/v1/replay-runs/{run_id}", headers=bearer(token)).get_json()["run"]
        if run["status"] != "running" or time.monotonic() > deadline:
            return run
        time.sleep(0.2)


def test_api_batch_run_completes_with_a_summary(sqlite_app, web):
    client = web.test_client()
    editor = api_key(sqlite_app.url, "default", "editor")
    for question in ("a?", "b?", "c?"):
        sqlite_app.chat(messages=[{"role": "user", "content": question}])

    started = client.post(
        "/api/v1/replay-runs",
        json={"selection": {"limit": 3}, "overrides": {"model": "gpt-4o"}, "concurrency": 2},
        headers=bearer(editor),
    )
    assert started.status_code == 202, started.get_json()
    run_id = started.get_json()["id"]
    run = wait_for_run(client, editor, run_id)
    detail = client.get(f"/api/v1/replay-runs/{run_id}", headers=bearer(editor)).get_json()
    assert run["status"] == "ok" and run["count"] == 3 and run["error_count"] == 0
    assert run["changed_share"] == 1.0 and 0 <= run["mean_similarity"] < 1
    assert len(detail["replays"]) == 3 and all(r["run_id"] == run_id for r in detail["replays"])
    runs = client.get("/api/v1/replay-runs", headers=bearer(editor)).get_json()["items"]
    assert [r["id"] for r in runs] == [run_id]

    member = signed_in_client(web, sqlite_app.url, "runs@example.com", "editor", project="default")
    page = member.get(f"/replays/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-status">ok<' in page and "100%" in page and page.count('class="pill pill-ok">ok<') == 3
    index = member.get("/replays").get_data(as_text=True)
    assert f'href="/replays/runs/{run_id}"' in index and "model=gpt-4o" in index

    form = {"csrf_token": csrf_token(member, "/replays"), "limit": "1", "with_model": "gpt-4.1"}
    started_by_form = member.post("/replays/runs", data=form)
    assert started_by_form.status_code == 302 and "/replays/runs/" in started_by_form.headers["Location"]
    assert (
        wait_for_run(client, editor, int(started_by_form.headers["Location"].rsplit("/", 1)[1]))["count"] == 1
    )
    refused = member.post("/replays/runs", data={**form, "with_model": ""})
    assert refused.status_code == 302 and "#new-run" in refused.headers["Location"]

    empty = client.post(
        "/api/v1/replay-runs",
        json={"selection": {"model": "no-such-model"}, "overrides": {}},
        headers=bearer(editor),
    )
    assert empty.status_code == 422 and "no stored LLM spans match" in empty.get_json()["error"]["message"]


def test_span_page_replay_tab_form_prefilled_and_csrf_protected(sqlite_app, web):
    span_id = sqlite_app.chat(temperature=0.3, max_tokens=50)
    editor = signed_in_client(web, sqlite_app.url, "ed@example.com", "editor", project="default")

    html = editor.get(f"/traces/span/{span_id}").get_data(as_text=True)
    assert 'data-tab="replay"' in html and 'id="replay-form"' in html
    assert (
        'name="model" value="gpt-4o-mini"' in html
        and 'name="max_tokens" type="number" min="1" value="50"' in html
    )
    assert replay_support.SYSTEM in html

    no_token = editor.post(f"/replays/span/{span_id}", data={"model": "gpt-4o"})
    assert no_token.status_code == 400

    token = csrf_token(editor, f"/traces/span/{span_id}")
    form = {
        "csrf_token": token,
        "model": "gpt-4.1",  # a model whose answer differs by both insertions and deletions
        "provider": "openai",
        "temperature": "0.3",
        "max_tokens": "50",
    }
    form["system_prompt"] = replay_support.SYSTEM.replace(".", ".\r\n")  # the same text as a browser sends it
    done = editor.post(f"/replays/span/{span_id}", data=form)
    assert done.status_code == 302 and "/replays/" in done.headers["Location"]
    page = editor.get(done.headers["Location"]).get_data(as_text=True)
    assert "diff-ins" in page and "diff-del" in page and "model=gpt-4.1" in page
    assert "temperature=" not in page and "system_prompt=" not in page  # unchanged fields are not overrides
    assert 'id="replay-request"' in page and "&#34;model&#34;: &#34;gpt-4.1&#34;" in page
    replay_span_id = re.search(r'id="replay-span-link" href="/traces/span/([0-9a-f]{16})"', page).group(1)
    replay_page = editor.get(f"/traces/span/{replay_span_id}").get_data(as_text=True)
    assert 'id="replay-of"' in replay_page and f"/traces/span/{span_id}" in replay_page
    assert json.loads(sqlite_app.mock.requests[-1].body)["model"] == "gpt-4.1"

    index = editor.get("/replays").get_data(as_text=True)
    assert span_id in index and "Single replays" in index


def test_viewer_sees_replays_but_no_replay_form(sqlite_app, web):
    span_id = sqlite_app.chat()
    viewer = signed_in_client(web, sqlite_app.url, "vi@example.com", "viewer", project="default")
    html = viewer.get(f"/traces/span/{span_id}").get_data(as_text=True)
    assert 'data-tab="replay"' in html and 'id="replay-form"' not in html
    assert viewer.get("/replays").status_code == 200
    token = csrf_token(viewer, "/replays")
    assert viewer.post(f"/replays/span/{span_id}", data={"csrf_token": token}).status_code == 403


def test_user_text_is_escaped_on_the_replay_page(sqlite_app, web):
    span_id = sqlite_app.chat(messages=[{"role": "user", "content": "<script>alert(1)</script>"}])
    editor = signed_in_client(web, sqlite_app.url, "ed2@example.com", "editor", project="default")
    token = csrf_token(editor, f"/traces/span/{span_id}")
    done = editor.post(f"/replays/span/{span_id}", data={"csrf_token": token, "system_prompt": "<b>bold</b>"})
    page = editor.get(done.headers["Location"]).get_data(as_text=True)
    assert "system_prompt=&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_span_without_captured_content_explains_how_to_enable_it(sqlite_url, mock_llm):
    traced = replay_support.start_app(sqlite_url, mock_llm, capture=False)
    try:
        span_id = traced.chat()
        web = make_app(sqlite_url, REPLAY_BASE_URL=mock_llm.url)
        editor = signed_in_client(web, sqlite_url, "ed3@example.com", "editor", project="default")
        html = editor.get(f"/traces/span/{span_id}").get_data(as_text=True)
        assert "OTEL_LLM_CAPTURE_CONTENT=true" in html and 'id="replay-form"' not in html

        key = api_key(sqlite_url, "default", "editor")
        refused = post_replay(web.test_client(), span_id, key, {})
        assert refused.status_code == 422
        assert "OTEL_LLM_CAPTURE_CONTENT=true" in refused.get_json()["error"]["message"]
    finally:
        replay_support.stop_app()
