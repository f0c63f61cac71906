"""Settings: project members and API keys (pages + JSON). Admins change them; members may look."""

from __future__ import annotations

from otel_llm_server.web.settings.api import api
from otel_llm_server.web.settings.views import bp

__all__ = ["api", "bp"]
