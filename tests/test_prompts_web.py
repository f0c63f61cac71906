"""Prompts console pages and JSON API through the Flask test client, on SQLite and Postgres."""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from werkzeug.serving import make_server

import otel_llm
from otel_llm.prompts import catalog, protection
from otel_llm.prompts import client as prompt_client
from otel_llm.storage.db import get_engine
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

API = "/api/v1/prompts"


@pytest.fixture
def app(db_url):
    return make_app(db_url)


@pytest.fixture
def editor(app, db_url):
    return app.test_client(), bearer(api_key(db_url, "alpha", "editor"))


def _editors_publish(db_url: str) -> None:
    """Project alpha lets editors move production (by default only admins do: tests/test_webhooks_web.py)."""
    engine = get_engine(db_url)
    protection.set_policy(engine, catalog.project_id(engine, "alpha"), ["production"], "editor")


def _create(client, headers, name, template, **extra):
    return client.post(f"{API}/{name}/versions", json={"template": template, **extra}, headers=headers)


def test_api_create_publish_resolve_diff_history(editor, db_url):
    client, headers = editor
    _editors_publish(db_url)
    first = _create(client, headers, "support", "Hello {{customer}}", change_summary="first", tags=["a"])
    assert first.status_code == 201 and first.json["version"]["version"] == 1
    assert first.json["version"]["change_summary"] == "first"  # one name in and out
    assert first.json["version"]["author"].startswith("key:")
    _create(client, headers, "support", "Hi {{customer}}", config={"model": "gpt-4o"})
    assert client.post(f"{API}/support/versions/2/publish", headers=headers).json["move"]["to_version"] == 2
    resolved = client.get(f"{API}/support/resolve", headers=headers).json["version"]
    assert (resolved["version"], resolved["published"], resolved["config"]) == (2, True, {"model": "gpt-4o"})
    put = client.put(f"{API}/support/labels/staging", json={"version": 1}, headers=headers)
    assert put.status_code == 200
    assert client.get(f"{API}/support/resolve?label=staging", headers=headers).json["version"]["version"] == 1
    diff = client.get(f"{API}/support/diff?a=1&b=2", headers=headers).json["unified"]
    assert "-Hello {{customer}}" in diff and "+Hi {{customer}}" in diff
    rolled = client.post(f"{API}/support/rollback", json={"to": 1}, headers=headers).json["move"]
    assert (rolled["action"], rolled["from_version"], rolled["to_version"]) == ("rollback", 2, 1)
    history = client.get(f"{API}/support/history", headers=headers).json["items"]
    assert [(h["action"], h["label"], h["to_version"]) for h in history] == [
        ("rollback", "production", 1),
        ("label", "staging", 1),
        ("publish", "production", 2),
    ]
    listed = client.get(API, headers=headers).json["items"]
    assert [(p["name"], p["published_version"], p["labels"]) for p in listed] == [
        ("support", 1, {"production": 1, "staging": 1})
    ]


def test_api_errors_have_the_shared_shape(editor, db_url):
    client, headers = editor
    _editors_publish(db_url)
    _create(client, headers, "p", "text")
    cases = [
        (_create(client, headers, "p", "text"), 409, "conflict", "p@v1 already has this template"),
        (_create(client, headers, "bad name", "x"), 422, "invalid", "invalid prompt name"),
        (client.post(f"{API}/p/versions", json={}, headers=headers), 400, "bad_request", "'template'"),
        (client.get(f"{API}/nope/versions", headers=headers), 404, "not_found", "does not exist"),
        (client.post(f"{API}/p/versions/9/publish", headers=headers), 404, "not_found", "no version 9"),
        (client.post(f"{API}/p/rollback", headers=headers), 409, "conflict", "no earlier published"),
        (client.get(f"{API}/p/diff?a=1", headers=headers), 400, "bad_request", "'b'"),
        (client.get(f"{API}/p/stats?since=soon", headers=headers), 422, "invalid", "time window"),
    ]
    for response, status, code, text in cases:
        assert response.status_code == status, response.json
        assert response.json["error"]["code"] == code and text in response.json["error"]["message"]


