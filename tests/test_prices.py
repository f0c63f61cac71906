"""Per-project prices: set and list them, price new spans with them, reprice stored spans (keeping the
experiment rollups exact), list the models seen without a price — through the service, CLI and API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import select

from otel_llm import attributes as attrs
from otel_llm.experiments import aggregate
from otel_llm.pricing import custom
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from tests.span_factory import T0, emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, ensure_project, make_app, signed_in_client

START = datetime.fromtimestamp(T0 / 1e9, UTC)


def _store(db_url, tmp_path, calls):
    """Store LLM spans: (name, model, input, output, experiment variant or None), a minute apart."""
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        for i, (name, model, tokens_in, tokens_out, variant) in enumerate(calls):
            extra = {attrs.EXPERIMENT: "ab", attrs.EXPERIMENT_VARIANT: variant} if variant else {}
            emit(
                tracer,
                name=name,
                start_ns=T0 + i * 60 * 10**9,
                **llm_attributes(model=model, input_tokens=tokens_in, output_tokens=tokens_out),
                **extra,
            )


def _costs(db_url) -> dict[str, float | None]:
    with get_engine(db_url).connect() as connection:
        return dict(connection.execute(select(spans.c.name, spans.c.cost_usd)).all())


def test_a_project_price_costs_new_spans_and_leaves_other_projects_alone(db_url, tmp_path):
    engine = get_engine(db_url)
    project_id = ensure_project(db_url, "default")
    other = ensure_project(db_url, "other")
    custom.set_price(engine, project_id, "house-*", actor="t", input=2, output=4, effective_from=START)
    _store(
        db_url, tmp_path, [("house", "house-llm-7b", 1000, 500, None), ("book", "gpt-4o-mini", 1000, 0, None)]
    )
    costs = _costs(db_url)
    assert costs["house"] == pytest.approx((1000 * 2 + 500 * 4) / 1e6)
    assert costs["book"] == pytest.approx(1000 * 0.15 / 1e6)  # the book still prices the rest
    assert custom.table_for(engine, other).price("house-llm-7b") is None


def test_invalid_prices_are_refused_with_a_sentence(db_url):
    engine = get_engine(db_url)
    project_id = ensure_project(db_url, "default")
    for kwargs, words in [
        ({"input": 1}, "needs an output rate"),
        ({"input": -1, "output": 1}, "between 0 and"),
        ({"input": "cheap", "output": 1}, "must be a number"),
        ({"input": 1, "output": 1, "bogus": 2}, "unknown rate 'bogus'"),
    ]:
        with pytest.raises(custom.PricingError, match=words):
            custom.set_price(engine, project_id, "m", actor="t", **kwargs)
    assert custom.list_prices(engine, project_id) == []


def test_reprice_follows_effective_dates_and_keeps_experiment_results_exact(db_url, tmp_path):
    engine = get_engine(db_url)
    project_id = ensure_project(db_url, "default")
    calls = [(f"c{i}", "house-llm", 1000, 1000, "a" if i % 2 else "b") for i in range(6)]
    _store(db_url, tmp_path, calls)
    assert set(_costs(db_url).values()) == {None}
    # 2 USD in / 2 USD out from the start; 20/20 from the 4th call on (minute 3).
    custom.set_price(engine, project_id, "house-llm", actor="t", input=2, output=2, effective_from=START)
    later = START + timedelta(minutes=3)
    custom.set_price(engine, project_id, "house-llm", actor="t", input=20, output=20, effective_from=later)
    result = custom_reprice(engine, project_id, batch=4)
    assert (result.scanned, result.changed) == (6, 6)
    costs = _costs(db_url)
    assert [costs[f"c{i}"] for i in range(6)] == [pytest.approx(x) for x in [0.004] * 3 + [0.04] * 3]
    with engine.connect() as connection:
        rolled = aggregate.summarise(connection, project_id, "ab")
        exact = aggregate.exact(connection, project_id, "ab")
    for variant in ("a", "b"):
        assert rolled[variant].cost.n == exact[variant].cost.n == 3
        assert rolled[variant].cost.total == pytest.approx(exact[variant].cost.total)
        assert rolled[variant].cost.sum_squares == pytest.approx(exact[variant].cost.sum_squares)
    again = custom_reprice(engine, project_id)
    assert (again.scanned, again.changed) == (6, 0)  # nothing left to change


def custom_reprice(engine, project_id, batch=1000):
    from otel_llm.pricing.reprice import reprice

    return reprice(engine, project_id, START - timedelta(days=1), batch=batch)


def _cli(db_url, *args):
    return CliRunner().invoke(main, ["--database-url", db_url, *args], catch_exceptions=False)


def test_cli_lists_missing_prices_sets_one_and_reprices(db_url, tmp_path):
    ensure_project(db_url, "default")
    _store(db_url, tmp_path, [("a", "o3-mini-house", 100, 10, None), ("b", "o3-mini-house", 100, 10, None)])
    listed = _cli(db_url, "prices", "missing")
    assert (
        listed.exit_code == 0
        and "no price for o3-mini-house" in listed.output
        and " 2 calls" in listed.output
    )
    traces = _cli(db_url, "traces", "list")
    assert "no price" in traces.output
    when = START.strftime("%Y-%m-%d")
    made = _cli(
        db_url, "prices", "set", "o3-mini-house", "--input", "1", "--output", "10", "--from", when, "--json"
    )
    assert made.exit_code == 0 and json.loads(made.output)["model"] == "o3-mini-house"
    repriced = _cli(db_url, "prices", "reprice", "--since", when, "--json")
    assert json.loads(repriced.output)["changed"] == 2
    assert _cli(db_url, "prices", "missing").output.startswith("Every stored LLM call")
    shown = _cli(db_url, "prices", "show", "o3-mini-house", "--json")
    assert json.loads(shown.output)["source"] == "project"
    bad = _cli(db_url, "prices", "set", "x", "--input", "1")
    assert bad.exit_code != 0 and "needs an output rate" in bad.output
    unknown = _cli(db_url, "prices", "show", "never-heard-of-it")
    assert unknown.exit_code == 1 and "no price for never-heard-of-it" in unknown.output


def test_api_prices_need_admin_to_change_and_stay_in_their_project(db_url):
    app = make_app(db_url)
    client = app.test_client()
    admin, viewer, other = (
        api_key(db_url, p, r) for p, r in [("alpha", "admin"), ("alpha", "viewer"), ("beta", "admin")]
    )
    body = {"model": "house-llm", "input": 1.5, "output": 3}
    assert client.post("/api/v1/prices", json=body, headers=bearer(viewer)).status_code == 403
    made = client.post("/api/v1/prices", json=body, headers=bearer(admin))
    assert made.status_code == 200, made.get_json()
    price_id = made.get_json()["id"]
    bad = client.post("/api/v1/prices", json={**body, "input": -1}, headers=bearer(admin))
    assert bad.status_code == 400 and "'input' must be at least 0" in bad.get_json()["error"]["message"]
    assert client.get("/api/v1/prices", headers=bearer(other)).get_json()["items"] == []
    assert client.delete(f"/api/v1/prices/{price_id}", headers=bearer(other)).status_code == 404
    looked = client.get("/api/v1/prices/lookup?model=house-llm", headers=bearer(viewer)).get_json()
    assert (looked["source"], looked["input"]) == ("project", 1.5)
    assert client.get("/api/v1/prices/lookup?model=zzz-none", headers=bearer(viewer)).status_code == 404
    assert client.delete(f"/api/v1/prices/{price_id}", headers=bearer(admin)).status_code == 200
    assert client.get("/api/v1/prices", headers=bearer(admin)).get_json()["items"] == []


def test_settings_page_keeps_a_failed_form_and_lists_missing_models(db_url, tmp_path):
    app = make_app(db_url)
    client = signed_in_client(app, db_url, "admin@example.com", "admin", project="default")
    _store(db_url, tmp_path, [("a", "house-llm", 100, 10, None)])
    page = client.get("/settings/prices").get_data(as_text=True)
    assert "no price for house-llm" in page
    from tests.web_helpers import csrf_token

    token = csrf_token(client, "/settings/prices")
    failed = client.post("/settings/prices", data={"model": "house-llm", "input": "1", "csrf_token": token})
    html = failed.get_data(as_text=True)
    assert failed.status_code == 422 and "needs an output rate" in html and 'value="house-llm"' in html
    done = client.post(
        "/settings/prices", data={"model": "house-llm", "input": "1", "output": "2", "csrf_token": token}
    )
    assert done.status_code == 302
    assert "house-llm" in client.get("/settings/prices").get_data(as_text=True)
