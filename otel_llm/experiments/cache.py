"""A small TTL cache with stale-while-revalidate, for experiment configs fetched by the in-app client.

A fresh entry is served as is; a stale one is served at once while one background thread refreshes
it; a missing one is fetched in the caller's thread. A failed refresh keeps the stale entry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 60.0


class TTLCache:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS):
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()

    def get(self, key: Hashable, fetch: Callable[[], Any], ttl: float | None = None) -> Any:
        """The cached value for ``key``; ``fetch`` raises when the backend cannot be reached."""
        ttl = self.ttl if ttl is None else ttl
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return self._store(key, fetch())
        fetched_at, value = entry
        if time.monotonic() - fetched_at > ttl:
            self._refresh_in_background(key, fetch)
        return value

    def _store(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
        return value

    def _refresh_in_background(self, key: Hashable, fetch: Callable[[], Any]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
        threading.Thread(target=self._refresh, args=(key, fetch), daemon=True, name="otel-llm-config").start()

    def _refresh(self, key: Hashable, fetch: Callable[[], Any]) -> None:
        try:
            self._store(key, fetch())
        except Exception as exc:  # keep serving the stale value
            logger.warning("otel-llm: could not refresh experiment config %s: %s", key, exc)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