def test_viewer_key_reads_but_cannot_write(app, db_url, editor):
    client, headers = editor
    _create(client, headers, "p", "text")
    viewer = bearer(api_key(db_url, "alpha", "viewer"))
    assert client.get(f"{API}/p/versions", headers=viewer).status_code == 200
    assert client.post(f"{API}/p/versions/1/publish", headers=viewer).status_code == 403
    assert _create(client, viewer, "p", "new").status_code == 403
    assert (
        client.post("/api/v1/feedback", json={"trace_id": "a" * 32, "score": 1}, headers=viewer).status_code
        == 403
    )


def test_feedback_api(editor):
    client, headers = editor
    made = client.post(
        "/api/v1/feedback", json={"span_id": "b" * 16, "score": 0.5, "comment": "ok"}, headers=headers
    )
    assert made.status_code == 201
    assert (made.json["feedback"]["source"], made.json["feedback"]["score"]) == ("api", 0.5)
    bad = client.post("/api/v1/feedback", json={"span_id": "zz", "score": 1}, headers=headers)
    assert bad.status_code == 422 and "neither a span id" in bad.json["error"]["message"]
    listed = client.get(f"/api/v1/feedback?span_id={'b' * 16}", headers=headers).json["items"]
    assert [f["comment"] for f in listed] == ["ok"]


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_sdk_fetches_through_the_api_and_records_feedback(editor, live, db_url):
    client, headers = editor
    _editors_publish(db_url)
    _create(client, headers, "support", "Hello {{customer}}")
    client.post(f"{API}/support/versions/1/publish", headers=headers)
    key = headers["Authorization"].split(" ", 1)[1]
    prompt_client.clear_cache()
    try:
        prompt = otel_llm.get_prompt("support", api_url=live, api_key=key)
        assert (prompt.version, prompt.render(customer="Ada")) == (1, "Hello Ada")
        missing = otel_llm.get_prompt("nope", api_url=live, api_key=key, fallback="fb")
        assert missing.is_fallback
        wrong_key = otel_llm.get_prompt("support", api_url=live, api_key="ollm_bad_key", fallback="fb")
        assert wrong_key.is_fallback
    finally:
        prompt_client.clear_cache()
    stored = otel_llm.record_feedback("c" * 32, 1.0, comment="via api", api_url=live, api_key=key)
    assert (stored.trace_id, stored.source, stored.comment) == ("c" * 32, "api", "via api")


