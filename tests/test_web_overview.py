"""Overview numbers (same on SQLite and Postgres) and the page that charts them."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest

from otel_llm.storage.db import get_engine
from otel_llm.traces import overview, rollup
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import api_key, bearer, ensure_project, make_app, signed_in_client

HOUR_NS = 3600 * 10**9
NEAR = rollup.RELATIVE_ERROR  # 24 h and longer: percentiles from the rollup's histograms


@pytest.fixture
def seeded(db_url, tmp_path):
    """gpt-4o-mini: five calls this hour (10/20/30/40/100 ms, one failed); claude: two calls 3 hours ago."""
    project_id = ensure_project(db_url, "alpha")
    if time.time_ns() % HOUR_NS < 10 * 10**9:
        time.sleep(10)  # keep the five recent calls inside the current hour bucket
    now = time.time_ns()
    with span_pipeline(db_url, tmp_path, project="alpha") as (tracer, _):
        for i, duration in enumerate([10.0, 20.0, 30.0, 40.0, 100.0]):
            emit(
                tracer,
                start_ns=now - (i + 1) * 10**9,
                duration_ms=duration,
                error=i == 4,
                **llm_attributes(input_tokens=100, output_tokens=10),
            )
        for duration in (200.0, 400.0):
            emit(
                tracer,
                name="chat claude",
                start_ns=now - 3 * HOUR_NS,
                duration_ms=duration,
                **llm_attributes(
                    model="claude-haiku-4-5", provider="anthropic", input_tokens=50, output_tokens=5
                ),
            )
    return project_id


def test_totals_percentiles_and_per_model(db_url, seeded):
    data = overview.overview(get_engine(db_url), seeded, "24h")
    totals = data["totals"]
    assert totals["calls"] == 7 and totals["errors"] == 1
    assert totals["error_rate"] == pytest.approx(1 / 7)
    assert totals["tokens"] == 5 * 110 + 2 * 55
    assert totals["p50_ms"] == pytest.approx(40.0, rel=NEAR)
    models = {m["model"]: m for m in data["models"]}
    mini = models["gpt-4o-mini"]
    assert (mini["calls"], mini["errors"]) == (5, 1)
    assert mini["p50_ms"] == pytest.approx(30.0, rel=NEAR)
    assert mini["p95_ms"] == pytest.approx(88.0, rel=NEAR)  # 40 + 0.8 * (100 - 40), as percentile_cont
    assert models["claude-haiku-4-5"]["p50_ms"] == pytest.approx(300.0, rel=NEAR)
    assert mini["cost_usd"] > 0


def test_time_series_is_zero_filled_by_hour(db_url, seeded):
    data = overview.overview(get_engine(db_url), seeded, "24h")
    series = data["series"]
    assert len(series) == 24 and data["bucket_seconds"] == 3600
    assert [p["calls"] for p in series[-1:]] == [5]
    assert series[-4]["calls"] == 2 and series[-4]["p95_ms"] == pytest.approx(390.0, rel=NEAR)
    assert sum(p["calls"] for p in series) == 7
    assert series[0]["calls"] == 0 and series[0]["p50_ms"] is None
    assert data["calls_by_model"]["claude-haiku-4-5"][-4] == 2
    stamps = [datetime.fromisoformat(p["t"]) for p in series]
    assert all((b - a).total_seconds() == 3600 for a, b in zip(stamps, stamps[1:], strict=False))
    assert stamps[-1] <= datetime.now(UTC)


def test_shorter_range_leaves_older_calls_out(db_url, seeded):
    data = overview.overview(get_engine(db_url), seeded, "1h")
    assert data["totals"]["calls"] == 5
    assert [m["model"] for m in data["models"]] == ["gpt-4o-mini"]
    with pytest.raises(ValueError, match="use one of"):
        overview.overview(get_engine(db_url), seeded, "2y")


def test_page_charts_from_a_json_block_and_a_vendored_library(db_url, seeded):
    app = make_app(db_url)
    client = signed_in_client(app, db_url, "ada@example.com", "viewer")
    page = client.get("/overview?range=24h").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="overview-data">(.*?)</script>', page, re.S)
    assert json.loads(block.group(1))["totals"]["calls"] == 7
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    inline = [body for attributes, body in scripts if body.strip() and "application/json" not in attributes]
    assert inline == []  # no inline script fed by data
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in page
    with client.get("/static/vendor/chartjs/chart.umd.min.js") as library:
        assert library.status_code == 200 and b"Chart" in library.data
    assert "gpt-4o-mini" in page and "14.3%" in page
    assert client.get("/overview?range=forever").status_code == 400


def test_overview_api(db_url, seeded):
    key = api_key(db_url, "alpha", "viewer")
    body = make_app(db_url).test_client().get("/api/v1/overview?range=7d", headers=bearer(key)).get_json()
    assert body["range"] == "7d" and body["totals"]["calls"] == 7 and len(body["series"]) == 28


def test_empty_overview_explains_what_will_appear(db_url):
    client = signed_in_client(make_app(db_url), db_url, "ada@example.com", "viewer")
    page = client.get("/overview").get_data(as_text=True)
    assert "Nothing to chart yet" in page and "otel_llm.instrument()" in page
    assert "chart.umd.min.js" not in page
