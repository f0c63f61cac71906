"""Sticky assignment: a unit (user, session, …) always lands in the same variant while the weights stand.

The bucket is the first 60 bits of sha256("experiment\\x00unit") scaled to [0, 1); variants own
consecutive slices of that range in proportion to their weights, in their stored order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any


def bucket(experiment: str, unit_id: str) -> float:
    """A number in [0, 1), uniform over units and fixed for (experiment, unit)."""
    digest = hashlib.sha256(f"{experiment}\x00{unit_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 4) / float(1 << 60)


def choose(experiment: str, unit_id: str, variants: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The variant (a mapping with ``weight``) whose slice holds the unit's bucket."""
    total = sum(float(v["weight"]) for v in variants)
    point = bucket(experiment, unit_id) * total
    edge = 0.0
    for variant in variants:
        edge += float(variant["weight"])
        if point < edge:
            return variant
    return next(v for v in reversed(variants) if float(v["weight"]) > 0)
