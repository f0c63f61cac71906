"""Datasets JSON API and pages: the service behind HTTP, viewers read and editors write, one error
shape, and "Add to dataset" from the traces list and the span page."""

import re

from otel_llm import datasets
from otel_llm.storage.db import get_engine
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, csrf_token, ensure_project, make_app, signed_in_client

ITEM = {"messages": [{"role": "user", "content": "Where is my refund?"}], "expected_output": "Soon."}


def test_api_versions_items_and_roles(db_url):
    app = make_app(db_url)
    http = app.test_client()
    editor, viewer = bearer(api_key(db_url, "alpha", "editor")), bearer(api_key(db_url, "alpha", "viewer"))

    created = http.post("/api/v1/datasets", json={"name": "qa", "items": [ITEM]}, headers=editor)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["dataset"] | {"created_at": None} == {
        "id": created.get_json()["dataset"]["id"],
        "name": "qa",
        "description": "",
        "current_version": 1,
        "item_count": 1,
        "created_at": None,
    }
    added = http.post(
        "/api/v1/datasets/qa/items", json={"items": [{"variables": {"q": "x"}}]}, headers=editor
    )
    assert (added.status_code, added.get_json()["version"]["number"]) == (201, 2)
    first = http.get("/api/v1/datasets/qa/items?version=1", headers=viewer).get_json()
    assert [i["messages"] for i in first["items"]] == [ITEM["messages"]]
    item_id = first["items"][0]["id"]
    changed = http.put(
        f"/api/v1/datasets/qa/items/{item_id}",
        json={"item": {"messages": [{"role": "user", "content": "New"}]}},
        headers=editor,
    )
    assert changed.status_code == 200 and changed.get_json()["item"]["replaces_id"] == item_id
    removed = http.delete(f"/api/v1/datasets/qa/items/{changed.get_json()['item']['id']}", headers=editor)
    assert removed.get_json()["version"] | {"created_at": None, "id": None} == {
        "id": None,
        "number": 4,
        "change": f"removed item {changed.get_json()['item']['id']}",
        "actor": removed.get_json()["version"]["actor"],
        "item_count": 1,
        "created_at": None,
    }
    shown = http.get("/api/v1/datasets/qa", headers=viewer).get_json()
    assert [v["number"] for v in shown["versions"]] == [4, 3, 2, 1]

    assert http.post("/api/v1/datasets", json={"name": "v"}, headers=viewer).status_code == 403
    assert http.delete(f"/api/v1/datasets/qa/items/{item_id}", headers=viewer).status_code == 403
    conflict = http.post("/api/v1/datasets", json={"name": "qa"}, headers=editor)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "conflict"
    bad = http.post("/api/v1/datasets/qa/items", json={"items": [{"expected_output": "x"}]}, headers=editor)
    assert bad.status_code == 422 and "either" in bad.get_json()["error"]["message"]
    missing = http.get("/api/v1/datasets/nope/items", headers=viewer)
    assert missing.status_code == 404 and "does not exist" in missing.get_json()["error"]["message"]
    assert http.get("/api/v1/datasets/qa/items?version=9", headers=viewer).status_code == 404
    assert (
        http.post("/api/v1/datasets/qa/items", json={"items": [ITEM], "extra": 1}, headers=editor).status_code
        == 400
    )


def _spans(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        return [emit(tracer, **llm_attributes(user=f"Question {n}", answer=f"Answer {n}")) for n in range(3)]


def test_api_adds_spans_by_id_or_by_filter(db_url, tmp_path):
    http = make_app(db_url).test_client()
    editor = bearer(api_key(db_url, "alpha", "editor"))
    keys = _spans(db_url, tmp_path)
    http.post("/api/v1/datasets", json={"name": "qa"}, headers=editor)
    body = {
        "spans": [{"trace_id": t, "span_id": s} for t, s in keys[:1]]
        + [{"trace_id": "0" * 32, "span_id": "1" * 16}]
    }
    result = http.post("/api/v1/datasets/qa/spans", json=body, headers=editor).get_json()
    assert result["added"] == 1 and result["skipped"] == [
        {"span_id": "1" * 16, "reason": "no such span in this project"}
    ]
    by_filter = http.post(
        "/api/v1/datasets/qa/spans", json={"filter": {"model": "gpt-4o-mini"}, "limit": 10}, headers=editor
    )
    assert by_filter.get_json()["added"] == 2 and by_filter.get_json()["version"]["item_count"] == 3


def test_console_create_add_from_traces_list_and_span_page(db_url, tmp_path):
    app = make_app(db_url)
    keys = _spans(db_url, tmp_path)
    editor = signed_in_client(app, db_url, "ed@example.com", "editor")
    token = csrf_token(editor, "/datasets")
    assert editor.post("/datasets", data={"csrf_token": token, "name": "qa"}).status_code == 302

    listing = editor.get("/calls").get_data(as_text=True)
    assert 'form="add-to-dataset"' in listing and '<option value="qa">qa</option>' in listing
    form = {
        "csrf_token": token,
        "dataset": "qa",
        "span": [f"{t}:{s}" for t, s in keys[:2]],
        "next": "/traces?model=x",
    }
    posted = editor.post("/datasets/spans", data=form)
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/traces?model=x")
    evil = editor.post("/datasets/spans", data=form | {"next": "//evil.example/"})
    assert evil.headers["Location"].endswith("/traces")  # never off-site; the spans were already there

    page = editor.get("/datasets/qa").get_data(as_text=True)
    assert "Question 0" in page and f'href="/traces/span/{keys[0][1]}"' in page
    span_page = editor.get(f"/traces/span/{keys[0][1]}").get_data(as_text=True)
    assert "In datasets" in span_page and re.search(r'href="/datasets/qa">qa</a> \(item \d+\)', span_page)

    pid = ensure_project(db_url, "alpha")
    held = datasets.resolve(get_engine(db_url), pid, "qa")
    assert [(i.source_trace_id, i.source_span_id) for i in held] == keys[:2]
    remove = editor.post(f"/datasets/qa/items/{held[0].id}/remove", data={"csrf_token": token})
    assert remove.status_code == 302
    assert "Question 0" not in editor.get("/datasets/qa").get_data(as_text=True)
    assert "Question 0" in editor.get("/datasets/qa?version=2").get_data(as_text=True)


def test_viewer_sees_pages_but_no_write_controls(db_url):
    app = make_app(db_url)
    datasets.create(get_engine(db_url), ensure_project(db_url, "alpha"), "qa", "for <b>tests</b>")
    viewer = signed_in_client(app, db_url, "vi@example.com", "viewer")
    page = viewer.get("/datasets").get_data(as_text=True)
    assert "for &lt;b&gt;tests&lt;/b&gt;" in page and "New dataset" not in page
    assert "Add an item" not in viewer.get("/datasets/qa").get_data(as_text=True)
    token = csrf_token(viewer, "/datasets")
    assert viewer.post("/datasets", data={"csrf_token": token, "name": "x"}).status_code == 403
