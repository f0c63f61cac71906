"""Reads shared by the registry's modules: prompt ids, version rows, current labels."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, Row, select

from otel_llm.prompts import content
from otel_llm.prompts.errors import PromptNotFound, VersionNotFound
from otel_llm.prompts.models import Version
from otel_llm.prompts.names import LATEST, PRODUCTION, PromptRef
from otel_llm.storage.schema_prompts import prompt_includes, prompt_labels, prompt_versions, prompts
from otel_llm.storage.timeutil import as_utc


def prompt_id(connection: Connection, project_id: int, name: str) -> int:
    """Id of prompt ``name``; ``PromptNotFound`` saying how to create it."""
    found = connection.execute(
        select(prompts.c.id).where(prompts.c.project_id == project_id, prompts.c.name == name)
    ).scalar()
    if found is None:
        raise PromptNotFound(
            f"prompt {name!r} does not exist; create it with `otel-llm prompts create {name} --file F`."
        )
    return found


def labels_by_version(connection: Connection, pid: int) -> dict[int, tuple[str, ...]]:
    rows = connection.execute(
        select(prompt_labels.c.label, prompt_labels.c.version)
        .where(prompt_labels.c.prompt_id == pid)
        .order_by(prompt_labels.c.label)
    )
    by_version: dict[int, list[str]] = defaultdict(list)
    for label, version in rows:
        by_version[version].append(label)
    return {
        v: tuple(sorted(labels, key=lambda x: (x != "production", x))) for v, labels in by_version.items()
    }


def label_target(connection: Connection, pid: int, label: str) -> int | None:
    return connection.execute(
        select(prompt_labels.c.version).where(
            prompt_labels.c.prompt_id == pid, prompt_labels.c.label == label
        )
    ).scalar()


def version_row(connection: Connection, pid: int, name: str, version: int) -> Row:
    row = connection.execute(
        select(prompt_versions).where(
            prompt_versions.c.prompt_id == pid, prompt_versions.c.version == version
        )
    ).first()
    if row is None:
        raise VersionNotFound(
            f"prompt {name!r} has no version {version}; list them with `otel-llm prompts versions {name}`."
        )
    return row


def latest_row(connection: Connection, pid: int, *, include_archived: bool = True) -> Row | None:
    stmt = select(prompt_versions).where(prompt_versions.c.prompt_id == pid)
    if not include_archived:
        stmt = stmt.where(prompt_versions.c.archived.is_(False))
    return connection.execute(stmt.order_by(prompt_versions.c.version.desc()).limit(1)).first()


def resolve_number(connection: Connection, pid: int, ref: PromptRef, strict_label: bool = False) -> int:
    """The version number ``ref`` names (see ``versions.resolve``)."""
    if ref.version is not None:
        return ref.version
    if ref.label and ref.label != LATEST:
        number = label_target(connection, pid, ref.label)
        if number is None:
            raise VersionNotFound(
                f"prompt {ref.name!r} has no label {ref.label!r}; set it with "
                f"`otel-llm prompts label {ref.name}@vN {ref.label}`."
            )
        return number
    if ref.label is None:
        published = label_target(connection, pid, PRODUCTION)
        if published is not None or strict_label:
            return _or_unpublished(ref, published)
    latest = latest_row(connection, pid, include_archived=False)
    if latest is None:
        raise VersionNotFound(f"prompt {ref.name!r} has no version that is not archived.")
    return latest.version


def _or_unpublished(ref: PromptRef, published: int | None) -> int:
    if published is None:
        raise VersionNotFound(
            f"prompt {ref.name!r} has no published version; publish one with "
            f"`otel-llm prompts publish {ref.name}@vN`."
        )
    return published


def includes_of(connection: Connection, version_ids: list[int]) -> dict[int, tuple[dict, ...]]:
    """The recorded includes of each version id."""
    found: dict[int, list[dict]] = defaultdict(list)
    if version_ids:
        rows = connection.execute(
            select(prompt_includes)
            .where(prompt_includes.c.version_id.in_(version_ids))
            .order_by(prompt_includes.c.id)
        )
        for r in rows:
            found[r.version_id].append(
                {"ref": r.ref, "name": r.name, "version": r.version, "template": r.template}
            )
    return {k: tuple(v) for k, v in found.items()}


def full_version(connection: Connection, name: str, row: Row, labels: tuple[str, ...] = ()) -> Version:
    """``to_version`` with the version's recorded includes read too."""
    return to_version(name, row, labels, includes_of(connection, [row.id]).get(row.id, ()))


def to_version(name: str, row: Row, labels: tuple[str, ...] = (), includes: tuple[dict, ...] = ()) -> Version:
    setup = dict(row.chat or {})
    values = {"kind": row.kind, "template_format": row.template_format, "template": row.template}
    values |= {"chat": row.chat, "config": row.config}
    return Version(
        name=name,
        version=row.version,
        template=row.template,
        config=dict(row.config or {}),
        version_hash=row.version_hash,
        config_hash=row.config_hash,
        parent_version=row.parent_version,
        change_summary=row.change_summary or "",
        tags=tuple(row.tags or ()),
        author=row.author or "",
        created_at=as_utc(row.created_at),
        archived=bool(row.archived),
        labels=labels,
        kind=row.kind or content.TEXT,
        template_format=row.template_format or "simple",
        messages=tuple(setup.get("messages") or ()),
        tools=tuple(setup.get("tools") or ()),
        response_format=setup.get("response_format"),
        includes=includes,
        content_hash=row.content_hash or content.content_hash(values),
    )
