"""Datasets in a real browser: create one from the console, tick a stored call in the traces list and
add it, see the item with a link to its span, and find the dataset on the span page."""

from __future__ import annotations

import re
import uuid


def test_create_dataset_add_a_span_from_the_traces_list_and_follow_its_link(page, console):
    name = f"qa-{uuid.uuid4().hex[:6]}"
    question = f"Where is parcel {uuid.uuid4().hex[:8]}?"
    _, span_id = console.store_span(user=question, answer="On its way.")

    page.goto(console.path("/datasets"))
    page.click("#new-dataset summary")
    page.fill("#nd-name", name)
    page.fill("#nd-description", "Questions from production")
    page.click("#new-dataset button[type=submit]")
    page.wait_for_url(re.compile(rf"/datasets/{name}$"))
    assert "Created dataset" in page.locator(".flash").first.inner_text()

    page.goto(console.path("/calls"))
    page.check(f"input[aria-label='Select span {span_id}']")
    page.select_option("#ad-dataset", name)
    page.click("#add-to-dataset button[type=submit]")
    page.wait_for_url(re.compile(r"/calls"))
    assert f"Added 1 span(s) to {name}: now v2" in page.locator(".flash").first.inner_text()

    page.goto(console.path(f"/datasets/{name}"))
    row = page.locator("#dataset-items tbody tr")
    assert row.count() == 1
    assert question in row.inner_text() and "On its way." in row.inner_text()
    assert "v2" in page.inner_text("#dataset-versions") and "added 1 item" in page.inner_text(
        "#dataset-versions"
    )
    row.locator("a.span-link").click()
    page.wait_for_url(re.compile(rf"/traces/span/{span_id}"))
    page.click("a[data-tab='datasets']")
    assert name in page.inner_text("#span-datasets")


def test_add_to_dataset_from_the_span_page(page, console):
    name = f"span-{uuid.uuid4().hex[:6]}"
    _, span_id = console.store_span(user="Reset my password", answer="Use the link.")
    page.goto(console.path("/datasets"))
    page.click("#new-dataset summary")
    page.fill("#nd-name", name)
    page.click("#new-dataset button[type=submit]")
    page.wait_for_url(re.compile(rf"/datasets/{name}$"))

    page.goto(console.path(f"/traces/span/{span_id}"))
    page.click("a[data-tab='datasets']")
    page.select_option("#sd-dataset", name)
    page.click("#span-add-to-dataset button[type=submit]")
    page.wait_for_url(re.compile(rf"/traces/span/{span_id}"))
    assert f"to {name}: now v2" in page.locator(".flash").first.inner_text()
    page.click("a[data-tab='datasets']")
    assert name in page.inner_text("#span-datasets")
