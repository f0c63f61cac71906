"""What a user sees on the console's pages at desktop and phone sizes: plain status words, trace
links, the service hint, tables that are not clipped, forms that keep their input and show their
error in view, checkboxes with their labels, short hashes that copy in full, the attributes tree and
the phone navigation (issue 13 §4)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ADMIN_EMAIL, sign_in

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
EXPERIMENT = "model-bakeoff"  # made by the demo


def _at(page, viewport):
    page.set_viewport_size(viewport)
    return page


def _page_scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0


def _span_of(console, where: str) -> str:
    from sqlalchemy import text

    with console.engine.connect() as connection:
        return connection.execute(text(f"SELECT span_id FROM spans WHERE {where} LIMIT 1")).scalar_one()


# --- plain words: status, trace links, service ---------------------------------------------------


def test_status_reads_ok_or_error_and_the_raw_code_stays_in_the_attributes_tab(page, console):
    page.goto(console.path("/calls?range=30d"))
    statuses = set(page.locator("#spans tbody tr td:nth-child(5)").all_inner_texts())
    assert statuses <= {"OK", "ERROR"} and "OK" in statuses

    page.goto(console.path("/calls?status=error&range=30d"))
    assert set(page.locator("#spans tbody tr td:nth-child(5)").all_inner_texts()) == {"ERROR"}

    ok_span = _span_of(console, "status_code = 'UNSET' AND provider IS NOT NULL")
    page.goto(console.path(f"/traces/span/{ok_span}"))
    assert page.locator(".page-head h1 .pill").inner_text() == "OK"
    assert "UNSET" not in page.locator("#tab-call").inner_text()
    page.click("nav.tabs >> text=Attributes")
    assert "OpenTelemetry status code UNSET" in page.locator("#otel-status").inner_text()


def test_a_trace_id_links_to_the_trace_and_its_tree(page, console):
    child = _span_of(console, "parent_span_id IS NOT NULL AND name LIKE 'chat %'")
    page.goto(console.path(f"/traces/span/{child}"))
    page.click(".page-head .ids .hash a")
    page.wait_for_url(lambda url: child not in url)
    assert page.locator(".page-head h1").inner_text().startswith("invoke_agent")  # the trace's root
    tree = page.locator("#trace-tree")
    assert tree.locator(f'a[data-span-id="{child}"]').count() == 1  # the trace view lists the span

    response = page.goto(console.path("/traces/trace/" + "0" * 32))
    assert response.status == 404


def test_a_span_from_an_app_without_a_service_name_says_how_to_name_it(page, console, monkeypatch):
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    _, unnamed = console.store_span(name="chat unnamed", service_name=None)
    page.goto(console.path(f"/traces/span/{unnamed}"))
    service = page.locator("#service dd").inner_text()
    assert service.startswith("unknown_service") and "set OTEL_SERVICE_NAME" in service

    _, named = console.store_span(name="chat named")
    page.goto(console.path(f"/traces/span/{named}"))
    assert page.locator("#service dd").inner_text() == "test-app"


# --- layout: tables, cards ------------------------------------------------------------------------


def test_the_automated_runs_table_fits_on_a_desktop_and_scrolls_in_its_box_on_a_phone(page, console):
    _at(page, DESKTOP).goto(console.path(f"/experiments/{EXPERIMENT}"))
    sizes = page.evaluate(
        """() => { const t = document.getElementById('runs'), box = t.parentElement;
                   return {table: t.scrollWidth, box: box.clientWidth}; }"""
    )
    assert sizes["table"] <= sizes["box"], sizes
    assert "UTC" in page.locator("#runs tbody tr td:last-child").first.inner_text()
    assert not _page_scrolls_sideways(page)

    _at(page, PHONE).goto(console.path(f"/experiments/{EXPERIMENT}"))
    assert not _page_scrolls_sideways(page)
    reach = page.evaluate(
        """() => { const t = document.getElementById('runs'), box = t.parentElement;
                   box.scrollLeft = box.scrollWidth;
                   const last = t.querySelector('thead th:last-child').getBoundingClientRect();
                   return {overflow: getComputedStyle(box).overflowX, last: last.right,
                           right: box.getBoundingClientRect().right}; }"""
    )
    assert reach["overflow"] == "auto" and reach["last"] <= reach["right"] + 1, reach


def test_variant_cards_share_the_full_width(page, console):
    _at(page, DESKTOP).goto(console.path(f"/experiments/{EXPERIMENT}"))
    row = page.locator("#variant-cards").bounding_box()
    cards = [card.bounding_box() for card in page.locator("#variant-cards .variant-card").all()]
    assert len(cards) == 2
    assert abs(cards[0]["y"] - cards[1]["y"]) < 1  # side by side
    assert abs(cards[-1]["x"] + cards[-1]["width"] - (row["x"] + row["width"])) < 2  # to the right edge
    assert cards[0]["width"] > row["width"] * 0.45

    _at(page, PHONE).goto(console.path(f"/experiments/{EXPERIMENT}"))
    row = page.locator("#variant-cards").bounding_box()
    for card in page.locator("#variant-cards .variant-card").all():
        assert abs(card.bounding_box()["width"] - row["width"]) < 2  # one per row, full width


# --- forms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_prompt_with_a_broken_template_keeps_the_input_and_shows_the_error_at_the_form(
    page, console, viewport
):
    template = "Hello.\nHi {{ customer"
    _at(page, viewport).goto(console.path("/prompts"))
    page.click("#new-prompt summary")
    page.fill("#np-name", "greeter")
    page.fill("#np-template", template)
    page.fill("#np-summary", "first try")
    page.click("#new-prompt button[type=submit]")
    page.wait_for_load_state()

    error = page.locator("#new-prompt form [data-form-error]")
    assert "line 2, column 4" in error.inner_text() and "not closed" in error.inner_text()
    assert _in_viewport(page, "#new-prompt [data-form-error]")
    assert page.input_value("#np-template") == template
    assert page.input_value("#np-name") == "greeter" and page.input_value("#np-summary") == "first try"
    assert page.locator(".flash-error").count() == 0  # said once, at the form
    assert not _page_scrolls_sideways(page)


def test_an_experiment_with_a_bad_variant_keeps_the_input_and_shows_the_error_at_the_form(page, console):
    _at(page, DESKTOP).goto(console.path("/experiments"))
    page.click("#new-experiment summary")
    page.fill("#ne-name", "tone-check")
    page.fill("#ne-hypothesis", "b is friendlier")
    page.fill("#v0_model", "gpt-4o-mini")
    page.fill("#v1_model", "gpt-4.1-mini")
    page.fill("#v1_weight", "fifty")
    page.fill("#ne-cases", "Where is my order?")
    page.click("#new-experiment button[type=submit]")
    page.wait_for_load_state()

    error = page.locator("#new-experiment form [data-form-error]")
    assert "give a weight in percent" in error.inner_text()
    assert _in_viewport(page, "#new-experiment [data-form-error]")
    assert (
        page.input_value("#ne-name") == "tone-check"
        and page.input_value("#ne-hypothesis") == "b is friendlier"
    )
    assert page.input_value("#v1_weight") == "fifty" and page.input_value("#v1_model") == "gpt-4.1-mini"
    assert page.input_value("#ne-cases") == "Where is my order?"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_batch_replay_refused_after_a_redirect_shows_its_error_at_the_form(page, console, viewport):
    _at(page, viewport).goto(console.path("/replays"))
    page.click("#new-run summary")
    page.fill('#new-run input[name="since"]', "soon")
    page.fill('#new-run input[name="with_model"]', "gpt-4o")
    page.click("#new-run button[type=submit]")
    page.wait_for_url(re.compile(r"#new-run$"))

    error = page.locator("#new-run form [data-form-error]")
    assert "since" in error.inner_text() and "7d" in error.inner_text()
    assert _in_viewport(page, "#new-run [data-form-error]")
    assert page.input_value('#new-run input[name="since"]') == "soon"
    assert page.input_value('#new-run input[name="with_model"]') == "gpt-4o"


def test_a_refused_replay_of_a_span_shows_its_error_in_the_replay_tab(page, console):
    _, span_id = console.store_span(name="chat replay me", user="hello there")
    _at(page, DESKTOP).goto(console.path(f"/traces/span/{span_id}#tab-replay"))
    page.fill('#replay-form input[name="model"]', "gpt-4.1-mini")
    page.fill('#replay-form input[name="prompt"]', "no-such-prompt@v9")
    page.check('#replay-form input[name="no_cache"]')
    page.click("#replay-form button[type=submit]")
    page.wait_for_url(re.compile(r"#tab-replay$"))

    error = page.locator("#replay-form [data-form-error]")
    assert "no-such-prompt" in error.inner_text()
    assert _in_viewport(page, "#replay-form [data-form-error]")
    assert page.input_value('#replay-form input[name="prompt"]') == "no-such-prompt@v9"  # as typed
    assert page.input_value('#replay-form input[name="model"]') == "gpt-4.1-mini"
    assert page.is_checked('#replay-form input[name="no_cache"]')
    assert page.locator("#replay-form input[name=csrf_token]").input_value()  # the fresh token stays


def _label_and_box(page, label_selector: str) -> dict:
    return page.evaluate(
        """(selector) => {
            const label = document.querySelector(selector), box = label.querySelector('input');
            const range = document.createRange();
            range.selectNodeContents(label);
            range.setStartAfter(box);
            const text = range.getBoundingClientRect(), b = box.getBoundingClientRect();
            // the drawn square is centred in the input's box, which CSS may have widened
            return {textLeft: text.left, textTop: text.top, textBottom: text.bottom,
                    squareRight: b.left + b.width / 2 + b.height / 2, boxMiddle: b.top + b.height / 2};
        }""",
        label_selector,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_checkbox_sits_with_its_label_and_the_label_toggles_it(page, console, viewport):
    _at(page, viewport).goto(console.path("/replays"))
    page.click("#new-run summary")
    label = 'label:has(> input[name="no_cache"])'
    geometry = _label_and_box(page, label)
    assert 0 <= geometry["textLeft"] - geometry["squareRight"] <= 12, geometry  # text right after the box
    assert geometry["textTop"] <= geometry["boxMiddle"] <= geometry["textBottom"], geometry  # same line
    checkbox = page.locator('input[name="no_cache"]')
    assert not checkbox.is_checked()
    text_x = geometry["textLeft"] - page.locator(label).bounding_box()["x"] + 5
    page.locator(label).click(position={"x": text_x, "y": 6})
    assert checkbox.is_checked()


# --- short hashes, attributes tree ---------------------------------------------------------------


def test_a_long_hash_shows_short_and_copies_in_full(page, console):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    page.goto(console.path("/prompts/support-agent"))
    shown = page.locator("#version-hash code").inner_text()
    full = page.locator("#version-hash .hash").get_attribute("data-full")
    assert re.fullmatch(r"[0-9a-f]{64}", full) and shown == full[:12] + "…"
    page.click("#version-hash button.copy")
    assert page.evaluate("navigator.clipboard.readText()") == full
    assert page.locator("#version-hash button.copy").inner_text() == "Copied"

    child = _span_of(console, "parent_span_id IS NOT NULL AND name LIKE 'chat %'")
    page.goto(console.path(f"/traces/span/{child}"))
    trace = page.locator(".page-head .ids .hash").nth(1)
    trace_id = trace.get_attribute("data-full")
    assert len(trace_id) == 32 and trace.locator("a").inner_text() == trace_id[:12] + "…"
    trace.locator("button.copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == trace_id


def test_the_attributes_tab_is_a_collapsible_tree_with_json_strings_expanded(page, console):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload = "<img src=x onerror=alert(3)>"
    _, span_id = console.store_span(name="chat tree", user=payload, answer="fine")
    page.goto(console.path(f"/traces/span/{span_id}"))
    page.click("nav.tabs >> text=Attributes")
    tree = page.locator("#span-attributes")
    assert tree.locator("pre").count() == 0  # no raw dump once the tree is drawn

    messages = tree.locator("li", has=page.locator("summary >> text=gen_ai.input.messages")).first
    summary = messages.locator("summary").first
    assert "JSON text" in summary.inner_text()  # the attribute is a string holding JSON
    body = messages.locator("ul").first
    assert body.is_visible()
    assert "role" in body.inner_text() and '"user"' in body.inner_text()
    tree.evaluate("t => t.querySelectorAll('details').forEach((d) => { d.open = true; })")
    assert tree.locator(".string", has_text=payload).first.is_visible()  # as text, not as an element
    assert tree.locator("img").count() == 0 and dialogs == []

    summary.click()  # collapses
    assert not body.is_visible()
    summary.click()
    assert body.is_visible()


# --- navigation on a phone ----------------------------------------------------------------------


PHONE_PAGES = (
    "/overview",
    "/traces",
    "/calls",
    "/sessions",
    "/sessions/order-chat-1",
    f"/experiments/{EXPERIMENT}",
    "/experiments",
    "/prompts",
    "/prompts/support-agent",
    "/replays",
    "/settings/members",
    "/settings/labels",
    "/settings/webhooks",
    "/settings/retention",
    "/playground",
)


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(open_page, console):
    phone = open_page()
    phone.set_viewport_size(PHONE)
    sign_in(phone, console, ADMIN_EMAIL)
    phone.goto(console.path("/traces"))
    toggle = phone.locator("#nav-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not phone.locator(".mainnav a", has_text="Prompts").is_visible()
    assert not phone.locator("text=Sign out").is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.locator(".mainnav a", has_text="Prompts").is_visible()
    assert not _page_scrolls_sideways(phone)
    phone.locator(".mainnav a", has_text="Prompts").click()
    phone.wait_for_url(re.compile(r"/prompts$"))
    assert not phone.locator(".mainnav a", has_text="Traces").is_visible()  # closed on the new page

    for path in PHONE_PAGES:
        phone.goto(console.path(path))
        assert not _page_scrolls_sideways(phone), path

    phone.set_viewport_size(DESKTOP)  # a desktop shows the bar and no menu button
    assert not toggle.is_visible() and phone.locator(".mainnav a", has_text="Traces").is_visible()
