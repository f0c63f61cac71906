"""``/api/v1/eval-runs`` and the run's console page: intervals, the verdict in words, items by difference."""

from __future__ import annotations

from otel_llm import pipeline
from otel_llm.evaluation import runs
from otel_llm.storage.db import get_engine
from tests.evaluation_data import make_dataset
from tests.web_helpers import api_key, bearer, make_app, signed_in_client


def _run(db_url, mock_llm) -> int:
    rows = [
        (f"How do I reset my password? Case {i} <b>bold</b>", "Open the sign-in page.") for i in range(10)
    ]
    make_dataset(get_engine(db_url), "alpha", "faq", rows)
    spec = runs.RunSpec(
        "faq",
        ("a:model=gpt-4o-mini,system_prompt=Be brief.", "b:model=gpt-4o-mini"),
        ("similarity", "exact"),
        base_url=mock_llm.url,
    )
    try:
        return runs.run_evaluation(get_engine(db_url), "alpha", spec).run_id
    finally:
        pipeline.uninstrument()


def test_api_gives_results_items_and_isolates_projects(db_url, mock_llm):
    run_id = _run(db_url, mock_llm)
    app = make_app(db_url)
    client = app.test_client()
    headers = bearer(api_key(db_url, "alpha", "viewer"))
    listed = client.get("/api/v1/eval-runs", headers=headers).get_json()
    assert [r["id"] for r in listed["items"]] == [run_id]
    found = client.get(f"/api/v1/eval-runs/{run_id}", headers=headers).get_json()
    cells = {(c["variant"], c["evaluator"]): c for c in found["cells"]}
    assert cells[("b", "similarity")]["n"] == 10 and cells[("b", "similarity")]["ci_low"] is not None
    histogram = found["distributions"]["similarity"]
    assert len(histogram["edges"]) == 11 and sum(histogram["counts"]["b"]) == 10
    [similarity, exact] = found["comparisons"]
    assert similarity["comparison"]["test"] == "paired t-test" and similarity["significant"] is True
    assert exact["comparison"]["p_value"] is None  # nobody matched exactly: no test, never significant
    items = client.get(f"/api/v1/eval-runs/{run_id}/items?evaluator=similarity", headers=headers).get_json()
    differences = [i["difference"] for i in items["items"]]
    assert differences == sorted(differences) and len(differences) == 10
    first = items["items"][0]
    assert (
        first["expected"] == "Open the sign-in page." and "Case" in first["input"]["messages"][0]["content"]
    )
    other = bearer(api_key(db_url, "bravo", "admin"))
    assert client.get(f"/api/v1/eval-runs/{run_id}", headers=other).status_code == 404
    assert client.get("/api/v1/eval-runs/999", headers=headers).get_json()["error"]["code"] == "not_found"


def test_console_page_shows_the_verdict_and_escapes_outputs(db_url, mock_llm):
    run_id = _run(db_url, mock_llm)
    client = signed_in_client(make_app(db_url), db_url, "ana@example.com", "viewer")
    html = client.get(f"/eval-runs/{run_id}?sort_by=exact").get_data(as_text=True)
    verdicts = html[html.index('id="verdicts"') :]
    assert "b scores" in verdicts and "a is better, and this is unlikely to be chance" in verdicts, verdicts[
        :1500
    ]
    assert 'id="items"' in html and '<option value="exact" selected>' in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html  # the items' input, escaped
    assert "expected: Open the sign-in page." in html
    assert f"#{run_id}" in client.get("/eval-runs").get_data(as_text=True)


def _wait_finished(client, headers, run_id: int) -> dict:
    import time

    deadline = time.monotonic() + 120
    while True:
        found = client.get(f"/api/v1/eval-runs/{run_id}", headers=headers).get_json()
        if found["run"]["status"] != "running":
            return found
        assert time.monotonic() < deadline, "the run did not finish within 120 s"
        time.sleep(0.2)


