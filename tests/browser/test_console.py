"""The console in a real browser: sign in, traces, filters, a span, sign out; roles; escaping."""

from __future__ import annotations

import re

from tests.browser.conftest import sign_in


def test_sign_in_see_the_demo_traces_filter_open_a_span_and_sign_out(anonymous_page, console):
    page = anonymous_page
    page.goto(console.path("/traces"))
    assert "/sign-in" in page.url
    sign_in(page, console, "admin@example.com")
    page.wait_for_url(re.compile(r"/overview"))  # sign-in lands on the overview
    page.goto(console.path("/calls"))
    rows = page.locator("#spans tbody tr")
    assert rows.count() >= 10
    assert "gpt-4o-mini" in page.inner_text("#spans")  # newest first: the demo's evaluation run

    page.select_option("#f-provider", "anthropic")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"provider=anthropic"))
    providers = page.locator("#spans tbody tr td:nth-child(3)").all_inner_texts()
    assert providers and set(providers) == {"anthropic"}
    assert "claude-haiku-4-5" in page.inner_text("#spans")

    page.locator("#spans tbody tr td:nth-child(2) a").first.click()
    page.wait_for_url(re.compile(r"/traces/span/[0-9a-f]{16}"))
    assert page.locator("#input-messages .message").count() >= 1
    assert page.locator("#output-messages .message").count() >= 1
    assert "input tokens" in page.inner_text(".kvs").lower()
    page.click("nav.tabs >> text=Attributes")
    assert page.locator("#tab-attributes").is_visible() and not page.locator("#tab-call").is_visible()

    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/sign-in"))
    assert "You are signed out." in page.inner_text("body")
    page.goto(console.path("/traces"))
    assert "/sign-in" in page.url


def test_a_viewer_cannot_see_admin_or_editor_actions(anonymous_page, console, page):
    console.create_user("viewer@example.com", "viewer")
    viewer = anonymous_page
    sign_in(viewer, console, "viewer@example.com")
    viewer.goto(console.path("/settings/members"))
    assert viewer.locator("#add-member").count() == 0
    assert viewer.locator("#members select").count() == 0
    assert viewer.locator("nav.tabs >> text=API keys").count() == 0
    assert viewer.locator(".who .role").inner_text().lower() == "viewer"
    response = viewer.goto(console.path("/settings/keys"))
    assert response.status == 403 and "You don't have access" in viewer.inner_text("body")

    page.goto(console.path("/settings/members"))  # the admin sees them
    assert page.locator("#add-member").is_visible()
    assert page.locator("nav.tabs >> text=API keys").is_visible()


def test_admin_creates_an_api_key_and_sees_it_once(page, console):
    page.goto(console.path("/settings/keys"))
    page.fill("#k-name", "browser test")
    page.select_option("#k-role", "viewer")
    page.click("#create-key button[type=submit]")
    token = page.inner_text("#new-token")
    assert token.startswith("ollm_")
    page.goto(console.path("/settings/keys"))
    assert token not in page.content() and "browser test" in page.inner_text("#keys")


def test_a_stored_script_in_the_output_renders_as_text(page, console):
    payload = "<script>alert(1)</script>"
    _, span_id = console.store_span(
        name=f"xss {payload}", answer=payload, user="<img src=x onerror=alert(2)>"
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(console.path(f"/traces/span/{span_id}"))
    assert page.locator("#output-messages pre").first.inner_text() == payload
    assert page.locator("#input-messages pre").first.inner_text() == "<img src=x onerror=alert(2)>"
    page.goto(console.path("/calls?text=xss"))
    assert payload in page.inner_text("#spans")
    page.wait_for_timeout(300)
    assert dialogs == []


def test_overview_draws_its_charts_with_the_vendored_library(page, console):
    page.goto(console.path("/overview?range=24h"))
    assert int(page.inner_text("#totals .stat:first-child .value").replace(",", "")) >= 10
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map((c) => Boolean(window.Chart && Chart.getChart(c)))"
    )
    assert drawn == [True, True, True, True]
    assert "gpt-4o-mini" in page.inner_text("#models")


def test_navigation_reaches_every_area(page, console):
    page.goto(console.path("/traces"))
    labels = page.locator(".mainnav a").all_inner_texts()
    assert labels == [
        "Traces",
        "LLM calls",
        "Sessions",
        "Overview",
        "Prompts",
        "Experiments",
        "Datasets",
        "Replays",
        "Playground",
        "Evaluations",
        "Settings",
    ]
    for label in labels:
        page.click(f".mainnav >> text={label}")
        assert page.locator(".mainnav a.active").inner_text() == label
