"""Extension point of the span page: other areas add a tab (e.g. Replay) without touching it.

    from otel_llm_server.web.traces.tabs import SpanTab, register_span_tab
    register_span_tab(SpanTab("replay", "Replay", "replays/_span_tab.html", role="viewer",
                              context=lambda span: {"replays": ...}))

The template is included inside the tab panel with ``span`` (the ``span_view`` dict) and whatever
``context(span)`` returns; it is shown only to callers with at least ``role``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpanTab:
    name: str  # id in the URL fragment: #tab-<name>
    label: str
    template: str
    role: str = "viewer"
    context: Callable[[dict[str, Any]], dict[str, Any]] | None = None


_TABS: dict[str, SpanTab] = {}


def register_span_tab(tab: SpanTab) -> None:
    """Add (or replace, by name) a tab of the span page, after the built-in ones."""
    _TABS[tab.name] = tab


def span_tabs() -> list[SpanTab]:
    return list(_TABS.values())
