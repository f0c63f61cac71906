"""The dataset items an evaluation runs on, through the datasets service (``otel_llm.datasets``)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from otel_llm.evaluation.answers import DatasetItem
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.storage.schema import projects


def project_id_of(engine: Engine, project: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
    if found is None:
        raise EvaluationError(f"project {project!r} does not exist.")
    return int(found)


def load_items(engine: Engine, project_id: int, ref: str) -> tuple[str, int, list[DatasetItem]]:
    """(dataset name, version, items) of ``NAME`` (its latest version) or ``NAME@vN``."""
    raise EvaluationError("datasets are not available yet")
