"""Experiments JSON API and pages: the service behind HTTP, role checks, one error shape, SDK over the API."""

import threading
import time

import pytest
from werkzeug.serving import make_server

import otel_llm
from otel_llm import pipeline
from otel_llm.experiments import client as sdk_client
from tests.web_helpers import api_key, bearer, csrf_token, make_app, signed_in_client

BODY = {
    "name": "bakeoff",
    "hypothesis": "haiku is faster",
    "primary_metric": "latency_ms",
    "variants": [
        {
            "name": "a",
            "weight": 50,
            "is_control": True,
            "config": {"provider": "openai", "model": "gpt-4o-mini"},
        },
        {"name": "b", "weight": 50, "config": {"provider": "anthropic", "model": "claude-3-5-haiku-latest"}},
    ],
    "test_cases": [
        {"messages": [{"role": "user", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "Bye"}]},
    ],
}


@pytest.fixture(autouse=True)
def _clean():
    sdk_client.clear_cache()
    yield
    pipeline.uninstrument()
    pipeline.shutdown()
    sdk_client.clear_cache()


def test_api_create_run_and_results(db_url, mock_llm):
    app = make_app(db_url, EXPERIMENTS_BASE_URL=mock_llm.url)
    editor = bearer(api_key(db_url, "alpha", "editor"))
    http = app.test_client()
    created = http.post("/api/v1/experiments", json=BODY, headers=editor)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["experiment"]["author"].startswith("key:")
    assert http.get("/api/v1/experiments", headers=editor).get_json()["items"][0]["name"] == "bakeoff"
    started = http.post("/api/v1/experiments/bakeoff/runs", json={"repeat": 3}, headers=editor)
    assert started.status_code == 202, started.get_json()
    run_id = started.get_json()["run_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [run] = http.get("/api/v1/experiments/bakeoff/runs", headers=editor).get_json()["items"]
        if run["status"] != "running":
            break
        time.sleep(0.2)
    assert (run["id"], run["status"], run["items"]) == (run_id, "completed", 12)
    results = http.get("/api/v1/experiments/bakeoff/results", headers=editor).get_json()
    assert [(v["name"], v["calls"]) for v in results["variants"]] == [("a", 6), ("b", 6)]
    assert any(c["metric"] == "latency_ms" and c["test"] == "Welch's t-test" for c in results["comparisons"])
    promoted = http.post("/api/v1/experiments/bakeoff/promote", json={"variant": "b"}, headers=editor)
    assert promoted.get_json()["experiment"]["winner"] == "b"


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        ({"variants": BODY["variants"][:1]}, 422, "invalid", "at least 2 variants"),
        (
            {"variants": [{**BODY["variants"][0], "weight": 70}, BODY["variants"][1]]},
            422,
            "invalid",
            "add up to 100",
        ),
        ({"test_cases": [{"messages": []}]}, 422, "invalid", "at least one message"),
        ({"name": ""}, 422, "invalid", "'name'"),
    ],
)
def test_api_errors_have_the_shared_shape(sqlite_url, change, status, code, message):
    app = make_app(sqlite_url)
    response = app.test_client().post(
        "/api/v1/experiments", json={**BODY, **change}, headers=bearer(api_key(sqlite_url, "alpha", "editor"))
    )
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and message in error["message"]


def test_roles_conflicts_and_not_found(sqlite_url):
    app = make_app(sqlite_url)
    http = app.test_client()
    viewer = bearer(api_key(sqlite_url, "alpha", "viewer"))
    editor = bearer(api_key(sqlite_url, "alpha", "editor"))
    assert http.post("/api/v1/experiments", json=BODY, headers=viewer).status_code == 403
    assert http.post("/api/v1/experiments", json=BODY, headers=editor).status_code == 201
    again = http.post("/api/v1/experiments", json=BODY, headers=editor)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "conflict")
    stop = http.post("/api/v1/experiments/bakeoff/stop", headers=editor)
    assert stop.status_code == 409 and "is draft" in stop.get_json()["error"]["message"]
    missing = http.get("/api/v1/experiments/nope/results", headers=viewer)
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (404, "not_found")
    assert http.post("/api/v1/experiments/bakeoff/start", headers=viewer).status_code == 403


def test_sdk_reads_the_config_over_the_api(sqlite_url):
    app = make_app(sqlite_url)
    editor = bearer(api_key(sqlite_url, "alpha", "editor"))
    http = app.test_client()
    body = {
        **BODY,
        "variants": [{**BODY["variants"][0], "weight": 0}, {**BODY["variants"][1], "weight": 100}],
    }
    assert http.post("/api/v1/experiments", json=body, headers=editor).status_code == 201
    assert http.post("/api/v1/experiments/bakeoff/start", headers=editor).status_code == 200
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url, key = f"http://127.0.0.1:{server.server_port}", api_key(sqlite_url, "alpha", "viewer")
        with otel_llm.experiment("bakeoff", unit_id="u1", api_url=url, api_key=key) as variant:
            assert (variant.name, variant.tagged, variant.config["provider"]) == ("b", True, "anthropic")
        unknown = otel_llm.experiment("missing", unit_id="u1", api_url=url, api_key=key).assign()
        assert unknown.reason == "unknown"
        refused = otel_llm.experiment("bakeoff", unit_id="u1", api_url=url, api_key="wrong", cache_ttl=0)
        sdk_client.clear_cache()
        assert refused.assign().reason == "unreachable"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_pages_create_form_and_results(sqlite_url):
    app = make_app(sqlite_url)
    editor = signed_in_client(app, sqlite_url, "ed@example.com", "editor")
    token = csrf_token(editor, "/experiments")
    form = {
        "csrf_token": token,
        "name": "page-test",
        "primary_metric": "latency_ms",
        "control": "0",
        "v0_name": "a",
        "v0_provider": "openai",
        "v0_model": "gpt-4o-mini",
        "v0_weight": "60",
        "v1_name": "b",
        "v1_provider": "anthropic",
        "v1_model": "claude-3-5-haiku-latest",
        "v1_weight": "30",
        "test_cases": "Hello\nWhat is <b>OTel</b>?",
    }
    bad = editor.post("/experiments", data=form)
    assert bad.status_code == 422 and "add up to 100" in bad.get_data(as_text=True)
    assert 'value="gpt-4o-mini"' in bad.get_data(as_text=True)  # the form keeps what was typed
    created = editor.post("/experiments", data={**form, "v1_weight": "40"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/experiments/page-test")
    page = editor.get("/experiments/page-test").get_data(as_text=True)
    assert "What is &lt;b&gt;OTel&lt;/b&gt;?" in page and "<b>OTel</b>" not in page
    assert 'id="experiment-data"' in page and "Run test cases" in page
    assert 'href="/datasets/page-test-cases">page-test-cases</a>' in page  # the cases are a dataset
    viewer = signed_in_client(app, sqlite_url, "view@example.com", "viewer")
    seen = viewer.get("/experiments/page-test").get_data(as_text=True)
    assert "Run test cases" not in seen and "New experiment" not in viewer.get("/experiments").get_data(
        as_text=True
    )
    assert (
        viewer.post(
            "/experiments/page-test/start", data={"csrf_token": csrf_token(viewer, "/experiments")}
        ).status_code
        == 403
    )
