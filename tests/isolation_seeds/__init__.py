"""Objects of "the other project" for ``tests/test_web_isolation.py``.

Each ``seed_<area>.py`` defines ``seed(engine, project_name, marker) -> dict[str, str]``: it creates
one object of its area in ``project_name`` with ``marker`` in its content (never in identifiers)
and returns the path-variable values that address it, e.g. ``{"span_id": "…"}``.
"""

from __future__ import annotations

import importlib
import pkgutil


def seed_all(engine, project_name: str, marker: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("seed_"):
            seeded = importlib.import_module(f"{__name__}.{module.name}").seed(engine, project_name, marker)
            values.update({k: str(v) for k, v in seeded.items()})
    return values
