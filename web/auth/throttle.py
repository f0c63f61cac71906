"""Sign-in throttling: after ``MAX_FAILURES`` wrong passwords for one email from one address within
``WINDOW_SECONDS``, further attempts are refused until the window has passed. Keyed by email *and*
client address, so a stranger cannot lock a colleague out from elsewhere. Kept in this process:
enough for one console server, and it makes online password guessing impractical."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

_failures: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def attempt_key(email: str, address: str | None) -> str:
    return f"{(email or '').strip().lower()}|{address or '-'}"


def seconds_blocked(key: str, now: float | None = None) -> int:
    """How long sign-in attempts under ``key`` stay refused (0 = allowed)."""
    now = time.monotonic() if now is None else now
    with _lock:
        recent = _recent(key, now)
        if len(recent) < MAX_FAILURES:
            return 0
        return int(recent[0] + WINDOW_SECONDS - now) + 1


def record_failure(key: str, now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    with _lock:
        _recent(key, now).append(now)


def record_success(key: str) -> None:
    with _lock:
        _failures.pop(key, None)


def _recent(key: str, now: float) -> deque[float]:
    recent = _failures[key]
    while recent and recent[0] <= now - WINDOW_SECONDS:
        recent.popleft()
    return recent


def reset() -> None:
    """Forget every failure (tests start from a clean slate)."""
    with _lock:
        _failures.clear()
