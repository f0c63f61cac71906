"""Tables of the experiments area (filled in by its issue). Registered on the shared metadata."""

from __future__ import annotations

from otel_llm.storage.schema import metadata  # noqa: F401
