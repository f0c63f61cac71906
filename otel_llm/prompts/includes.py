"""Composition: a template includes other prompts (``{{> footer@production}}``, or
``{% include "footer@production" %}`` in Jinja).

Includes are resolved when the including version is created, through the same rules as any
reference (``NAME@vN``, ``NAME@label``, bare ``NAME``: the published version), transitively; the
version records every resolved version and the text it used (``prompt_includes``), so it renders
the same until a new version is created. Only text prompts of the same format can be included, and
a cycle (a prompt that includes itself, directly or through another) is refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, Engine, insert, select

from otel_llm.prompts import formats, store
from otel_llm.prompts.errors import Conflict, InvalidInput
from otel_llm.prompts.names import parse_ref, validate_name
from otel_llm.storage.schema_prompts import prompt_includes, prompt_versions, prompts

MAX_INCLUDES = 50


@dataclass(frozen=True)
class Include:
    ref: str
    name: str
    version: int
    template: str


@dataclass(frozen=True)
class Reference:
    """A version of another prompt that includes this one (``ref`` as written, ``version`` used)."""

    name: str
    version: int
    ref: str
    included_version: int

    def to_dict(self) -> dict:
        return asdict(self)


def resolve(connection: Connection, project_id: int, name: str, fmt: str, texts: list[str]) -> list[Include]:
    """Every prompt ``texts`` include, transitively, resolved now."""
    found: dict[str, Include] = {}
    for text in texts:
        _visit(connection, project_id, fmt, text, [name], found)
    return list(found.values())


def _visit(
    connection: Connection, project_id: int, fmt: str, text: str, stack: list[str], found: dict[str, Include]
) -> None:
    for written in formats.include_refs(fmt, text):
        ref = parse_ref(written)
        if ref.name in stack:
            path = " -> ".join([*stack, ref.name])
            raise Conflict(f"including {written} makes a cycle ({path}); a prompt cannot include itself.")
        if written in found:
            continue
        if len(found) >= MAX_INCLUDES:
            raise InvalidInput(f"a version includes at most {MAX_INCLUDES} prompts.")
        pid = store.prompt_id(connection, project_id, ref.name)
        number = store.resolve_number(connection, pid, ref)
        row = store.version_row(connection, pid, ref.name, number)
        _check_includable(written, row, fmt)
        found[written] = Include(written, ref.name, number, row.template)
        _visit(connection, project_id, fmt, row.template, [*stack, ref.name], found)


def _check_includable(written: str, row, fmt: str) -> None:
    if row.kind == "chat":
        raise InvalidInput(f"{written} is a chat prompt; only text prompts can be included.")
    if (row.template_format or formats.SIMPLE) != fmt:
        raise InvalidInput(
            f"{written} is in the {row.template_format} format; a {fmt} prompt includes {fmt} prompts only."
        )


def record(connection: Connection, version_id: int, found: list[Include]) -> None:
    if found:
        connection.execute(
            insert(prompt_includes), [{"version_id": version_id, **asdict(include)} for include in found]
        )


def referencing(engine: Engine, project_id: int, name: str) -> list[Reference]:
    """The versions of other prompts that include ``name`` (directly or through another), by name;
    ``PromptNotFound`` when the project has no prompt ``name``."""
    name = validate_name(name)
    with engine.connect() as connection:
        store.prompt_id(connection, project_id, name)  # PromptNotFound for another project's prompt
        rows = connection.execute(_referencing(project_id, name)).all()
    return [Reference(r[0], r[1], r[2], r[3]) for r in rows]


def referencing_names(connection: Connection, project_id: int, name: str) -> list[str]:
    """The names of the prompts whose versions include ``name``, read on ``connection``."""
    rows = connection.execute(_referencing(project_id, name)).all()
    return list(dict.fromkeys(r[0] for r in rows))


def _referencing(project_id: int, name: str):
    return (
        select(prompts.c.name, prompt_versions.c.version, prompt_includes.c.ref, prompt_includes.c.version)
        .select_from(
            prompt_includes.join(prompt_versions, prompt_versions.c.id == prompt_includes.c.version_id).join(
                prompts, prompts.c.id == prompt_versions.c.prompt_id
            )
        )
        .where(prompts.c.project_id == project_id, prompt_includes.c.name == name)
        .order_by(prompts.c.name, prompt_versions.c.version)
    )
