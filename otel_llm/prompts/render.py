"""The simple template format: ``{{variable}}`` placeholders and ``{{> other@label}}`` includes.

A variable is an identifier between double braces (spaces inside allowed: ``{{ customer }}``). Any
other brace is literal text. Rendering is a single pass, so a value that itself contains ``{{x}}`` is
inserted as is and never expanded.

``{{> footer@production}}`` (or ``{{> footer@v3}}``) includes another prompt's text; the version it
resolves to is fixed when the including version is created (``includes.py``), and rendering is given
those texts as ``sources`` (reference as written -> text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from otel_llm.prompts.errors import InvalidInput, MissingVariable

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# ``{{`` then a name that does not close as a placeholder: ``Hi {{ customer`` or ``{{ name }`` (a typo,
# never literal text; braces around anything else, such as JSON, stay literal).
_UNCLOSED = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*(?!\s*\}\}|[A-Za-z0-9_])")
INCLUDE = re.compile(r"\{\{>\s*([A-Za-z0-9][A-Za-z0-9._-]*(?:@[A-Za-z0-9._-]+)?)\s*\}\}")
_UNCLOSED_INCLUDE = re.compile(r"\{\{>(?![^{}]*\}\})")
MAX_INCLUDE_DEPTH = 10


def check_syntax(template: str) -> None:
    """Refuse a placeholder that is opened but not closed, naming its line and column."""
    match = _UNCLOSED.search(template)
    if match is not None:
        line, column = position(template, match.start())
        raise InvalidInput(
            f"the placeholder {match.group(0).strip()!r} at line {line}, column {column} is not closed; "
            "write it as {{ name }}."
        )
    bad = _UNCLOSED_INCLUDE.search(template)
    if bad is not None and not INCLUDE.match(template, bad.start()):
        line, column = position(template, bad.start())
        raise InvalidInput(
            f"the include at line {line}, column {column} is not well formed; "
            "write it as {{> name@production}} or {{> name@v3}}."
        )


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def include_refs(template: str) -> list[str]:
    """The prompt references of the template's includes, as written, in order."""
    return list(dict.fromkeys(m.group(1) for m in INCLUDE.finditer(template)))


def expand(template: str, sources: Mapping[str, str] | None = None, depth: int = 0) -> str:
    """The template with every include replaced by its source (itself expanded)."""
    if not sources or "{{>" not in template:
        return template
    if depth > MAX_INCLUDE_DEPTH:
        raise InvalidInput(f"includes are nested more than {MAX_INCLUDE_DEPTH} deep.")

    def source(match: re.Match) -> str:
        ref = match.group(1)
        if ref not in sources:
            raise InvalidInput(f"the include {{{{> {ref}}}}} was not resolved when this version was created.")
        return expand(sources[ref], sources, depth + 1)

    return INCLUDE.sub(source, template)


def variables(template: str, sources: Mapping[str, str] | None = None) -> list[str]:
    """Names of the template's variables (included texts' too), in order of first appearance."""
    seen: list[str] = []
    for match in VARIABLE.finditer(expand(template, sources)):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def render(
    template: str,
    values: Mapping[str, object],
    prompt_name: str = "",
    sources: Mapping[str, str] | None = None,
) -> str:
    """The template with includes expanded and every ``{{name}}`` replaced by ``str(values[name])``.

    Raises ``MissingVariable`` naming every variable without a value; extra values are ignored.
    """
    text = expand(template, sources)
    missing = [name for name in variables(text) if name not in values]
    if missing:
        raise MissingVariable(prompt_name or "template", missing)
    return VARIABLE.sub(lambda m: str(values[m.group(1)]), text)
