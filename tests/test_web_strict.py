"""The API refuses what it does not understand: unknown fields, wrong types and out-of-range values are
a 400 naming the field, ids past the databases' range a 404, and nothing is stored for a refusal."""

from __future__ import annotations

import pytest
from otel_llm_server.web.openapi import build_document

from otel_llm.experiments.model import CONFIG_KEYS
from otel_llm.feedback import list_feedback
from otel_llm.storage.db import get_engine
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, ensure_project, make_app

VARIANTS = [
    {"name": "a", "weight": 50, "is_control": True, "config": {"provider": "openai", "model": "gpt-4o-mini"}},
    {"name": "b", "weight": 50, "config": {"provider": "openai", "model": "gpt-4o", "temperature": 0.5}},
]


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


@pytest.fixture
def editor(app, sqlite_url):
    return app.test_client(), bearer(api_key(sqlite_url, "alpha", "editor"))


def _error(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == {400: "bad_request", 404: "not_found"}[status]
    return error["message"]


def test_unknown_fields_are_refused_by_name_and_nothing_is_created(editor):
    client, headers = editor
    create = client.post(
        "/api/v1/prompts/greet/versions", json={"template": "Hi", "summary": "old name"}, headers=headers
    )
    assert "unknown field 'summary'" in _error(create, 400) and "change_summary" in _error(create, 400)
    assert client.get("/api/v1/prompts", headers=headers).get_json()["items"] == []
    nested = client.post(
        "/api/v1/experiments",
        json={"name": "e", "variants": [VARIANTS[0], {**VARIANTS[1], "config": {"colour": "red"}}]},
        headers=headers,
    )
    assert "unknown field 'variants[1].config.colour'" in _error(nested, 400)
    no_body_route = client.post(
        "/api/v1/prompts/greet/versions/1/publish", json={"force": True}, headers=headers
    )
    assert "unknown field 'force'" in _error(no_body_route, 400)
    assert "unknown query argument 'colour'" in _error(
        client.get("/api/v1/replays?colour=red", headers=headers), 400
    )
    assert client.get("/api/v1/experiments", headers=headers).get_json()["items"] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/prompts/greet/versions", {"template": ["Hi"]}, "'template' must be a string"),
        (
            "/api/v1/prompts/greet/versions",
            {"template": "Hi", "tags": ["a", 2]},
            "'tags[1]' must be a string",
        ),
        ("/api/v1/experiments", {"name": ["e"], "variants": VARIANTS}, "'name' must be a string"),
        (
            "/api/v1/experiments",
            {"name": "e", "variants": [VARIANTS[0], {**VARIANTS[1], "weight": "50"}]},
            "'variants[1].weight' must be a number",
        ),
        ("/api/v1/experiments/e/runs", {"repeat": 1.5}, "'repeat' must be a whole number"),
        ("/api/v1/experiments/e/runs", {"concurrency": 0}, "'concurrency' must be at least 1"),
        ("/api/v1/replay-runs", {"selection": {"limit": -1}}, "'selection.limit' must be at least 1"),
        ("/api/v1/replay-runs", {"selection": {"model": ["a", "b"]}}, "'selection.model' must be a string"),
        ("/api/v1/feedback", {"span_id": "b" * 16, "score": "high"}, "'score' must be a number"),
        ("/api/v1/feedback", {"span_id": "b" * 16}, "'score' is required"),
        ("/api/v1/feedback", {"trace_id": "a" * 32, "score": 1, "comment": "a\x00b"}, "NUL"),
    ],
)
def test_wrong_types_and_ranges_are_400s_naming_the_field(editor, path, body, field):
    client, headers = editor
    assert field in _error(client.post(path, json=body, headers=headers), 400)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/replays?limit=-1", "'limit' must be at least 1"),
        ("/api/v1/replay-runs?limit=0", "'limit' must be at least 1"),
        ("/api/v1/feedback?limit=1001", "'limit' must be at most 1000"),
        ("/api/v1/spans?limit=abc", "'limit' must be a whole number"),
        ("/api/v1/spans?sort=price", "'sort' must be one of"),
        ("/api/v1/replays?run_id=99999999999999999999", "'run_id' must be at most"),
        ("/api/v1/replays?limit=5&limit=6", "give the query argument 'limit' once"),
    ],
)
def test_query_arguments_follow_the_document(editor, query, field):
    client, headers = editor
    assert field in _error(client.get(query, headers=headers), 400)


