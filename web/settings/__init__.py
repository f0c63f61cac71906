"""Settings: project members and API keys (pages + JSON). Admins change them; members may look."""

from __future__ import annotations

from web.settings.api import api
from web.settings.views import bp

__all__ = ["api", "bp"]
