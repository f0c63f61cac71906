"""Settings → Webhooks and Labels in a real browser: an admin adds a webhook to a loopback receiver,
copies the secret shown once, publishes a version, and reads the delivery in the log; an editor is
refused production with the reason."""

from __future__ import annotations

import re
import uuid

from otel_llm import settings
from otel_llm.prompts import catalog, versions
from otel_llm.storage.db import get_engine
from otel_llm.webhooks import sender, verify_signature
from tests import webhook_receiver
from tests.browser.conftest import DEMO_PROJECT, sign_in


def test_an_admin_adds_a_webhook_publishes_and_reads_the_delivery(page, open_page, console, monkeypatch):
    monkeypatch.setenv(settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE, "true")
    engine = get_engine(console.db_url)
    name = f"hooked-{uuid.uuid4().hex[:6]}"
    versions.create_version(engine, catalog.project_id(engine, DEMO_PROJECT), name, "Hello {{customer}}.")
    receiver, server = webhook_receiver.start()
    try:
        page.goto(console.path("/settings/members"))
        page.click("nav.tabs >> text=Webhooks")
        page.fill("#w-url", receiver.url)
        page.uncheck("input[value='prompt.version_created']")
        page.click("#add-webhook button[type=submit]")
        secret = page.inner_text("#new-secret")
        assert secret.startswith("whsec_")

        page.goto(console.path(f"/prompts/{name}"))
        page.click("#version-actions >> text=Publish v1")
        page.wait_for_load_state()
        assert "production: nothing → v1." in page.locator(".flash").first.inner_text()
        sender.deliver_due(engine)
        (got,) = receiver.received
        timestamp, signature = got.headers["X-OtelLLM-Timestamp"], got.headers["X-OtelLLM-Signature"]
        assert verify_signature(secret, got.body, timestamp, signature)

        page.goto(console.path("/settings/webhooks"))
        assert secret not in page.content()  # shown once only
        log = page.inner_text("#deliveries tbody tr")
        assert "prompt.label_moved" in log and "delivered" in log and "200" in log

        editor = open_page()
        console.create_user("hook-editor@example.com", "editor")
        sign_in(editor, console, "hook-editor@example.com")
        editor.goto(console.path(f"/prompts/{name}"))
        versions.create_version(engine, catalog.project_id(engine, DEMO_PROJECT), name, "Hi {{customer}}.")
        editor.goto(console.path(f"/prompts/{name}?v=2"))
        editor.click("#version-actions >> text=Publish v2")
        editor.wait_for_load_state()
        assert "is protected: only admins move it" in editor.locator(".flash").first.inner_text()
        editor.goto(console.path("/settings/labels"))
        assert "Protected: production" in editor.inner_text("#protected-labels")
    finally:
        server.shutdown()
        page.goto(console.path("/settings/webhooks"))
        page.once("dialog", lambda dialog: dialog.accept())
        for row in page.locator("#webhooks tbody tr", has_text=receiver.url).all():
            row.locator("button", has_text="Remove").click()
            page.wait_for_load_state()
    assert re.search(r"is removed", page.locator(".flash").first.inner_text())