def test_empty_query_values_mean_not_given(editor):
    client, headers = editor  # what the SDK's prompt client and the console's GET forms send
    assert client.get("/api/v1/replays?limit=&span_id=", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/replays/99999999999999999999",
        "/api/v1/replay-runs/99999999999999999999",
        "/api/v1/replays/-1",
    ],
)
def test_ids_past_the_databases_range_are_not_found(editor, path):
    client, headers = editor
    _error(client.get(path, headers=headers), 404)


def test_bodies_that_are_not_json_objects_are_refused(editor):
    client, headers = editor
    for data in ("[1]", '{"template": NaN}', '{"template": "x"', '{"t": ' * 5_000, '"\\ud800"'):
        response = client.post(
            "/api/v1/prompts/greet/versions",
            data=data,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, data


def test_null_is_accepted_where_the_document_says_nullable(editor):
    client, headers = editor  # the SDK's record_feedback posts unset ids and comments as null
    body = {"trace_id": "a" * 32, "span_id": None, "score": 1, "comment": None}
    assert client.post("/api/v1/feedback", json=body, headers=headers).status_code == 201
    assert "'score' must be a number" in _error(
        client.post("/api/v1/feedback", json={**body, "score": None}, headers=headers), 400
    )


def test_the_document_closes_every_request_object_and_types_variant_settings(app):
    document = build_document(app)
    open_objects = []

    def walk(schema, where):
        if schema.get("properties") is not None and schema.get("additionalProperties") is not False:
            open_objects.append(where)
        for name, sub in (schema.get("properties") or {}).items():
            walk(sub, f"{where}.{name}")
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]")

    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            walk(body.get("schema", {}), f"{method.upper()} {path}")
    assert open_objects == []
    config = document["paths"]["/api/v1/experiments"]["post"]["requestBody"]["content"]["application/json"]
    config = config["schema"]["properties"]["variants"]["items"]["properties"]["config"]["properties"]
    assert set(config) == set(CONFIG_KEYS)
    assert (config["temperature"]["type"], config["max_tokens"]["type"]) == ("number", "integer")


def test_feedback_on_another_projects_span_or_trace_is_not_found_and_not_stored(db_url, tmp_path):
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        trace_id, span_id = emit(tracer, **llm_attributes())
    beta_id = ensure_project(db_url, "beta")
    client = make_app(db_url).test_client()
    beta = bearer(api_key(db_url, "beta", "editor"))
    for body in ({"span_id": span_id}, {"trace_id": trace_id}, {"trace_id": "c" * 32, "span_id": span_id}):
        response = client.post("/api/v1/feedback", json={**body, "score": 1}, headers=beta)
        assert "in this project" in _error(response, 404)
    assert list_feedback(get_engine(db_url), beta_id) == []
    alpha = bearer(api_key(db_url, "alpha", "editor"))
    own = client.post("/api/v1/feedback", json={"span_id": span_id, "score": 1}, headers=alpha)
    assert own.status_code == 201 and own.get_json()["feedback"]["trace_id"] == trace_id
    not_yet_stored = client.post("/api/v1/feedback", json={"span_id": "d" * 16, "score": 1}, headers=beta)
    assert not_yet_stored.status_code == 201  # spans are exported in batches: a span of no project is fine


def test_ids_past_an_integer_column_are_not_found_on_both_databases(db_url):
    """Postgres refuses to compare an INTEGER column with 2**31 (a 500 before); BIGINT ids go further."""
    client = make_app(db_url).test_client()
    admin = bearer(api_key(db_url, "alpha", "admin"))
    client.post("/api/v1/prompts/greet/versions", json={"template": "Hi"}, headers=admin)
    big = 2**31
    for method, path in [
        ("GET", f"/api/v1/prompts/greet/versions/{big}"),
        ("POST", f"/api/v1/prompts/greet/versions/{big}/publish"),
        ("DELETE", f"/api/v1/keys/{big}"),
        ("DELETE", f"/api/v1/members/{big}"),
        ("GET", f"/api/v1/replays/{2**63}"),
    ]:
        _error(client.open(path, method=method, headers=admin), 404)
    assert client.get(f"/api/v1/replays/{big}", headers=admin).status_code == 404  # a BIGINT id: looked up
    assert "'a' must be at most" in _error(
        client.get(f"/api/v1/prompts/greet/diff?a={big}&b=1", headers=admin), 400
    )
    assert "'to' must be at most" in _error(
        client.post("/api/v1/prompts/greet/rollback", json={"to": big}, headers=admin), 400
    )
