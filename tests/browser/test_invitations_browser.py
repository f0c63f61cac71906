"""Invitations in a real browser: an admin invites an existing account of another project and an
unknown address, and reads the same answer for both; the invitee sees the invitation when it signs
in, accepts it and works in the project; until then it is not a member."""

from __future__ import annotations

import re
import uuid

from otel_llm.accounts import create_project
from tests.browser.conftest import ADMIN_EMAIL, sign_in


def _invite(page, console, email: str, role: str) -> str:
    page.goto(console.path("/settings/members"))
    page.fill("#m-email", email)
    page.select_option("#m-role", role)
    page.click("#add-member button[type=submit]")
    page.wait_for_load_state()
    flash = page.locator(".flash").first
    assert flash.is_visible()
    return flash.inner_text()


def test_an_existing_account_joins_only_after_accepting_and_unknown_emails_answer_the_same(
    page, console, open_page
):
    tag = uuid.uuid4().hex[:6]
    other = f"other-{tag}"
    create_project(console.engine, other)
    invitee = console.create_user(f"invitee-{tag}@example.com", "admin", project=other)
    unknown = f"nobody-{tag}@example.com"

    said = _invite(page, console, invitee, "editor")
    said_unknown = _invite(page, console, unknown, "editor")
    assert said == (
        f"Invitation saved: {invitee} joins {console.project} as editor after accepting it when they sign in."
    )
    assert said_unknown == said.replace(invitee, unknown)  # no telling whether an account exists
    invited = page.inner_text("#invitations")
    assert invitee in invited and unknown in invited
    assert invitee not in page.inner_text("#members")  # not a member before accepting

    guest = open_page()
    sign_in(guest, console, invitee)
    guest.wait_for_url(re.compile(r"/invitations$"))  # sign-in shows the waiting invitation
    row = guest.locator("#invitations tbody tr", has_text=console.project)
    assert row.count() == 1
    assert "editor" in row.inner_text().lower() and ADMIN_EMAIL in row.inner_text()
    row.locator("button", has_text=f"Join {console.project}").click()
    guest.wait_for_load_state()
    assert f"You joined {console.project} as editor." in guest.locator(".flash").first.inner_text()
    assert guest.locator(".who .role").inner_text().lower() == "editor"  # working in the new project
    guest.goto(console.path("/invitations"))
    assert "No invitations are waiting for you." in guest.inner_text("body")

    page.goto(console.path("/settings/members"))
    assert invitee in page.inner_text("#members")
    assert invitee not in page.inner_text("#invitations") and unknown in page.inner_text("#invitations")
