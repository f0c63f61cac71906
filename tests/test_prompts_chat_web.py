"""Chat prompts in the console and the JSON API, on SQLite and Postgres: created from the API,
shown escaped (messages, tools, schema), diffed, edited as a set-up, and referenced prompts listed."""

from __future__ import annotations

import json
from html import unescape

import pytest

from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

API = "/api/v1/prompts"
CHAT = {
    "messages": [
        {"role": "system", "content": "You are <b>{{company}}</b>'s agent."},
        {"role": "user", "content": "Order {{order}}?"},
    ],
    "tools": [{"name": "lookup_order", "description": "Find <script>", "parameters": {"type": "object"}}],
    "response_format": {"name": "answer", "schema": {"type": "object", "title": "<i>Answer</i>"}},
    "config": {"model": "gpt-4o-mini"},
}


@pytest.fixture
def app(db_url):
    return make_app(db_url)


@pytest.fixture
def editor(app, db_url):
    return app.test_client(), bearer(api_key(db_url, "alpha", "editor"))


def test_api_creates_a_chat_version_resolves_it_and_diffs_it(editor):
    client, headers = editor
    made = client.post(f"{API}/support/versions", json=CHAT, headers=headers)
    assert made.status_code == 201, made.json
    version = made.json["version"]
    assert (version["kind"], version["variables"], version["tools"][0]["name"]) == (
        "chat",
        ["company", "order"],
        "lookup_order",
    )
    changed = CHAT | {"messages": [CHAT["messages"][0], {"role": "user", "content": "Where is {{order}}?"}]}
    client.post(f"{API}/support/versions", json=changed | {"response_format": None}, headers=headers)
    resolved = client.get(f"{API}/support/resolve?label=latest", headers=headers).json["version"]
    assert resolved["version"] == 2 and resolved["response_format"] is None
    diff = client.get(f"{API}/support/diff?a=1&b=2", headers=headers).json["unified"]
    assert "+Where is {{order}}?" in diff and any(line.startswith("- response_format") for line in diff)
    bad = client.post(
        f"{API}/p/versions", json={"messages": [{"role": "bot", "content": "x"}]}, headers=headers
    )
    assert bad.status_code in (400, 422) and "role" in bad.json["error"]["message"]
    jinja = client.post(
        f"{API}/j/versions", json={"template": "{% if %}", "format": "jinja2"}, headers=headers
    )
    assert jinja.status_code in (400, 422) and "line 1, column 1" in jinja.json["error"]["message"]


def test_references_are_listed_in_the_api_and_on_the_prompt_page(app, db_url, editor):
    client, headers = editor
    client.post(f"{API}/footer/versions", json={"template": "Bye {{agent}}"}, headers=headers)
    client.post(f"{API}/mail/versions", json={"template": "Hi.\n{{> footer@v1}}"}, headers=headers)
    refs = client.get(f"{API}/footer/references", headers=headers).json["items"]
    assert refs == [{"name": "mail", "version": 1, "ref": "footer@v1", "included_version": 1}]
    viewer = signed_in_client(app, db_url, "view@alpha.example", "viewer")
    page = unescape(viewer.get("/prompts/footer").get_data(as_text=True))
    assert "Referenced by" in page and "mail@v1" in page
    assert "footer@v1" in unescape(viewer.get("/prompts/mail").get_data(as_text=True))


def test_the_prompt_page_shows_a_chat_version_escaped_and_saves_an_edited_set_up(app, db_url, editor):
    client, headers = editor
    client.post(f"{API}/support/versions", json=CHAT, headers=headers)
    ed = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    page = ed.get("/prompts/support").get_data(as_text=True)
    assert "You are &lt;b&gt;{{company}}&lt;/b&gt;" in page and "<b>{{company}}" not in page
    assert "Find &lt;script&gt;" in page and "lookup_order" in page and "&lt;i&gt;Answer&lt;/i&gt;" in page
    token = csrf_token(ed, "/prompts/support")
    document = json.loads(unescape(page.split('name="setup"', 1)[1].split(">", 1)[1].split("</textarea>")[0]))
    document["messages"][1]["content"] = "Which order, {{order}}?"
    saved = ed.post(
        "/prompts/support/versions",
        data={"setup": json.dumps(document), "summary": "asks", "csrf_token": token},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "support@v2" in unescape(saved.get_data(as_text=True))
    diff = unescape(ed.get("/prompts/support/diff?a=1&b=2").get_data(as_text=True))
    assert "message 2 (user)" in diff and "Which order, {{order}}?" in diff
    bad = ed.post("/prompts/support/versions", data={"setup": "{nope", "summary": "x", "csrf_token": token})
    assert bad.status_code == 422 and "not valid JSON" in bad.get_data(as_text=True)


def test_a_jinja_prompt_is_created_from_the_console_and_a_syntax_error_keeps_the_form(app, db_url):
    ed = signed_in_client(app, db_url, "ed@alpha.example", "editor")
    token = csrf_token(ed, "/prompts")
    bad = ed.post(
        "/prompts", data={"name": "j", "template": "Hi\n{% for x %}", "format": "jinja2", "csrf_token": token}
    )
    assert bad.status_code == 422 and "line 2, column 1" in unescape(bad.get_data(as_text=True))
    made = ed.post(
        "/prompts",
        data={
            "name": "j",
            "template": "{% if vip %}Dear {{ who }}{% endif %}",
            "format": "jinja2",
            "csrf_token": token,
        },
    )
    assert made.status_code == 302
    page = unescape(ed.get("/prompts/j").get_data(as_text=True))
    assert "Format <code>jinja2</code>" in page and "<code>vip</code>" in page