def test_api_starts_a_run_in_the_background_whose_calls_are_the_projects_own(db_url, mock_llm):
    from sqlalchemy import func, select

    from otel_llm.storage.schema import spans

    engine = get_engine(db_url)
    alpha = make_dataset(engine, "alpha", "faq", [("Where is my parcel?", "On its way.")] * 3)
    bravo = make_dataset(engine, "bravo", "faq", [("Other project?", "Yes.")])
    app = make_app(db_url, EXPERIMENTS_BASE_URL=mock_llm.url)
    client = app.test_client()
    editor = bearer(api_key(db_url, "alpha", "editor"))
    body = {
        "dataset": "faq",
        "variants": ["a:model=gpt-4o-mini"],
        "evaluators": ["similarity", "judge:helpfulness"],
    }
    try:
        started = client.post("/api/v1/eval-runs", json=body, headers=editor)
        assert started.status_code == 202, started.get_data(as_text=True)
        assert started.get_json()["status"] == "running" and started.get_json()["total"] == 3
        found = _wait_finished(client, editor, started.get_json()["run_id"])
    finally:
        pipeline.uninstrument()
    assert found["run"]["status"] == "completed"
    cells = {c["evaluator"]: c for c in found["cells"]}
    assert cells["similarity"]["n"] == 3 and cells["judge:helpfulness"]["n"] == 3
    with engine.connect() as conn:
        per_project = dict(
            conn.execute(select(spans.c.project_id, func.count()).group_by(spans.c.project_id)).all()
        )
    assert (
        per_project.get(alpha, 0) >= 6 and bravo not in per_project
    )  # 3 answers + 3 judge calls, alpha only
    viewer = bearer(api_key(db_url, "alpha", "viewer"))
    assert client.post("/api/v1/eval-runs", json=body, headers=viewer).status_code == 403
    assert client.post("/api/v1/eval-runs", json={"dataset": "faq"}, headers=editor).status_code == 400
    unknown = client.post("/api/v1/eval-runs", json={**body, "evaluators": ["nonsense"]}, headers=editor)
    assert unknown.status_code == 422 and "nonsense" in unknown.get_json()["error"]["message"]
    missing = client.post("/api/v1/eval-runs", json={**body, "dataset": "nope"}, headers=editor)
    assert missing.status_code == 422 and "nope" in missing.get_json()["error"]["message"]


def test_api_adds_lists_and_removes_online_rules_in_its_project_only(db_url):
    make_dataset(get_engine(db_url), "bravo", "x", [("q", "a")])  # makes the other project
    client = make_app(db_url).test_client()
    editor, other = bearer(api_key(db_url, "alpha", "editor")), bearer(api_key(db_url, "bravo", "admin"))
    added = client.post("/api/v1/eval-rules", json={"name": "orders", "evaluator": "json", "sample_percent": 25},
                        headers=editor)  # fmt: skip
    assert added.status_code == 201, added.get_data(as_text=True)
    rule = added.get_json()
    assert (rule["name"], rule["evaluator"], rule["sample_percent"]) == ("orders", "json", 25.0)
    assert [r["name"] for r in client.get("/api/v1/eval-rules", headers=editor).get_json()["items"]] == [
        "orders"
    ]
    assert client.get("/api/v1/eval-rules", headers=other).get_json()["items"] == []
    refused = client.post("/api/v1/eval-rules", json={"name": "s", "evaluator": "similarity"}, headers=editor)
    assert refused.status_code == 422 and "expected output" in refused.get_json()["error"]["message"]
    unknown = client.post("/api/v1/eval-rules", json={"name": "u", "evaluator": "nonsense"}, headers=editor)
    assert (
        unknown.status_code == 422
        and "unknown evaluator 'nonsense'" in unknown.get_json()["error"]["message"]
    )
    viewer = bearer(api_key(db_url, "alpha", "viewer"))
    assert (
        client.post("/api/v1/eval-rules", json={"name": "v", "evaluator": "json"}, headers=viewer).status_code
        == 403
    )
    assert client.delete(f"/api/v1/eval-rules/{rule['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/eval-rules/{rule['id']}", headers=editor).status_code == 204
    assert client.get("/api/v1/eval-rules", headers=editor).get_json()["items"] == []


def test_console_starts_a_run_and_adds_and_removes_a_rule(db_url, mock_llm):
    from tests.web_helpers import csrf_token

    make_dataset(get_engine(db_url), "alpha", "faq", [("Where is my parcel?", "On its way.")] * 2)
    client = signed_in_client(
        make_app(db_url, EXPERIMENTS_BASE_URL=mock_llm.url), db_url, "ed@example.com", "editor"
    )
    token = csrf_token(client, "/eval-runs")
    form = {
        "csrf_token": token,
        "dataset": "faq",
        "variants": "a:model=gpt-4o-mini\n",
        "evaluators": "similarity",
    }
    try:
        started = client.post("/eval-runs", data=form)
        assert started.status_code == 302, started.get_data(as_text=True)
        run_id = int(started.headers["Location"].rsplit("/", 1)[1])
        assert _wait_finished(client, {}, run_id)["run"]["status"] == "completed"
    finally:
        pipeline.uninstrument()
    refused = client.post("/eval-runs", data={**form, "variants": "no-such-form"})
    assert refused.status_code == 422 and "no-such-form" in refused.get_data(as_text=True)
    added = client.post("/eval-runs/rules", data={"csrf_token": token, "name": "orders", "evaluator": "json",
                                                  "sample_percent": "25"}, follow_redirects=True)  # fmt: skip
    page = added.get_data(as_text=True)
    assert "Added rule orders." in page and "25 %" in page[page.index('id="eval-rules"') :]
    [rule] = client.get("/api/v1/eval-rules").get_json()["items"]
    removed = client.post(
        f"/eval-runs/rules/{rule['id']}/remove", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Rule removed" in removed.get_data(as_text=True) and 'id="eval-rules"' not in removed.get_data(
        as_text=True
    )
