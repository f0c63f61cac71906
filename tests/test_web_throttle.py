"""Sign-in throttling under real parallel requests to a real HTTP server, on SQLite and Postgres:
one account gets exactly ``MAX_FAILURES`` password checks, one client across many emails exactly
``MAX_CLIENT_FAILURES``, and other clients are not locked out."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from werkzeug.serving import make_server

from otel_llm.accounts import throttle
from tests.web_helpers import PASSWORD, make_app, make_user


@pytest.fixture
def console(db_url, monkeypatch):
    """The console served over HTTP (threaded), trusting one proxy so tests can name client addresses."""
    monkeypatch.setenv("OTEL_LLM_TRUSTED_PROXIES", "1")
    server = make_server("127.0.0.1", 0, make_app(db_url), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _session(base: str) -> tuple[dict[str, str], str]:
    """A session cookie and its CSRF token, as a browser gets them from the sign-in page."""
    response = httpx.get(f"{base}/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    return dict(response.cookies), token


def _sign_in_in_parallel(base: str, emails: list[str], password: str, client: str) -> Counter:
    cookies, token = _session(base)

    def attempt(email: str) -> int:
        response = httpx.post(
            f"{base}/sign-in",
            data={"email": email, "password": password, "csrf_token": token},
            cookies=cookies,
            headers={"X-Forwarded-For": client},
            timeout=120,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        return Counter(pool.map(attempt, emails))


def test_sixty_parallel_wrong_passwords_for_one_account_get_exactly_ten_checks(console, db_url):
    make_user(db_url, "ada@example.com", "viewer")
    statuses = _sign_in_in_parallel(console, ["ada@example.com"] * 60, "wrong-guess", "203.0.113.7")
    assert statuses == Counter({401: throttle.MAX_FAILURES, 429: 60 - throttle.MAX_FAILURES})
    right = _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, "203.0.113.7")
    assert right == Counter({429: 1})  # even the right password waits out the window
    elsewhere = _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, "198.51.100.9")
    assert elsewhere == Counter({302: 1})  # a stranger cannot lock her out from another address


def test_one_client_spraying_many_emails_is_limited_too(console, db_url):
    make_user(db_url, "ada@example.com", "viewer")
    emails = [f"user{i}@example.com" for i in range(40)]
    statuses = _sign_in_in_parallel(console, emails, "Winter2026!", "203.0.113.66")
    assert statuses == Counter({401: throttle.MAX_CLIENT_FAILURES, 429: 40 - throttle.MAX_CLIENT_FAILURES})
    assert _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, "203.0.113.66") == Counter({429: 1})
    assert _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, "198.51.100.9") == Counter({302: 1})


def test_a_right_password_clears_the_account_count_and_keeps_the_client_limit_free(console, db_url):
    make_user(db_url, "ada@example.com", "viewer")
    client = "203.0.113.80"
    for _ in range(3):  # 3 x (9 wrong + 1 right) = 30 attempts: neither limit is reached
        wrong = _sign_in_in_parallel(console, ["ada@example.com"] * 9, "wrong-guess", client)
        assert wrong == Counter({401: 9})
        assert _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, client) == Counter({302: 1})
    for _ in range(5):  # 27 failures counted: were successes counted too, the 4th would be refused
        assert _sign_in_in_parallel(console, ["ada@example.com"], PASSWORD, client) == Counter({302: 1})
