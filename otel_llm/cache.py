"""The in-app TTL cache with stale-while-revalidate, used for prompts and experiment configs.

- fresh entry (younger than its TTL, or fetched with ``ttl=None``: never expires): served as is;
- stale entry: served at once while one background thread refreshes it (a failed refresh keeps it);
- keys should hold no secret (use ``masking.fingerprint``); log lines redact them all the same;
- no entry: fetched in the caller's thread; with ``retry_after`` set, after a failure no fetch is
  tried for that many seconds (the failure is raised again), so an app whose backend is down is not
  slowed down on every call.

Fetches run with instrumentation suppressed, so the cache's own calls are never traced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry.instrumentation.utils import suppress_instrumentation

from otel_llm.masking import redact, short_error

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 60.0

T = TypeVar("T")


@dataclass
class _Entry:
    value: Any = None
    fetched_at: float = 0.0
    failed_at: float | None = None
    error: BaseException | None = None


class TTLCache:
    """``what`` names the cached things in log lines and the refresh thread's name."""

    def __init__(self, what: str, *, retry_after: float = 0.0):
        self.what = what
        self.retry_after = retry_after
        self._entries: dict[Hashable, _Entry] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()

    def get(self, key: Hashable, fetch: Callable[[], T], ttl: float | None) -> T:
        """The value for ``key`` (``ttl`` None: never expires). Raises what ``fetch`` raised when
        nothing is cached, or the remembered error while failures pause fetching."""
        with self._lock:
            entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry.error is None:
            if ttl is not None and now - entry.fetched_at > ttl:
                self._refresh_in_background(key, fetch)
            return entry.value
        if entry is not None and entry.failed_at is not None and now - entry.failed_at < self.retry_after:
            assert entry.error is not None
            raise entry.error
        return self._fetch(key, fetch)

    def _fetch(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        try:
            value = self._fetch_and_store(key, fetch)
        except Exception as exc:
            if self.retry_after > 0:
                with self._lock:
                    self._entries[key] = _Entry(failed_at=time.monotonic(), error=exc)
            raise
        return value

    def _fetch_and_store(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        with suppress_instrumentation():
            value = fetch()
        with self._lock:
            self._entries[key] = _Entry(value=value, fetched_at=time.monotonic())
        return value

    def _refresh_in_background(self, key: Hashable, fetch: Callable[[], Any]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
        name = f"otel-llm-{self.what.replace(' ', '-')}"
        threading.Thread(target=self._refresh, args=(key, fetch), daemon=True, name=name).start()

    def _refresh(self, key: Hashable, fetch: Callable[[], Any]) -> None:
        try:
            self._fetch_and_store(key, fetch)
        except Exception as exc:  # keep serving the stale value
            logger.warning(
                "otel-llm: could not refresh %s %s: %s", self.what, redact(repr(key)), short_error(exc)
            )
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no background refresh is running (tests, orderly shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._refreshing:
                    return True
            time.sleep(0.01)
        return False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
