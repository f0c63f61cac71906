"""Template formats: ``simple`` (``{{var}}``, the default; ``render.py``) and ``jinja2`` (``jinja.py``).

Every function takes the format name and dispatches; ``sources`` are the included prompts' texts
(reference as written -> text) recorded with the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from otel_llm.prompts.errors import InvalidInput

SIMPLE = "simple"
JINJA2 = "jinja2"
FORMATS = (SIMPLE, JINJA2)


def validate_format(name: str | None) -> str:
    value = str(name or SIMPLE).strip().lower()
    if value == "jinja":
        value = JINJA2
    if value not in FORMATS:
        raise InvalidInput(f"unknown template format {name!r}; use one of: {', '.join(FORMATS)}.")
    return value


def _module(name: str) -> ModuleType:
    if validate_format(name) == JINJA2:
        from otel_llm.prompts import jinja

        return jinja
    from otel_llm.prompts import render

    return render


def check_syntax(name: str, template: str) -> None:
    """``InvalidInput`` with line and column when ``template`` is not valid in format ``name``."""
    _module(name).check_syntax(template)


def include_refs(name: str, template: str) -> list[str]:
    return _module(name).include_refs(template)


def variables(name: str, template: str, sources: Mapping[str, str] | None = None) -> list[str]:
    return _module(name).variables(template, sources)


def render(
    name: str,
    template: str,
    values: Mapping[str, object],
    prompt_name: str = "",
    sources: Mapping[str, str] | None = None,
) -> str:
    return _module(name).render(template, values, prompt_name, sources)