def _text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_editor_pages_create_publish_label_rollback_archive(app, db_url):
    client = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    _editors_publish(db_url)
    token = csrf_token(client, "/prompts")
    made = client.post(
        "/prompts", data={"name": "greet", "template": "Hello <b>{{who}}</b>", "csrf_token": token}
    )
    assert made.status_code == 302 and made.headers["Location"].endswith("/prompts/greet?v=1")
    client.post(
        "/prompts/greet/versions", data={"template": "Hi {{who}}", "summary": "shorter", "csrf_token": token}
    )
    page = client.get("/prompts/greet?v=1").get_data(as_text=True)
    assert "Hello &lt;b&gt;{{who}}&lt;/b&gt;" in page  # escaped, never markup
    client.post("/prompts/greet/versions/2/publish", data={"csrf_token": token})
    client.post("/prompts/greet/versions/1/label", data={"label": "staging", "csrf_token": token})
    refused = client.post(
        "/prompts/greet/versions/2/archive", data={"csrf_token": token}, follow_redirects=True
    )
    assert "cannot be archived" in _text(refused)
    rolled = client.post(
        "/prompts/greet/rollback", data={"to": "1", "csrf_token": token}, follow_redirects=True
    )
    assert "production (rollback): v2 → v1." in _text(rolled)
    history = _text(client.get("/prompts/greet"))
    assert "rollback production v2 v1" in " ".join(history.split())
    duplicate = client.post(
        "/prompts/greet/versions/1/duplicate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Created greet@v3 from v1." in _text(duplicate)
    diff = client.get("/prompts/greet/diff?a=1&b=2").get_data(as_text=True)
    assert "removed" in diff and "added" in diff and "Hello &lt;b&gt;" in diff


def test_bad_form_input_keeps_what_was_typed(app, db_url):
    client = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    token = csrf_token(client, "/prompts")
    client.post("/prompts", data={"name": "greet", "template": "Hello", "csrf_token": token})
    response = client.post(
        "/prompts/greet/versions", data={"template": "Hi there", "config": "{oops", "csrf_token": token}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "not valid JSON" in text and "Hi there" in text and "{oops" in text


def test_viewer_sees_no_actions(app, db_url, editor):
    client, headers = editor
    _create(client, headers, "p", "text")
    viewer = signed_in_client(app, db_url, "view@alpha.example", "viewer")
    page = viewer.get("/prompts/p").get_data(as_text=True)
    assert (
        "v1" in page
        and "Publish v1" not in page
        and "Roll back" not in page
        and '<form method="post" action="/prompts' not in page
    )
    assert "New prompt" not in viewer.get("/prompts").get_data(as_text=True)
    token = csrf_token(viewer, "/prompts")
    assert viewer.post("/prompts/p/versions/1/publish", data={"csrf_token": token}).status_code == 403


def test_unknown_prompt_page_is_404(app, db_url):
    client = signed_in_client(app, db_url, "view@alpha.example", "viewer")
    assert client.get("/prompts/nope").status_code == 404
    assert "No prompts yet" in client.get("/prompts").get_data(as_text=True)


def test_span_page_shows_linked_version_and_takes_feedback(app, db_url, tmp_path):
    from otel_llm import attributes as attrs
    from otel_llm.prompts import catalog, versions
    from otel_llm.storage.db import get_engine
    from tests.span_factory import emit, llm_attributes, span_pipeline

    engine = get_engine(db_url)
    client = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    pid = catalog.project_id(engine, "alpha")
    versions.create_version(engine, pid, "terse", "You are terse.")
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        _, by_hash = emit(tracer, **llm_attributes())  # system prompt "You are terse."
        _, by_tag = emit(
            tracer,
            **llm_attributes(
                system="other", **{attrs.GEN_AI_PROMPT_NAME: "terse", attrs.GEN_AI_PROMPT_VERSION: "1"}
            ),
        )
        _, unlinked = emit(tracer, **llm_attributes(system="something else"))
    assert "terse@v1" in _text(client.get(f"/traces/span/{by_hash}")) and "same system prompt text" in _text(
        client.get(f"/traces/span/{by_hash}")
    )
    assert "tagged by the app" in _text(client.get(f"/traces/span/{by_tag}"))
    assert "Not linked to a stored prompt version" in _text(client.get(f"/traces/span/{unlinked}"))

    token = csrf_token(client, f"/traces/span/{by_hash}")
    posted = client.post(
        "/prompts/feedback", data={"span_id": by_hash, "score": "0.5", "comment": "meh", "csrf_token": token}
    )
    assert posted.status_code == 302 and posted.headers["Location"].endswith(
        f"/traces/span/{by_hash}#tab-prompt"
    )
    page = _text(client.get(f"/traces/span/{by_hash}"))
    assert "0.5" in page and "meh" in page and "console" in page
    bad = client.post(
        "/prompts/feedback",
        data={"span_id": by_hash, "score": "lots", "csrf_token": token},
        follow_redirects=True,
    )
    assert "not a number" in _text(bad)
    viewer = signed_in_client(app, db_url, "v@alpha.example", "viewer")
    assert 'id="feedback-form"' not in viewer.get(f"/traces/span/{by_hash}").get_data(as_text=True)


def test_a_prompt_named_feedback_still_has_its_page(app, db_url, editor):
    client, headers = editor
    _create(client, headers, "feedback", "a prompt that happens to be called feedback")
    viewer = signed_in_client(app, db_url, "v@alpha.example", "viewer")
    assert "happens to be called feedback" in viewer.get("/prompts/feedback").get_data(as_text=True)
