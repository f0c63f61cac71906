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
