"""Projects: the unit of isolation. Every span, prompt, experiment and key belongs to one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from otel_llm.accounts.errors import InvalidName, ProjectExists, ProjectNotFound
from otel_llm.storage.schema import projects, spans
from otel_llm.storage.timeutil import as_utc

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    created_at: datetime | None


def validate_name(name: str) -> str:
    """The name, stripped, if it is 1–100 letters, digits, ``.``, ``_`` or ``-`` (first: letter/digit)."""
    cleaned = (name or "").strip()
    if not NAME_PATTERN.match(cleaned):
        raise InvalidName(
            f"invalid project name {name!r}: use 1–100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. 'support-bot')."
        )
    return cleaned


def create_project(engine: Engine, name: str) -> Project:
    """Create project ``name``; ``ProjectExists`` if it is taken."""
    name = validate_name(name)
    try:
        with engine.begin() as connection:
            connection.execute(insert(projects).values(name=name))
    except IntegrityError as exc:
        raise ProjectExists(f"project {name!r} already exists.") from exc
    project = get_project(engine, name)
    assert project is not None
    return project


def get_project(engine: Engine, name: str) -> Project | None:
    with engine.connect() as connection:
        row = connection.execute(select(projects).where(projects.c.name == name)).first()
    return _project(row) if row is not None else None


def require_project(engine: Engine, name: str) -> Project:
    """Project ``name``; ``ProjectNotFound`` (saying how to create it) if missing."""
    project = get_project(engine, name)
    if project is None:
        raise ProjectNotFound(name)
    return project


def list_projects(engine: Engine) -> list[Project]:
    with engine.connect() as connection:
        rows = connection.execute(select(projects).order_by(projects.c.name)).all()
    return [_project(r) for r in rows]


def span_counts(engine: Engine) -> dict[int, int]:
    """Stored spans per project id (for listings)."""
    stmt = select(spans.c.project_id, func.count()).group_by(spans.c.project_id)
    with engine.connect() as connection:
        return {pid: n for pid, n in connection.execute(stmt)}


def _project(row) -> Project:
    return Project(id=row.id, name=row.name, created_at=as_utc(row.created_at))
