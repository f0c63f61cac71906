"""Prompt versions in a real browser: create two versions, publish the second, diff them, roll back;
a viewer sees no actions; template text is shown as text, never run."""

from __future__ import annotations

import re
import uuid

from tests.browser.conftest import sign_in


def _flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def test_create_two_versions_publish_diff_and_roll_back(page, console):
    name = f"browser-{uuid.uuid4().hex[:6]}"
    page.goto(console.path("/prompts"))
    page.click("#new-prompt summary")
    page.fill("#np-name", name)
    page.fill("#np-template", "Hello {{customer}}.\nAnswer briefly.")
    page.fill("#np-summary", "first draft")
    page.click("#new-prompt button[type=submit]")
    page.wait_for_url(re.compile(rf"/prompts/{name}\?v=1"))
    assert f"Created {name}@v1." in _flash(page)

    page.click("#new-version summary")
    assert page.input_value("#nv-template") == "Hello {{customer}}.\nAnswer briefly."  # starts from v1
    page.fill("#nv-template", "Hi {{customer}}!\nAnswer briefly. <script>window.__ran = 1</script>")
    page.fill("#nv-summary", "friendlier")
    page.click("#new-version button[type=submit]")
    page.wait_for_url(re.compile(r"\?v=2"))
    assert "<script>window.__ran = 1</script>" in page.inner_text("#template-text")
    assert page.evaluate("window.__ran") is None  # shown as text, never executed

    page.click("#version-actions >> text=Publish v2")
    page.wait_for_load_state()
    assert "production: nothing → v2." in _flash(page)
    assert "production" in page.inner_text("#versions tr[data-version='2']")
    assert "production" not in page.inner_text("#versions tr[data-version='1']")

    page.click("text=Compare versions")
    page.wait_for_url(re.compile(r"/diff"))
    template_diff = page.locator("table[data-diff='template']")
    assert "Hello {{customer}}." in template_diff.locator("td.removed").all_inner_texts()
    assert "Hi {{customer}}!" in template_diff.locator("td.added").all_inner_texts()
    assert "Answer briefly." in template_diff.inner_text()  # the unchanged line, on both sides

    page.goto(console.path(f"/prompts/{name}"))
    page.click("#rollback-panel button[type=submit]")  # nothing was published before v2
    page.wait_for_load_state()
    assert "no earlier published version" in _flash(page)
    page.select_option("#rollback-to", "1")
    page.click("#rollback-panel button[type=submit]")
    page.wait_for_load_state()
    assert "production (rollback): v2 → v1." in _flash(page)
    assert "production" in page.inner_text("#versions tr[data-version='1']")
    history = page.locator("#label-history tbody tr").all_inner_texts()
    assert [re.sub(r"\s+", " ", row).split(" UTC ")[1] for row in history] == [
        "admin@example.com rollback production v2 v1",
        "admin@example.com publish production — v2",
    ]


def test_a_viewer_sees_no_prompt_actions(anonymous_page, page, console):
    name = f"viewed-{uuid.uuid4().hex[:6]}"
    page.goto(console.path("/prompts"))
    page.click("#new-prompt summary")
    page.fill("#np-name", name)
    page.fill("#np-template", "Read only for viewers.")
    page.click("#new-prompt button[type=submit]")
    page.wait_for_url(re.compile(rf"/prompts/{name}"))
    assert page.locator("#version-actions").is_visible()

    console.create_user("prompt-viewer@example.com", "viewer")
    viewer = anonymous_page
    sign_in(viewer, console, "prompt-viewer@example.com")
    viewer.goto(console.path("/prompts"))
    assert name in viewer.inner_text("#prompt-list")
    assert viewer.locator("#new-prompt").count() == 0
    viewer.click(f"#prompt-list >> text={name}")
    viewer.wait_for_url(re.compile(rf"/prompts/{name}"))
    assert "Read only for viewers." in viewer.inner_text("#template-text")
    for actions in (
        "#version-actions",
        "#rollback-panel",
        "#new-version",
        "form[method=post] >> text=Publish",
    ):
        assert viewer.locator(actions).count() == 0, actions
