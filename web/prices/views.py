"""Settings → Prices: the project's own prices, a form to add one, and the models without a price."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from otel_llm_server.web.access import require
from otel_llm_server.web.db import engine
from otel_llm_server.web.prices.service import parse_price

from otel_llm.pricing.custom import PricingError, list_prices, remove_price, set_price
from otel_llm.pricing.reprice import missing_prices

bp = Blueprint("prices", __name__, url_prefix="/settings/prices", template_folder="templates")


def _page(form=None, status: int = 200):
    page = render_template(
        "settings/prices.html",
        prices=list_prices(engine(), g.project_id),
        missing=missing_prices(engine(), g.project_id),
        form=form or {},
    )
    return page, status


@bp.get("")
@require("viewer")
def prices_page():
    return _page(request.args)


@bp.post("")
@require("admin")
def set_price_page():
    form = request.form.to_dict()
    try:
        stored = set_price(engine(), g.project_id, actor=g.actor, **parse_price(form))
    except PricingError as exc:
        flash(str(exc), "error")
        return _page(form, 422)  # re-rendered with what was typed
    flash(
        f"{stored.model} is priced at {stored.rates['input']:g} in / {stored.rates['output']:g} out USD per 1M "
        f"tokens from {stored.effective_from:%Y-%m-%d %H:%M} UTC. Stored spans keep their cost until "
        "`otel-llm prices reprice`.",
        "success",
    )
    return redirect(url_for("prices.prices_page"))


@bp.post("/<int:price_id>/remove")
@require("admin")
def remove_price_page(price_id: int):
    try:
        removed = remove_price(engine(), g.project_id, price_id)
    except PricingError as exc:
        flash(str(exc), "error")
    else:
        flash(f"The project price of {removed.model} is removed.", "success")
    return redirect(url_for("prices.prices_page"))
