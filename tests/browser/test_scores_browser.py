"""Scores in a real browser: add a score on a span page, see it as a traces list column, filter by it."""

from __future__ import annotations

import re

import pytest

from otel_llm import scores
from otel_llm.accounts import get_project

pytestmark = pytest.mark.browser


def test_add_a_score_on_a_span_then_see_and_filter_it_in_the_traces_list(page, console):
    project_id = get_project(console.engine, console.project).id
    scores.define_config(
        console.engine, project_id, "browser_helpfulness", "numeric", min_value=1, max_value=5
    )
    _, good = console.store_span(name="well answered call")
    _, poor = console.store_span(name="badly answered call")

    for span_id, value in ((good, "5"), (poor, "2")):
        page.goto(console.path(f"/traces/span/{span_id}"))
        page.click("nav.tabs >> text=Scores")
        page.select_option("#score-form select[name=name]", "browser_helpfulness")
        page.fill("#score-form input[name=value]", value)
        page.fill("#score-form input[name=comment]", f"given {value} in the browser")
        page.click("#score-form button[type=submit]")
        page.wait_for_url(re.compile(rf"/traces/span/{span_id}"))
        page.click("nav.tabs >> text=Scores")
        assert f"given {value} in the browser" in page.inner_text("#span-scores")
        assert "admin@example.com" in page.inner_text("#span-scores")

    page.goto(console.path("/calls"))
    page.fill("#f-score", "browser_helpfulness")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"score=browser_helpfulness"))
    header = page.locator("#spans thead th").all_inner_texts()
    column = [h.strip().lower() for h in header].index("browser_helpfulness") + 1
    values = dict(
        zip(
            page.locator("#spans tbody tr td:nth-child(2)").all_inner_texts(),
            page.locator(f"#spans tbody tr td:nth-child({column})").all_inner_texts(),
            strict=True,
        )
    )
    assert (values["well answered call"], values["badly answered call"]) == ("5", "2")

    page.fill("#f-score", "browser_helpfulness>=4")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"score=browser_helpfulness%3E%3D4"))
    names = page.locator("#spans tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["well answered call"]
