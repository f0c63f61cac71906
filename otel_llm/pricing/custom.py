"""Per-project prices: set, list, remove, and the pricing table a project's spans are costed with.

A project price names a model (``*`` wildcards allowed, e.g. ``ft:gpt-4o-mini:acme:*``), optionally a
provider, USD per 1M tokens, and the moment it takes effect (default: now). Spans that started
before that moment keep the earlier price, also when repriced, so a price change never rewrites
history. Writers read a project's prices at most every ``CACHE_SECONDS``; ``set_price`` and
``remove_price`` clear this process's cache at once.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select

from otel_llm.pricing.book import Price
from otel_llm.pricing.table import CustomPrice, PricingTable, default_table
from otel_llm.storage.schema_prices import model_prices
from otel_llm.storage.timeutil import as_utc

CACHE_SECONDS = 30.0
RATES = ("input", "output", "cache_read", "cache_write", "reasoning")

_cache: dict[tuple[str, int], tuple[float, tuple[CustomPrice, ...]]] = {}
_lock = threading.Lock()


class PricingError(ValueError):
    """Bad input to the prices service (the message is a sentence a user can act on)."""


class PriceNotFound(PricingError):
    pass


@dataclass(frozen=True)
class ProjectPrice:
    id: int
    model: str
    provider: str | None
    rates: dict[str, float | None]
    effective_from: datetime | None
    actor: str
    created_at: datetime | None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "model": self.model,
            "provider": self.provider,
            **self.rates,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "actor": self.actor,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


def _check_rates(rates: dict[str, float | None]) -> dict[str, float | None]:
    for name in ("input", "output"):
        if rates.get(name) is None:
            raise PricingError(f"a price needs an {name} rate (USD per 1M tokens).")
    clean = {}
    for name in RATES:
        value = rates.get(name)
        if value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise PricingError(
                    f"{name} rate must be a number of USD per 1M tokens, not {value!r}."
                ) from None
            if not math.isfinite(value) or value < 0 or value > 1_000_000:
                raise PricingError(
                    f"{name} rate must be between 0 and 1000000 USD per 1M tokens, not {value}."
                )
        clean[name] = value
    return clean


def _check_model(model: str) -> str:
    cleaned = (model or "").strip()
    if not cleaned or len(cleaned) > 200:
        raise PricingError("a price needs a model name of 1–200 characters (wildcards: '*').")
    return cleaned


def set_price(
    engine: Engine,
    project_id: int,
    model: str,
    *,
    actor: str,
    provider: str | None = None,
    effective_from: datetime | None = None,
    **rates: float | None,
) -> ProjectPrice:
    """Store a project price; one already set for the same model, provider and start is replaced."""
    unknown = set(rates) - set(RATES)
    if unknown:
        raise PricingError(f"unknown rate {sorted(unknown)[0]!r}; rates are: {', '.join(RATES)}.")
    values = {
        "project_id": project_id,
        "model": _check_model(model),
        "provider": (provider or "").strip() or None,
        "effective_from": as_utc(effective_from) if effective_from else datetime.now(UTC),
        "actor": actor,
        **_check_rates(rates),
    }
    same = (
        (model_prices.c.project_id == project_id)
        & (model_prices.c.model == values["model"])
        & (model_prices.c.effective_from == values["effective_from"])
        & (
            model_prices.c.provider.is_(None)
            if values["provider"] is None
            else model_prices.c.provider == values["provider"]
        )
    )
    with engine.begin() as connection:
        connection.execute(delete(model_prices).where(same))
        new_id = connection.execute(
            insert(model_prices).values(**values).returning(model_prices.c.id)
        ).scalar_one()
    forget(engine, project_id)
    return get_price(engine, project_id, int(new_id))


def _row(row) -> ProjectPrice:
    return ProjectPrice(
        id=row.id,
        model=row.model,
        provider=row.provider,
        rates={name: getattr(row, name) for name in RATES},
        effective_from=as_utc(row.effective_from) if row.effective_from else None,
        actor=row.actor,
        created_at=as_utc(row.created_at) if row.created_at else None,
    )


def list_prices(engine: Engine, project_id: int) -> list[ProjectPrice]:
    query = (
        select(model_prices)
        .where(model_prices.c.project_id == project_id)
        .order_by(model_prices.c.model, model_prices.c.effective_from, model_prices.c.id)
    )
    with engine.connect() as connection:
        return [_row(r) for r in connection.execute(query)]


def get_price(engine: Engine, project_id: int, price_id: int) -> ProjectPrice:
    query = select(model_prices).where(model_prices.c.project_id == project_id, model_prices.c.id == price_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise PriceNotFound(f"no project price with id {price_id}; list them with `otel-llm prices list`.")
    return _row(row)


def remove_price(engine: Engine, project_id: int, price_id: int) -> ProjectPrice:
    price = get_price(engine, project_id, price_id)
    with engine.begin() as connection:
        connection.execute(
            delete(model_prices).where(model_prices.c.project_id == project_id, model_prices.c.id == price_id)
        )
    forget(engine, project_id)
    return price


def _custom(connection: Connection, project_id: int) -> tuple[CustomPrice, ...]:
    rows = connection.execute(select(model_prices).where(model_prices.c.project_id == project_id))
    return tuple(
        CustomPrice(
            model=r.model,
            provider=r.provider,
            effective_from=as_utc(r.effective_from) if r.effective_from else None,
            price=Price(r.input, r.output, r.cache_read, r.cache_write, r.reasoning),
        )
        for r in rows
    )


def _key(bind: Engine | Connection, project_id: int) -> tuple[str, int]:
    engine = bind if isinstance(bind, Engine) else bind.engine
    return (str(engine.url), project_id)


def forget(bind: Engine | Connection | None = None, project_id: int | None = None) -> None:
    """Drop cached project prices: of one project, or (no arguments) all of them."""
    with _lock:
        if bind is None or project_id is None:
            _cache.clear()
        else:
            _cache.pop(_key(bind, project_id), None)


def table_for(bind: Engine | Connection, project_id: int, base: PricingTable | None = None) -> PricingTable:
    """The pricing table for ``project_id``'s spans: its own prices over ``base`` (the default table)."""
    base = base or default_table()
    key = _key(bind, project_id)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                custom = _custom(connection, project_id)
        else:
            custom = _custom(bind, project_id)
        with _lock:
            _cache[key] = (now, custom)
    else:
        custom = cached[1]
    return base.with_custom(custom) if custom else base
