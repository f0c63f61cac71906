"""Shared fixtures for end-to-end tests in Debian's Chromium driven by Playwright.

- ``console``: the real console served on a free port from a background thread, on a SQLite
  database filled by ``otel-llm demo --no-serve`` (real openai/anthropic SDKs → local provider →
  our exporter). ``console.url``, ``console.db_url``, ``console.engine``, ``console.project``,
  ``console.create_user(email, role, project=None, password=PASSWORD)``,
  ``console.store_span(name=..., **llm_attributes)`` (stored through the real exporter).
- ``browser``: one headless Chromium per session.
- ``page``: a fresh browser context signed in as an admin of the demo project;
  ``anonymous_page``: another, signed out; ``open_page()``: as many more as needed;
  ``sign_in(page, console, email)`` signs a user in.

All tests here are marked ``browser``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from otel_llm.accounts import get_project
from otel_llm.accounts import users as users_service
from otel_llm.storage import writer
from otel_llm.storage.db import get_engine
from tests.span_factory import emit, llm_attributes, span_pipeline
from tests.web_helpers import PASSWORD, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ADMIN_EMAIL = "admin@example.com"
DEMO_PROJECT = "default"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass
class Console:
    url: str
    db_url: str
    workdir: Path
    project: str = DEMO_PROJECT
    _users: set[str] = field(default_factory=set)

    @property
    def engine(self):
        return get_engine(self.db_url)

    def create_user(self, email: str, role: str, project: str | None = None, password: str = PASSWORD) -> str:
        """A user with ``role`` in ``project`` (default: the demo project); idempotent per email."""
        project = project or self.project
        if email in self._users:
            users_service.set_role(self.engine, email, project, role)
        else:
            users_service.create_user(self.engine, email, password, project, role)
            self._users.add(email)
        return email

    def store_span(
        self, name: str = "chat gpt-4o-mini", service_name: str | None = "test-app", **attributes
    ) -> tuple[str, str]:
        """Store one LLM span now, through the real exporter; returns (trace_id, span_id)."""
        pipeline = span_pipeline(self.db_url, self.workdir, project=self.project, service_name=service_name)
        with pipeline as (tracer, _):
            return emit(tracer, name=name, start_ns=time.time_ns(), **llm_attributes(**attributes))

    def path(self, path: str) -> str:
        return self.url.rstrip("/") + path


def _run_demo(db_url: str, workdir: Path) -> None:
    entry = "import sys; from otel_llm_server.cli.main import main; sys.exit(main())"
    command = [sys.executable, "-c", entry, "--database-url", db_url, "demo", "--no-serve", "--rounds", "1"]
    env = {**os.environ, "OTEL_LLM_SPOOL_DIR": str(workdir / "spool")}
    env.pop("OTEL_LLM_PROJECT", None)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=240)
    if result.returncode != 0:
        pytest.fail(f"otel-llm demo failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def console(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console")
    db_url = f"sqlite:///{workdir / 'console.db'}"
    _run_demo(db_url, workdir)
    writer.forget_project_cache()
    assert get_project(get_engine(db_url), DEMO_PROJECT) is not None
    app = make_app(db_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    console = Console(url=f"http://127.0.0.1:{server.server_port}", db_url=db_url, workdir=workdir)
    console.create_user(ADMIN_EMAIL, "admin")
    try:
        yield console
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, console: Console, email: str, password: str = PASSWORD) -> None:
    page.goto(console.path("/sign-in"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.fixture
def open_page(browser):
    """Factory of fresh pages, each in its own browser context (own cookies); JavaScript errors and
    Content-Security-Policy violations (e.g. an inline script) on any of them fail the test."""
    contexts, errors = [], []

    def open_page():
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        new = context.new_page()
        new.on("pageerror", lambda error: errors.append(str(error)))
        new.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return new

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def anonymous_page(open_page):
    """A fresh, signed-out page."""
    return open_page()


@pytest.fixture
def page(open_page, console):
    """A page signed in as an admin of the demo project (its own context, independent of
    ``anonymous_page``)."""
    new = open_page()
    sign_in(new, console, ADMIN_EMAIL)
    return new
