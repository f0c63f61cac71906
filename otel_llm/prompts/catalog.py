"""The list of a project's prompts, and the project lookups the CLI and the SDK share."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, func, select

from otel_llm.prompts.errors import PromptNotFound
from otel_llm.prompts.models import PromptSummary
from otel_llm.storage.schema import projects
from otel_llm.storage.schema_prompts import prompt_labels, prompt_versions, prompts
from otel_llm.storage.timeutil import as_utc
from otel_llm.storage.writer import ensure_project


def project_id(engine: Engine, name: str, *, create: bool = False) -> int:
    """Id of project ``name``; created when ``create`` (as the exporter does), else must exist."""
    if create:
        with engine.begin() as connection:
            return ensure_project(connection, name)
    with engine.connect() as connection:
        found = connection.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
    if found is None:
        raise PromptNotFound(f"project {name!r} does not exist; no prompts are stored for it yet.")
    return found


def list_prompts(engine: Engine, project_id: int) -> list[PromptSummary]:
    """Every prompt of the project, by name, with version count, latest, published and labels."""
    stats = (
        select(
            prompt_versions.c.prompt_id,
            func.count().label("versions"),
            func.max(prompt_versions.c.version).label("latest"),
            func.max(prompt_versions.c.created_at).label("updated_at"),
        )
        .group_by(prompt_versions.c.prompt_id)
        .subquery()
    )
    stmt = (
        select(
            prompts.c.id,
            prompts.c.name,
            prompts.c.created_at,
            stats.c.versions,
            stats.c.latest,
            stats.c.updated_at,
        )
        .select_from(prompts.outerjoin(stats, stats.c.prompt_id == prompts.c.id))
        .where(prompts.c.project_id == project_id)
        .order_by(prompts.c.name)
    )
    with engine.connect() as connection:
        rows = connection.execute(stmt).all()
        labels = _labels(connection, [r.id for r in rows])
    return [
        PromptSummary(
            name=r.name,
            versions=r.versions or 0,
            latest_version=r.latest,
            published_version=labels[r.id].get("production"),
            labels=labels[r.id],
            created_at=as_utc(r.created_at),
            updated_at=as_utc(r.updated_at),
        )
        for r in rows
    ]


def _labels(connection, prompt_ids: list[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    if prompt_ids:
        stmt = (
            select(prompt_labels)
            .where(prompt_labels.c.prompt_id.in_(prompt_ids))
            .order_by(prompt_labels.c.label)
        )
        for row in connection.execute(stmt):
            found[row.prompt_id][row.label] = row.version
    return found
