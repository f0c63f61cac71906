"""The console's database handle: one shared SQLAlchemy engine for ``app.config["DATABASE_URL"]``.

Views call ``engine()``; services take that engine as their first argument.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import Engine

from otel_llm.storage.db import get_engine


def init_app(app: Flask) -> None:
    """Resolve the engine once at start-up so a bad URL fails loudly before the first request."""
    app.extensions["otel_llm_engine"] = get_engine(app.config["DATABASE_URL"])


def engine() -> Engine:
    return current_app.extensions["otel_llm_engine"]
