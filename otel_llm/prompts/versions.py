"""Prompt versions: create, duplicate, read, resolve a reference, archive.

Versions are immutable once created; numbers run 1, 2, 3… per prompt with no gap, because every
writer holds the prompt's lock (``locking.locked_prompt``) while it reads the latest number and
inserts the next.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select, update

from otel_llm.prompts import content, includes, store
from otel_llm.prompts.errors import Conflict
from otel_llm.prompts.locking import locked_prompt
from otel_llm.prompts.models import Version
from otel_llm.prompts.names import PRODUCTION, PromptRef, validate_name, validate_tags
from otel_llm.storage import prompt_rollups
from otel_llm.storage.schema_prompts import prompt_versions
from otel_llm.webhooks import events as webhook_events


def create_version(
    engine: Engine,
    project_id: int,
    name: str,
    template: str | None = None,
    *,
    config: dict[str, Any] | None = None,
    summary: str = "",
    tags: list[str] | tuple[str, ...] | None = None,
    author: str = "",
    parent_version: int | None = None,
    template_format: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    response_format: dict[str, Any] | None = None,
) -> Version:
    """Store the next version of ``name`` (creating the prompt on first use): a text ``template`` or
    chat ``messages``, with optional ``tools`` and ``response_format`` (``content.build``).

    Includes are resolved and recorded (``includes``); a cycle is refused. Refused when everything
    is identical to the latest version, naming it.
    """
    name = validate_name(name)
    values = content.build(
        template,
        config=config,
        template_format=template_format,
        messages=messages,
        tools=tools,
        response_format=response_format,
    )
    values |= {
        "change_summary": (summary or "").strip(),
        "tags": validate_tags(tags),
        "author": (author or "").strip()[:200],
    }
    with locked_prompt(engine, project_id, name, create=True) as (connection, pid):
        found = includes.resolve(
            connection, project_id, name, values["template_format"], content.texts(values)
        )
        latest = store.latest_row(connection, pid)
        _refuse_identical(name, latest, values)
        if parent_version is not None:
            store.version_row(connection, pid, name, parent_version)
        number = latest.version + 1 if latest else 1
        parent = parent_version if parent_version is not None else (latest.version if latest else None)
        connection.execute(
            insert(prompt_versions).values(prompt_id=pid, version=number, parent_version=parent, **values)
        )
        prompt_rollups.track(connection, project_id, values["version_hash"])  # its calls' metrics
        row = store.version_row(connection, pid, name, number)
        includes.record(connection, row.id, found)
        created = store.full_version(connection, name, row)
        webhook_events.version_created(connection, project_id, created)  # same transaction (outbox)
        return created


def _refuse_identical(name: str, latest, values: dict[str, Any]) -> None:
    if latest is None:
        return
    if store.to_version(name, latest).content_hash == values["content_hash"]:
        archived = " (archived; restore it with `otel-llm prompts archive --undo`)" if latest.archived else ""
        raise Conflict(
            f"{name}@v{latest.version} already has this template and config{archived}; "
            "nothing new to store — change the text or config first."
        )


def duplicate_version(engine: Engine, project_id: int, name: str, version: int, author: str = "") -> Version:
    """A new version with the template and config of ``version`` (its parent)."""
    source = get_version(engine, project_id, name, version)
    return create_version(
        engine,
        project_id,
        name,
        None if source.kind == "chat" else source.template,
        messages=list(source.messages) if source.kind == "chat" else None,
        tools=list(source.tools),
        response_format=source.response_format,
        template_format=source.template_format,
        config=source.config,
        summary=f"Duplicated from v{version}",
        tags=list(source.tags),
        author=author,
        parent_version=version,
    )


def get_version(engine: Engine, project_id: int, name: str, version: int) -> Version:
    name = validate_name(name)
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, name)
        row = store.version_row(connection, pid, name, version)
        return store.full_version(
            connection, name, row, store.labels_by_version(connection, pid).get(version, ())
        )


def resolve(engine: Engine, project_id: int, ref: PromptRef, *, strict_label: bool = False) -> Version:
    """The version a reference names.

    ``NAME@vN`` → that version; ``NAME@label`` → where the label points; ``NAME@latest`` → the newest
    version not archived. A bare ``NAME`` means the published version, or (unless ``strict_label``)
    the latest one when nothing is published yet.
    """
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, ref.name)
        number = store.resolve_number(connection, pid, ref, strict_label)
        row = store.version_row(connection, pid, ref.name, number)
        return store.full_version(
            connection, ref.name, row, store.labels_by_version(connection, pid).get(number, ())
        )


def list_versions(
    engine: Engine, project_id: int, name: str, *, include_archived: bool = True
) -> list[Version]:
    """Every version of ``name``, newest first, with its current labels."""
    name = validate_name(name)
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, name)
        labels = store.labels_by_version(connection, pid)
        stmt = select(prompt_versions).where(prompt_versions.c.prompt_id == pid)
        if not include_archived:
            stmt = stmt.where(prompt_versions.c.archived.is_(False))
        rows = connection.execute(stmt.order_by(prompt_versions.c.version.desc())).all()
        found = store.includes_of(connection, [r.id for r in rows])
    return [store.to_version(name, r, labels.get(r.version, ()), found.get(r.id, ())) for r in rows]


def set_archived(engine: Engine, project_id: int, name: str, version: int, archived: bool = True) -> Version:
    """Archive (hide) or restore a version. A version that carries a label cannot be archived."""
    name = validate_name(name)
    with locked_prompt(engine, project_id, name) as (connection, pid):
        row = store.version_row(connection, pid, name, version)
        labels = store.labels_by_version(connection, pid).get(version, ())
        if archived and labels:
            raise Conflict(_labelled_message(name, version, labels))
        changed = bool(row.archived) != archived
        if changed:
            connection.execute(
                update(prompt_versions).where(prompt_versions.c.id == row.id).values(archived=archived)
            )
        result = store.full_version(
            connection, name, store.version_row(connection, pid, name, version), labels
        )
        if changed:
            webhook_events.version_archived(connection, project_id, result)  # same transaction (outbox)
        return result


def _labelled_message(name: str, version: int, labels: tuple[str, ...]) -> str:
    if PRODUCTION in labels:
        return (
            f"{name}@v{version} is the published version and cannot be archived; publish another "
            f"version first (`otel-llm prompts publish {name}@vN`)."
        )
    return (
        f"{name}@v{version} carries the label(s) {', '.join(labels)}; move them first "
        f"(`otel-llm prompts label {name}@vN {labels[0]}`) or remove them (`otel-llm prompts unlabel`)."
    )
