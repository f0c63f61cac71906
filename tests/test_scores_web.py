"""Score API, span page Scores tab and the traces list's score columns, through the Flask app."""

from __future__ import annotations

import pytest

from otel_llm import scores
from otel_llm.prompts import catalog
from otel_llm.storage.db import get_engine
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client


@pytest.fixture
def app(db_url):
    return make_app(db_url)


@pytest.fixture
def stored_span(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        return emit(tracer, name="answer the customer", **llm_attributes())


def test_configs_and_scores_through_the_api(app, db_url, stored_span):
    trace_id, span_id = stored_span
    client = app.test_client()
    editor, viewer = (
        bearer(api_key(db_url, "default", "editor")),
        bearer(api_key(db_url, "default", "viewer")),
    )
    config = {"data_type": "numeric", "min_value": 1, "max_value": 5, "description": "how helpful"}
    assert client.put("/api/v1/score-configs/helpfulness", json=config, headers=viewer).status_code == 403
    made = client.put("/api/v1/score-configs/helpfulness", json=config, headers=editor)
    assert (made.status_code, made.json["scale"]) == (200, "1 to 5")

    out_of_scale = client.post(
        "/api/v1/scores", json={"name": "helpfulness", "value": 7, "span_id": span_id}, headers=editor
    )
    assert out_of_scale.status_code == 422
    assert "outside the scale of score 'helpfulness': 1 to 5" in out_of_scale.json["error"]["message"]
    unknown = client.post(
        "/api/v1/scores", json={"name": "tone", "value": "x", "span_id": span_id}, headers=editor
    )
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "not_found")

    body = {"name": "helpfulness", "value": 4, "span_id": span_id, "comment": "clear"}
    added = client.post("/api/v1/scores", json=body, headers=editor)
    assert added.status_code == 201
    score = added.json["score"]
    assert (score["trace_id"], score["display"], score["source"], score["author"][:4]) == (
        trace_id,
        "4",
        "api",
        "key:",
    )
    listed = client.get(f"/api/v1/scores?span_id={span_id}", headers=viewer).json
    assert [s["id"] for s in listed["items"]] == [score["id"]]
    assert client.get(f"/api/v1/scores/{score['id']}", headers=viewer).json["comment"] == "clear"
    assert client.delete(f"/api/v1/scores/{score['id']}", headers=viewer).status_code == 403
    assert client.delete(f"/api/v1/scores/{score['id']}", headers=editor).status_code == 204
    assert client.get(f"/api/v1/scores/{score['id']}", headers=viewer).status_code == 404


def test_a_score_on_a_span_of_another_project_is_404(app, db_url, tmp_path):
    with span_pipeline(db_url, tmp_path, project="other") as (tracer, _):
        _, span_id = emit(tracer, **llm_attributes())
    engine = get_engine(db_url)
    scores.define_config(engine, catalog.project_id(engine, "default", create=True), "exact", "boolean")
    editor = bearer(api_key(db_url, "default", "editor"))
    answer = app.test_client().post(
        "/api/v1/scores", json={"name": "exact", "value": True, "span_id": span_id}, headers=editor
    )
    assert (answer.status_code, answer.json["error"]["code"]) == (404, "not_found")


def test_scores_list_pages_with_a_cursor(app, db_url):
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    scores.define_config(engine, pid, "exact", "boolean")
    scores.add_scores(
        engine, pid, [scores.ScoreInput("exact", i % 2, trace_id=f"{i + 1:032x}") for i in range(5)]
    )
    client, viewer = app.test_client(), bearer(api_key(db_url, "default", "viewer"))
    seen, url = [], "/api/v1/scores?limit=2"
    while url:
        page = client.get(url, headers=viewer).json
        seen += [s["trace_id"] for s in page["items"]]
        url = f"/api/v1/scores?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert seen == [f"{i + 1:032x}" for i in reversed(range(5))]


def test_span_page_scores_tab_takes_a_score_and_the_list_shows_and_filters_it(app, db_url, stored_span):
    _, span_id = stored_span
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default")
    scores.define_config(engine, pid, "helpfulness", "numeric", min_value=1, max_value=5)
    editor = signed_in_client(app, db_url, "ed@example.com", "editor", project="default")
    page = editor.get(f"/traces/span/{span_id}").get_data(as_text=True)
    assert 'id="score-form"' in page
    token = csrf_token(editor, f"/traces/span/{span_id}")
    form = {"name": "helpfulness", "value": "9", "csrf_token": token}
    refused = editor.post(f"/scores/span/{span_id}", data=form, follow_redirects=True).get_data(as_text=True)
    assert "outside the scale" in refused
    form["value"], form["comment"] = "5", "spot on"
    shown = editor.post(f"/scores/span/{span_id}", data=form, follow_redirects=True).get_data(as_text=True)
    assert "spot on" in shown and "ed@example.com" in shown

    listing = editor.get("/calls?score=helpfulness>=4").get_data(as_text=True)
    assert "answer the customer" in listing and '<td class="num score">5</td>' in listing
    assert "answer the customer" not in editor.get("/calls?score=helpfulness<3").get_data(as_text=True)
    bad = editor.get("/calls?score=helpfulness>=good")
    assert bad.status_code == 400
    api = editor.get("/api/v1/spans?score=helpfulness").json["items"]
    assert api[0]["scores"] == {"helpfulness": "5"}

    viewer = signed_in_client(app, db_url, "viewer@example.com", "viewer", project="default")
    assert 'id="score-form"' not in viewer.get(f"/traces/span/{span_id}").get_data(as_text=True)
