"""Prices: the project's own model prices and the models seen without one (Settings page + JSON)."""

from __future__ import annotations

from flask import Flask
from otel_llm_server.web.errors import map_exception
from otel_llm_server.web.prices.api import api
from otel_llm_server.web.prices.views import bp

from otel_llm.pricing.custom import PriceNotFound, PricingError

__all__ = ["api", "bp", "init_app"]


def init_app(app: Flask) -> None:
    map_exception(app, PriceNotFound, 404, "not_found")
    map_exception(app, PricingError, 422, "invalid")
