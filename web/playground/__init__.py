"""Playground area (``/playground``): try a set-up from a prompt version or a stored LLM span, run one
or two side by side, save as the next prompt version or add the run to a dataset. Views only call
``otel_llm.playground``."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.playground.views import bp

from otel_llm.playground import PlaygroundError

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, PlaygroundError, 422, "invalid")
