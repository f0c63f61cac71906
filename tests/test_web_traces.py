"""Traces list and span page, through the Flask test client, on SQLite and Postgres."""

from __future__ import annotations

import html
import json
import re
import time

import pytest

from otel_llm import attributes as attrs
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, ensure_project, make_app, signed_in_client

MINUTE_NS = 60 * 10**9


@pytest.fixture
def seeded(db_url, tmp_path):
    """Six calls in project alpha over the last hour: two providers, one error, tags on some."""
    ensure_project(db_url, "alpha")
    now = time.time_ns()
    ids = {}
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        calls = [
            ("chat gpt-4o-mini", "openai", "gpt-4o-mini", 120.0, False, {}),
            ("chat gpt-4o", "openai", "gpt-4o", 900.0, False, {attrs.GEN_AI_PROMPT_NAME: "support"}),
            ("chat claude", "anthropic", "claude-haiku-4-5", 300.0, True, {}),
            ("summarise ticket", "openai", "gpt-4o-mini", 60.0, False, {attrs.EXPERIMENT: "bakeoff"}),
            ("chat gpt-4o-mini", "openai", "gpt-4o-mini", 450.0, False, {attrs.EXPERIMENT_VARIANT: "b"}),
            ("chat claude", "anthropic", "claude-haiku-4-5", 30.0, False, {}),
        ]
        for i, (name, provider, model, duration, error, extra) in enumerate(calls):
            answer = "<script>alert(1)</script>" if i == 5 else f"answer {i}"
            ids[i] = emit(
                tracer,
                name=name,
                start_ns=now - (i + 1) * MINUTE_NS,
                duration_ms=duration,
                error=error,
                **llm_attributes(
                    model=model, provider=provider, answer=answer, user=f"question {i}", **extra
                ),
            )
    return ids


def _span_ids_on_page(text: str) -> list[str]:
    return re.findall(r'href="/traces/span/([0-9a-f]{16})"', text)[::2]


def test_list_shows_newest_first_and_filters_narrow_it(db_url, seeded):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    page = client.get("/calls").get_data(as_text=True)
    assert _span_ids_on_page(page) == [seeded[i][1] for i in range(6)]
    assert "claude-haiku-4-5" in page and "$" in page
    for query, expected in [
        ("provider=anthropic", [2, 5]),
        ("model=gpt-4o", [1]),
        ("status=error", [2]),
        ("prompt_name=support", [1]),
        ("experiment=bakeoff", [3]),
        ("variant=b", [4]),
        ("text=SUMMARISE", [3]),
        ("provider=openai&model=gpt-4o-mini", [0, 3, 4]),
    ]:
        page = client.get(f"/calls?{query}").get_data(as_text=True)
        assert _span_ids_on_page(page) == [seeded[i][1] for i in expected], query


def test_time_range_filter(db_url, seeded):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    assert len(_span_ids_on_page(client.get("/calls?range=1h").get_data(as_text=True))) == 6
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 3.5 * 60))
    page = client.get(f"/calls?since={since}").get_data(as_text=True)
    assert _span_ids_on_page(page) == [seeded[i][1] for i in range(3)]
    page = client.get("/calls?since=2001-01-01T00:00&until=2001-01-02T00:00").get_data(as_text=True)
    assert "No span matches these filters" in page


def test_sort_by_duration_and_cost_and_keyset_pages(db_url, seeded):
    key = api_key(db_url, "alpha", "viewer")
    client = make_app(db_url).test_client()
    body = client.get("/api/v1/spans?sort=duration", headers=bearer(key)).get_json()
    assert [s["duration_ms"] for s in body["items"]] == [900.0, 450.0, 300.0, 120.0, 60.0, 30.0]
    body = client.get("/api/v1/spans?sort=duration&order=asc", headers=bearer(key)).get_json()
    assert body["items"][0]["duration_ms"] == 30.0
    costs = [
        s["cost_usd"] for s in client.get("/api/v1/spans?sort=cost", headers=bearer(key)).get_json()["items"]
    ]
    known = [c for c in costs if c is not None]
    assert known == sorted(known, reverse=True) and costs[: len(known)] == known

    seen, cursor = [], None
    while True:
        url = "/api/v1/spans?limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=bearer(key)).get_json()
        seen += [s["span_id"] for s in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [seeded[i][1] for i in range(6)]


def test_html_pager_links_to_the_next_keyset_page(db_url, seeded):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    first = client.get("/calls?limit=4&provider=openai").get_data(as_text=True)
    assert _span_ids_on_page(first) == [seeded[i][1] for i in (0, 1, 3, 4)]
    assert "Next page" not in first
    first = client.get("/calls?limit=3").get_data(as_text=True)
    next_link = html.unescape(re.search(r'<a class="button" rel="next" href="([^"]+)"', first).group(1))
    assert "cursor=" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert _span_ids_on_page(second) == [seeded[i][1] for i in (3, 4, 5)]


def test_span_page_shows_the_call_and_escapes_content(db_url, seeded):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    page = client.get(f"/traces/span/{seeded[5][1]}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "question 5" in page and "You are terse." in page
    assert "claude-haiku-4-5" in page and "anthropic" in page
    assert "30 ms" in page
    page = client.get(f"/traces/span/{seeded[1][1]}").get_data(as_text=True)
    assert "prompt name: support" in page


def test_span_page_shows_the_trace_tree_when_the_trace_has_several_spans(db_url, tmp_path):
    ensure_project(db_url, "alpha")
    now = time.time_ns()
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        root = tracer.start_span("POST /ask", start_time=now - 10**9)
        _, first = emit(tracer, name="chat first", start_ns=now - 9 * 10**8, parent=root, **llm_attributes())
        _, second = emit(
            tracer, name="chat second", start_ns=now - 5 * 10**8, parent=root, **llm_attributes()
        )
        root.end(end_time=now)
        _, lonely = emit(tracer, name="chat alone", start_ns=now, **llm_attributes())
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    page = client.get(f"/traces/span/{second}").get_data(as_text=True)
    tree = page[page.index('id="trace-tree"') :]
    assert tree.index("POST /ask") < tree.index("chat first") < tree.index("chat second")
    assert f'href="/traces/span/{first}"' in tree
    assert "padding-left: 1.1rem" in tree  # children indented under the root
    assert 'id="trace-tree"' not in client.get(f"/traces/span/{lonely}").get_data(as_text=True)

    trace = (
        make_app(db_url)
        .test_client()
        .get(
            f"/api/v1/traces/{root.get_span_context().trace_id:032x}",
            headers=bearer(api_key(db_url, "alpha", "viewer")),
        )
        .get_json()
    )
    assert [n["span_id"] for n in trace["tree"][0]["children"]] == [first, second]


def test_span_api_decodes_messages(db_url, seeded):
    key = api_key(db_url, "alpha", "viewer")
    body = make_app(db_url).test_client().get(f"/api/v1/spans/{seeded[0][1]}", headers=bearer(key)).get_json()
    assert body["system"] == "You are terse."
    assert body["input_messages"][0]["parts"][0]["content"] == "question 0"
    assert body["tokens"] == {"input": 100, "output": 20, "cache_read": None, "cache_write": None}
    assert body["start_time"].endswith("+00:00")
    json.dumps(body)


def test_empty_project_explains_how_to_send_calls(db_url):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    page = client.get("/calls").get_data(as_text=True)
    assert "No LLM calls stored yet" in page
    assert 'import otel_llm\notel_llm.configure(project="alpha"); otel_llm.instrument()' in page
