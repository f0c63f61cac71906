"""The trace view in a real browser: open an agent trace from the Traces page, select a tool span,
read its arguments in the side panel without a page change."""

from __future__ import annotations

import re
import time

from tests.agent_trace import emit_agent_trace
from tests.span_factory import span_pipeline


def test_open_an_agent_trace_and_select_a_tool_span(page, console):
    with span_pipeline(console.db_url, console.workdir, project=console.project) as (tracer, _):
        ids = emit_agent_trace(tracer, start_ns=time.time_ns())

    page.goto(console.path("/traces"))
    first = page.locator("#traces tbody tr").first
    assert "invoke_agent travel-planner" in first.inner_text()  # the newest trace, one row
    first.locator("td:nth-child(2) a").click()
    page.wait_for_url(re.compile(rf"/traces/trace/{ids['trace_id']}$"))
    assert "3" in page.inner_text("#subtree-totals")  # the agent's LLM calls, in the panel
    assert page.locator("#trace-tree .node").count() == 7

    page.evaluate("window.stillTheSamePage = true")
    page.click(f"#trace-tree a[data-span-id='{ids['tool_get_weather']}']")
    page.wait_for_selector(f"#span-panel [data-span-id='{ids['tool_get_weather']}']")
    arguments = page.inner_text("#tool-arguments")
    assert '"city": "Lisbon"' in arguments and "celsius" in arguments
    assert "21°C, sunny" in page.inner_text("#tool-result")
    assert page.evaluate("window.stillTheSamePage") is True  # no page change
    assert f"span={ids['tool_get_weather']}" in page.url  # a link to this selection
    selected = page.locator("#trace-tree .node.selected")
    assert selected.count() == 1 and "get_weather" in selected.inner_text()

    page.reload()  # the URL alone renders the same selection (and works without JavaScript)
    assert '"city": "Lisbon"' in page.inner_text("#tool-arguments")


def test_the_trace_view_fits_a_phone(open_page, console):
    from tests.browser.conftest import ADMIN_EMAIL, sign_in
    from tests.browser.test_console_layout import PHONE, _page_scrolls_sideways

    with span_pipeline(console.db_url, console.workdir, project=console.project) as (tracer, _):
        ids = emit_agent_trace(tracer, start_ns=time.time_ns())
    phone = open_page()
    phone.set_viewport_size(PHONE)
    sign_in(phone, console, ADMIN_EMAIL)
    phone.goto(console.path(f"/traces/trace/{ids['trace_id']}?span={ids['tool_book_hotel']}"))
    assert not _page_scrolls_sideways(phone)
    assert phone.locator("#trace-tree").is_visible() and "booked" in phone.inner_text("#tool-result")
