"""The experiments service: the one place the SDK, the CLI and the console create, read and change
experiments. Every function takes an engine and a project name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm.experiments import cases as test_case_store
from otel_llm.experiments.errors import (
    ExperimentError,
    ExperimentExists,
    ExperimentNotFound,
    InvalidTransition,
)
from otel_llm.experiments.model import Experiment, ExperimentSpec, TestCase, VariantSpec
from otel_llm.experiments.validation import validate_spec, validate_test_case
from otel_llm.storage.schema import projects
from otel_llm.storage.schema_experiments import experiment_variants, experiments
from otel_llm.storage.timeutil import as_utc
from otel_llm.storage.writer import ensure_project

# status → the statuses it may be moved to by start / stop / promote
_STARTABLE = ("draft", "stopped")
_STOPPABLE = ("running",)
_PROMOTABLE = ("draft", "running", "stopped")


def create_experiment(engine: Engine, project: str, spec: ExperimentSpec) -> Experiment:
    """Store a validated experiment (status ``draft``) with its variants and test cases."""
    spec = validate_spec(spec)
    try:
        with engine.begin() as conn:
            project_id = ensure_project(conn, project)
            experiment_id = conn.execute(
                insert(experiments)
                .values(
                    project_id=project_id,
                    name=spec.name,
                    description=spec.description,
                    hypothesis=spec.hypothesis,
                    primary_metric=spec.primary_metric,
                    author=spec.author,
                    status="draft",
                )
                .returning(experiments.c.id)
            ).scalar_one()
            _insert_variants(conn, experiment_id, spec.variants)
            if spec.dataset:
                test_case_store.attach_existing(conn, _row_by_id(conn, experiment_id), spec.dataset)
            if spec.test_cases:
                test_case_store.add(conn, _row_by_id(conn, experiment_id), spec.test_cases)
    except IntegrityError as exc:
        raise ExperimentExists(
            f"experiment {spec.name!r} already exists in project {project!r}; pick another name."
        ) from exc
    return get_experiment(engine, project, spec.name)


def _insert_variants(conn: Connection, experiment_id: int, variants: Sequence[VariantSpec]) -> None:
    conn.execute(
        insert(experiment_variants),
        [
            {
                "experiment_id": experiment_id,
                "position": index,
                "name": v.name,
                "is_control": v.is_control,
                "weight": v.weight,
                "config": v.config,
            }
            for index, v in enumerate(variants)
        ],
    )


def list_experiments(engine: Engine, project: str) -> list[Experiment]:
    """The project's experiments, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(experiments)
            .join(projects, projects.c.id == experiments.c.project_id)
            .where(projects.c.name == project)
            .order_by(experiments.c.created_at.desc(), experiments.c.id.desc())
        ).all()
        return [_experiment(conn, row) for row in rows]


def get_experiment(engine: Engine, project: str, name: str) -> Experiment:
    """The experiment ``name``; ``ExperimentNotFound`` if the project has none by that name."""
    with engine.connect() as conn:
        return _experiment(conn, _row(conn, project, name))


def load(conn: Connection, project: str, name: str) -> tuple[int, Experiment]:
    """(project id, experiment) read on an open connection (results use one connection throughout)."""
    row = _row(conn, project, name)
    return row.project_id, _experiment(conn, row)


def _row(conn: Connection, project: str, name: str):
    row = conn.execute(
        select(experiments)
        .join(projects, projects.c.id == experiments.c.project_id)
        .where(projects.c.name == project, experiments.c.name == name)
    ).first()
    if row is None:
        raise ExperimentNotFound(name, project)
    return row


def _row_by_id(conn: Connection, experiment_id: int):
    return conn.execute(select(experiments).where(experiments.c.id == experiment_id)).one()


def _experiment(conn: Connection, row) -> Experiment:
    variants = conn.execute(
        select(experiment_variants)
        .where(experiment_variants.c.experiment_id == row.id)
        .order_by(experiment_variants.c.position)
    ).all()
    return Experiment(
        id=row.id,
        name=row.name,
        description=row.description,
        hypothesis=row.hypothesis,
        status=row.status,
        primary_metric=row.primary_metric,
        author=row.author,
        winner=row.winner,
        created_at=as_utc(row.created_at),
        started_at=as_utc(row.started_at),
        ended_at=as_utc(row.ended_at),
        variants=[VariantSpec(v.name, v.weight, bool(v.is_control), dict(v.config)) for v in variants],
        test_case_count=test_case_store.count(conn, row),
        dataset=test_case_store.dataset_name(conn, row),
        dataset_version=row.dataset_version,
    )


def add_test_cases(engine: Engine, project: str, name: str, cases: Sequence[TestCase]) -> int:
    """Append test cases (all or none) to the experiment's dataset, as a new version of it; returns
    how many test cases the experiment now has."""
    checked = [validate_test_case(c) for c in cases]
    with engine.begin() as conn:
        return test_case_store.add(conn, _row(conn, project, name), checked)


def list_test_cases(engine: Engine, project: str, name: str) -> list[TestCase]:
    """The experiment's test cases: the items of its dataset version (ids are dataset item ids)."""
    return test_cases_with_version(engine, project, name)[1]


def test_cases_with_version(engine: Engine, project: str, name: str) -> tuple[int | None, list[TestCase]]:
    """(dataset version id, test cases): what a run runs and records."""
    with engine.connect() as conn:
        return test_case_store.test_cases(conn, _row(conn, project, name))


def start(engine: Engine, project: str, name: str) -> Experiment:
    """``draft``/``stopped`` → ``running``: the SDK starts splitting traffic."""
    return _transition(engine, project, name, _STARTABLE, {"status": "running"}, set_start=True)


def stop(engine: Engine, project: str, name: str) -> Experiment:
    """``running`` → ``stopped``: the SDK serves the control again."""
    return _transition(engine, project, name, _STOPPABLE, {"status": "stopped", "ended_at": _now()})


def promote(engine: Engine, project: str, name: str, variant: str) -> Experiment:
    """End the experiment and make ``variant`` what the SDK serves from now on."""
    experiment = get_experiment(engine, project, name)
    if experiment.variant(variant) is None:
        names = ", ".join(v.name for v in experiment.variants)
        raise ExperimentError(f"experiment {name!r} has no variant {variant!r}; its variants are {names}.")
    values = {"status": "completed", "winner": variant, "ended_at": _now()}
    return _transition(engine, project, name, _PROMOTABLE, values)


def _transition(
    engine: Engine,
    project: str,
    name: str,
    allowed: tuple[str, ...],
    values: dict[str, Any],
    set_start: bool = False,
) -> Experiment:
    with engine.begin() as conn:
        row = _row(conn, project, name)
        if set_start:
            values = {**values, "started_at": row.started_at or _now(), "ended_at": None}
        changed = conn.execute(
            update(experiments)
            .where(experiments.c.id == row.id, experiments.c.status.in_(allowed))
            .values(**values)
        ).rowcount
    if not changed:
        raise InvalidTransition(
            f"experiment {name!r} is {row.status}; only a {' or '.join(allowed)} experiment can become "
            f"{values['status']}."
        )
    return get_experiment(engine, project, name)


def sdk_config(engine: Engine, project: str, name: str) -> dict[str, Any]:
    """What the in-app client needs to assign units: status, winner and the variants."""
    experiment = get_experiment(engine, project, name)
    return {
        "name": experiment.name,
        "status": experiment.status,
        "winner": experiment.winner,
        "variants": [v.to_dict() for v in experiment.variants],
    }


def _now() -> datetime:
    return datetime.now(UTC)
