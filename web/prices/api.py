"""``/api/v1/prices``: the project's own model prices, a price lookup, and the models without one."""

from __future__ import annotations

from flask import Blueprint, g, request
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.prices.service import parse_price

from otel_llm.pricing.custom import list_prices, remove_price, set_price, table_for
from otel_llm.pricing.reprice import missing_prices

api = Blueprint("prices_api", __name__, url_prefix="/api/v1")

_RATE = {"type": "number", "nullable": True, "minimum": 0, "description": "USD per 1M tokens."}
PRICE_SCHEMA = {
    "type": "object",
    "required": ["model", "input", "output"],
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "description": "Model name; '*' matches any text."},
        "provider": {
            "type": "string",
            "nullable": True,
            "description": "Only spans of this gen_ai.provider.name.",
        },
        "effective_from": {
            "type": "string",
            "nullable": True,
            "format": "date-time",
            "description": "When it takes effect (default: now); earlier calls keep their price.",
        },
        "input": {**_RATE, "nullable": False},
        "output": {**_RATE, "nullable": False},
        "cache_read": _RATE,
        "cache_write": _RATE,
        "reasoning": _RATE,
    },
}


@api.get("/prices")
@require("viewer")
@api_doc(
    "The project's own model prices (they override the price book from their effective date)", tag="prices"
)
def list_project_prices():
    return {"items": [p.as_dict() for p in list_prices(engine(), g.project_id)]}


@api.post("/prices")
@require("admin")
@api_doc(
    "Set a project price for a model",
    request=PRICE_SCHEMA,
    responses={200: "The stored price.", 422: "A missing or invalid rate or model."},
    tag="prices",
)
def set_project_price():
    body = json_object()
    stored = set_price(engine(), g.project_id, actor=g.actor, **parse_price(body))
    return stored.as_dict()


@api.delete("/prices/<int:price_id>")
@require("admin")
@api_doc(
    "Remove a project price",
    params={"price_id": "Price id (from GET /api/v1/prices)."},
    responses={200: "The removed price.", 404: "No such price in this project."},
    tag="prices",
)
def remove_project_price(price_id: int):
    return remove_price(engine(), g.project_id, price_id).as_dict()


@api.get("/prices/lookup")
@require("viewer")
@api_doc(
    "The price a model is costed at now, and where it comes from (project, file or book)",
    query={"model": ("string", "Model name (required)."), "provider": ("string", "gen_ai.provider.name.")},
    responses={200: "The price.", 404: "No price for that model."},
    tag="prices",
)
def lookup_price():
    model = request.args.get("model", "").strip()
    if not model:
        raise ApiError(400, "bad_request", "'model' is required, e.g. ?model=gpt-4o-mini.")
    found = table_for(engine(), g.project_id).lookup(model, request.args.get("provider") or None)
    if found is None:
        raise ApiError(404, "not_found", f"no price for {model}.")
    price, source = found
    rates = {k: getattr(price, k) for k in ("input", "output", "cache_read", "cache_write", "reasoning")}
    return {"model": model, "source": source, **{k: _plain(v) for k, v in rates.items()}}


def _plain(rate):
    if rate is None or isinstance(rate, float):
        return rate
    base, tiers = rate
    return {"base": base, "tiers": [{"above_input_tokens": start, "price": price} for start, price in tiers]}


@api.get("/prices/missing")
@require("viewer")
@api_doc("Models of stored LLM calls that have tokens but no price, most calls first", tag="prices")
def missing():
    return {"items": [m.as_dict() for m in missing_prices(engine(), g.project_id)]}
