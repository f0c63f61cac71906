"""Settings → Prices in a real browser: an unpriced model is listed, a price set through the form
costs the next call, and a failed form keeps what was typed with the error in view."""

from __future__ import annotations

import re

from tests.span_factory import llm_attributes


def test_set_a_price_for_an_unpriced_model_in_settings(page, console):
    console.store_span(
        name="house call", **llm_attributes(model="house-llm-browser", input_tokens=1000, output_tokens=1000)
    )
    page.goto(console.path("/calls?model=house-llm-browser"))
    assert "no price for house-llm-browser" in page.inner_text("#spans")

    page.goto(console.path("/settings/prices"))
    assert "no price for house-llm-browser" in page.inner_text("#missing-prices")

    page.fill("#p-model", "house-llm-browser")
    page.fill("#p-input", "1")
    page.fill("#p-output", "-2")
    page.click("#set-price button[type=submit]")  # a negative rate: refused, the form keeps its values
    error = page.locator(".flash-error")
    assert "between 0 and" in error.inner_text()
    assert error.is_visible() and error.bounding_box()["y"] < page.viewport_size["height"]
    assert page.input_value("#p-model") == "house-llm-browser" and page.input_value("#p-input") == "1"

    page.fill("#p-output", "2")
    page.fill("#p-from", "2020-01-01T00:00")
    page.click("#set-price button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/prices$"))
    assert "house-llm-browser" in page.inner_text("#prices")
    assert "is priced at 1 in / 2 out" in page.inner_text(".flash-success")

    console.store_span(
        name="house call 2",
        **llm_attributes(model="house-llm-browser", input_tokens=1000, output_tokens=1000),
    )
    page.goto(console.path("/calls?model=house-llm-browser"))
    assert "$0.003" in page.inner_text("#spans")  # 1000 × 1 + 1000 × 2 USD per 1M
