"""Sign-in throttling: after ``MAX_FAILURES`` wrong passwords for one email within ``WINDOW``, further
attempts for it are refused until the window has passed (in this process; enough for one console
server, and it makes online password guessing impractical)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

_failures: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def seconds_blocked(email: str, now: float | None = None) -> int:
    """How long sign-in for ``email`` stays refused (0 = allowed)."""
    now = time.monotonic() if now is None else now
    with _lock:
        recent = _recent(email.strip().lower(), now)
        if len(recent) < MAX_FAILURES:
            return 0
        return int(recent[0] + WINDOW_SECONDS - now) + 1


def record_failure(email: str, now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    with _lock:
        _recent(email.strip().lower(), now).append(now)


def record_success(email: str) -> None:
    with _lock:
        _failures.pop(email.strip().lower(), None)


def _recent(key: str, now: float) -> deque[float]:
    recent = _failures[key]
    while recent and recent[0] <= now - WINDOW_SECONDS:
        recent.popleft()
    return recent


def reset() -> None:
    """Forget every failure (tests start from a clean slate)."""
    with _lock:
        _failures.clear()
