"""Templates with ``{{variable}}`` placeholders.

A variable is an identifier between double braces (spaces inside allowed: ``{{ customer }}``). Any
other brace is literal text. Rendering is a single pass, so a value that itself contains ``{{x}}`` is
inserted as is and never expanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from otel_llm.prompts.errors import InvalidInput, MissingVariable

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# ``{{`` then a name that does not close as a placeholder: ``Hi {{ customer`` or ``{{ name }`` (a typo,
# never literal text; braces around anything else, such as JSON, stay literal).
_UNCLOSED = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*(?!\s*\}\}|[A-Za-z0-9_])")


def check_syntax(template: str) -> None:
    """Refuse a placeholder that is opened but not closed, naming its line and column."""
    match = _UNCLOSED.search(template)
    if match is None:
        return
    line = template.count("\n", 0, match.start()) + 1
    column = match.start() - (template.rfind("\n", 0, match.start()) + 1) + 1
    raise InvalidInput(
        f"the placeholder {match.group(0).strip()!r} at line {line}, column {column} is not closed; "
        "write it as {{ name }}."
    )


def variables(template: str) -> list[str]:
    """Names of the template's variables, in order of first appearance."""
    seen: list[str] = []
    for match in VARIABLE.finditer(template):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def render(template: str, values: Mapping[str, object], prompt_name: str = "") -> str:
    """The template with every ``{{name}}`` replaced by ``str(values[name])``.

    Raises ``MissingVariable`` naming every variable without a value; extra values are ignored.
    """
    missing = [name for name in variables(template) if name not in values]
    if missing:
        raise MissingVariable(prompt_name or "template", missing)
    return VARIABLE.sub(lambda m: str(values[m.group(1)]), template)
