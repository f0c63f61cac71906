"""The demo's clock offset: spans made now through the real SDKs, stored as if made earlier this week.

``Backdate`` is a span processor placed before otel-llm's own: inside ``backdate.at(when)``, every
span that ends is moved back so that the window starts at ``when``. Durations, parent/child links and
everything the SDK recorded are unchanged; only the timestamps move. Demo only: an app never does this.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor


class Backdate(SpanProcessor):
    def __init__(self) -> None:
        self._offset_ns = 0

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        """Spans ending inside this block are moved so that the block starts at ``when``."""
        self._offset_ns = max(0, time.time_ns() - int(when.timestamp() * 1e9))
        try:
            yield
        finally:
            self._offset_ns = 0

    def on_end(self, span: ReadableSpan) -> None:
        offset = self._offset_ns
        if not offset or span.start_time is None or span.end_time is None:
            return
        span._start_time = span.start_time - offset
        span._end_time = span.end_time - offset
        for event in span.events:
            event._timestamp = event.timestamp - offset
