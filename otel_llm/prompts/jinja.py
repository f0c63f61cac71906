"""The Jinja2 template format, in ``jinja2.sandbox.ImmutableSandboxedEnvironment``.

Conditionals, loops and filters work; attribute access to Python internals, changing values and
imports of Python code do not (the sandbox raises ``SecurityError``, reported as ``InvalidInput``).
``{% include "footer@production" %}`` includes another prompt: the loader reads only the texts
resolved when the version was created (``sources``), never the file system. Undefined variables
are errors (``StrictUndefined``), so a missing value is a ``MissingVariable`` as in the simple format.

jinja2 is imported only when a Jinja prompt is checked or rendered: an app whose prompts are all in
the simple format never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from otel_llm.prompts.errors import InvalidInput, MissingVariable

_TAG = re.compile(r"\{[{%#]")


def _environment(sources: Mapping[str, str] | None = None) -> Any:
    from jinja2 import FunctionLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    found = dict(sources or {})
    return ImmutableSandboxedEnvironment(
        loader=FunctionLoader(found.get),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=256)
def _compiled(template: str, sources: tuple[tuple[str, str], ...]) -> Any:
    """The compiled template (compiling costs milliseconds; a version's texts never change)."""
    return _environment(dict(sources)).from_string(template)


@lru_cache(maxsize=1)
def _plain() -> Any:
    return _environment()


def _parse(template: str) -> Any:
    from jinja2 import TemplateSyntaxError

    try:
        return _plain().parse(template)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        raise InvalidInput(
            f"Jinja syntax error at line {line}, column {_column(template, line)}: {(exc.message or '').rstrip('.')}."
        ) from exc


def _column(template: str, line: int) -> int:
    """Column of the first tag on ``line`` (Jinja reports lines only), else 1."""
    lines = template.splitlines()
    if not 1 <= line <= len(lines):
        return 1
    match = _TAG.search(lines[line - 1])
    return match.start() + 1 if match else 1


def check_syntax(template: str) -> None:
    include_refs(template)


def include_refs(template: str) -> list[str]:
    """The prompts the template includes (``{% include "footer@production" %}``), in order."""
    from jinja2 import meta

    refs = list(meta.find_referenced_templates(_parse(template)))
    if None in refs:
        raise InvalidInput(
            'an include must name the prompt as a quoted string, e.g. {% include "footer@production" %}.'
        )
    return list(dict.fromkeys(r for r in refs if r is not None))


def variables(template: str, sources: Mapping[str, str] | None = None) -> list[str]:
    """Variables the template (and the texts it includes) reads, in order of first appearance."""
    from jinja2 import meta

    texts = [template, *(sources or {}).values()]
    found: list[str] = []
    for text in texts:
        names = meta.find_undeclared_variables(_parse(text))
        found += sorted((n for n in names if n not in found), key=lambda n: (text.find(n), n))
    return found


def render(
    template: str,
    values: Mapping[str, object],
    prompt_name: str = "",
    sources: Mapping[str, str] | None = None,
) -> str:
    from jinja2 import TemplateError, TemplateNotFound, UndefinedError
    from jinja2.sandbox import SecurityError

    try:
        return _compiled(template, tuple(sorted((sources or {}).items()))).render(dict(values))
    except UndefinedError as exc:
        missing = [n for n in variables(template, sources) if n not in values]
        if missing:
            raise MissingVariable(prompt_name or "template", missing) from exc
        raise InvalidInput(
            f"prompt {prompt_name!r} could not be rendered: {(exc.message or '').rstrip('.')}."
        ) from exc
    except SecurityError as exc:
        raise InvalidInput(
            f"prompt {prompt_name!r} tried something the sandbox refuses: {str(exc).rstrip('.')}."
        ) from exc
    except TemplateNotFound as exc:
        raise InvalidInput(
            f"prompt {prompt_name!r} includes {exc.name!r}, which was not resolved when it was created."
        ) from exc
    except TemplateError as exc:
        raise InvalidInput(f"prompt {prompt_name!r} could not be rendered: {exc}.") from exc
