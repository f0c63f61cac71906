"""An experiment's test cases are the items of a dataset (``otel_llm.datasets``): ``<experiment>-cases``
when the experiment was given test cases, or a dataset it was created with (``--dataset NAME[@vN]``),
at a pinned version or at the dataset's current one. Adding test cases adds items to that dataset (a
new version); a run records the version it ran (``snapshot``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, update

from otel_llm.datasets import DatasetError, DatasetItem, ItemSpec, Snapshot
from otel_llm.datasets import service as datasets
from otel_llm.datasets.model import parse_ref
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import TestCase
from otel_llm.storage.schema_experiments import experiments

ACTOR = "experiments"


def cases_dataset_name(experiment: str) -> str:
    return f"{experiment}-cases"


def as_item(case: TestCase) -> ItemSpec:
    return ItemSpec(messages=case.messages, expected_output=case.reference_output)


def as_case(item: DatasetItem) -> TestCase:
    if item.messages is None:
        raise ExperimentError(
            f"dataset item {item.id} holds prompt variables, not messages; an experiment sends messages "
            "(give its variants a prompt_ref and run it with `otel-llm eval run`)."
        )
    return TestCase(list(item.messages), item.expected_output, item.id)


def attach_new(conn: Connection, row, cases: Sequence[TestCase]) -> None:
    """Store ``cases`` as the new experiment's dataset ``<experiment>-cases``."""
    if not cases:
        return
    name = cases_dataset_name(row.name)
    if datasets.exists(conn, row.project_id, name):
        raise ExperimentError(
            f"dataset {name!r} already exists; give the experiment that dataset (--dataset {name}) "
            "instead of test cases, or pick another experiment name."
        )
    items = [as_item(c) for c in cases]
    dataset_id = datasets.create_in(
        conn, row.project_id, name, f"Test cases of experiment {row.name}.", items, ACTOR
    )
    _point(conn, row.id, dataset_id, None)


def attach_existing(conn: Connection, row, ref: str) -> None:
    """Make dataset ``NAME[@vN]`` the experiment's test cases (pinned to vN when given)."""
    try:
        name, version = parse_ref(ref)
        found = datasets.snapshot_in(conn, row.project_id, name, version)
    except DatasetError as exc:
        raise ExperimentError(str(exc)) from exc
    for item in found.items:
        as_case(item)
    _point(conn, row.id, found.dataset.id, version)


def add(conn: Connection, row, cases: Sequence[TestCase]) -> int:
    """Add ``cases`` to the experiment's dataset (creating ``<experiment>-cases`` if it has none);
    a pinned version moves to the new one. Returns how many test cases it now has."""
    if row.dataset_id is None:
        attach_new(conn, row, cases)
        return len(cases)
    version = datasets.add_items_in(conn, row.project_id, row.dataset_id, [as_item(c) for c in cases], ACTOR)
    if row.dataset_version is not None:
        _point(conn, row.id, row.dataset_id, version.number)
    return version.item_count


def snapshot(conn: Connection, row) -> Snapshot | None:
    """The dataset version the experiment's test cases are now; None when it has none."""
    if row.dataset_id is None:
        return None
    try:
        return datasets.snapshot_by_id(conn, row.project_id, row.dataset_id, row.dataset_version)
    except DatasetError as exc:
        raise ExperimentError(str(exc)) from exc


def test_cases(conn: Connection, row) -> tuple[int | None, list[TestCase]]:
    """(dataset version id, test cases) of the experiment row."""
    found = snapshot(conn, row)
    if found is None:
        return None, []
    return found.version.id, [as_case(i) for i in found.items]


def dataset_name(conn: Connection, row) -> str | None:
    if row.dataset_id is None:
        return None
    try:
        return datasets.get_by_id(conn, row.project_id, row.dataset_id).name
    except DatasetError:
        return None


def count(conn: Connection, row) -> int:
    if row.dataset_id is None:
        return 0
    try:
        return datasets.version_in(conn, row.project_id, row.dataset_id, row.dataset_version).item_count
    except DatasetError:
        return 0


def _point(conn: Connection, experiment_id: int, dataset_id: int, version: int | None) -> None:
    conn.execute(
        update(experiments)
        .where(experiments.c.id == experiment_id)
        .values(dataset_id=dataset_id, dataset_version=version)
    )
