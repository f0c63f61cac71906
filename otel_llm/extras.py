"""Optional dependencies: which ``pip install 'otel-llm[…]'`` extra brings each one.

``pip install otel-llm`` installs only what an instrumented app needs. The rest comes with an extra
(declared in ``pyproject.toml``); code that needs one calls ``require`` (or the CLI catches the
``ModuleNotFoundError``) so the user reads the pip line to run instead of a traceback.
"""

from __future__ import annotations

import importlib.util

# Top-level module → the extra that installs it.
EXTRA_OF_MODULE = {
    "psycopg": "postgres",
    "openai": "openai",
    "anthropic": "anthropic",
    "click": "server",
    "flask": "server",
    "flask_wtf": "server",
    "werkzeug": "server",
    "waitress": "server",
    "scipy": "server",
    "numpy": "server",
    "aiohttp": "server",
    "grpc": "server",
    "google": "server",
    "opentelemetry.proto": "server",
    "mcp": "server",
    "uvicorn": "server",
    "starlette": "server",
}


class MissingExtra(ModuleNotFoundError):
    """``feature`` needs ``module``, which the ``extra`` extra installs."""

    def __init__(self, feature: str, module: str, extra: str):
        self.feature, self.extra = feature, extra
        super().__init__(f"{feature} needs {module}: pip install 'otel-llm[{extra}]'", name=module)


def extra_for(module_name: str | None) -> str | None:
    """The extra that installs ``module_name`` (a dotted name is matched by its longest known prefix)."""
    parts = (module_name or "").split(".")
    for size in range(len(parts), 0, -1):
        extra = EXTRA_OF_MODULE.get(".".join(parts[:size]))
        if extra is not None:
            return extra
    return None


def require(module: str, feature: str) -> None:
    """Raise ``MissingExtra`` when ``module`` cannot be imported here."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package of a dotted name
        found = False
    if not found:
        raise MissingExtra(feature, module, extra_for(module) or "all")
