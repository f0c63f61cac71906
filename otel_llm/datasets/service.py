"""The datasets service: the one place the CLI, the console, the API and runs create, read and edit
datasets. Every function takes an engine and the project's id.

Every edit (``add_items``, ``update_item``, ``remove_items``) makes a new version and returns it;
item rows are never changed afterwards except to record the version they were removed in, so
``resolve`` gives the same items for a version whenever it is asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm.datasets.errors import DatasetExists, DatasetNotFound, ItemNotFound, VersionNotFound
from otel_llm.datasets.model import (
    Dataset,
    DatasetItem,
    DatasetVersion,
    ItemSpec,
    Snapshot,
    validate_item,
    validate_name,
)
from otel_llm.storage.schema_datasets import dataset_items, dataset_versions, datasets
from otel_llm.storage.timeutil import as_utc


def create(
    engine: Engine,
    project_id: int,
    name: str,
    description: str = "",
    items: Sequence[ItemSpec] = (),
    actor: str = "",
) -> Dataset:
    """A new dataset at version 1 (holding ``items``, possibly none); ``DatasetExists`` if the
    project has one by that name."""
    name = validate_name(name)
    checked = [validate_item(i) for i in items]
    try:
        with engine.begin() as conn:
            create_in(conn, project_id, name, description, checked, actor)
    except IntegrityError as exc:
        raise DatasetExists(f"dataset {name!r} already exists in this project; pick another name.") from exc
    return get(engine, project_id, name)


def create_in(
    conn: Connection, project_id: int, name: str, description: str, items: Sequence[ItemSpec], actor: str
) -> int:
    """``create`` on an open transaction (validated input), for services that make a dataset along
    with their own rows (an experiment's test cases); returns the dataset id."""
    dataset_id = conn.execute(
        insert(datasets)
        .values(project_id=project_id, name=name, description=description or "", current_version=0)
        .returning(datasets.c.id)
    ).scalar_one()
    change = f"created with {_count(len(items))}" if items else "created"
    _new_version(conn, dataset_id, change, actor, added=items)
    return dataset_id


def list_datasets(engine: Engine, project_id: int) -> list[Dataset]:
    """The project's datasets by name, each with its current version and item count."""
    with engine.connect() as conn:
        rows = conn.execute(
            _dataset_select().where(datasets.c.project_id == project_id).order_by(datasets.c.name)
        )
        return [_dataset(r) for r in rows]


def get(engine: Engine, project_id: int, name: str) -> Dataset:
    """Dataset ``name``; ``DatasetNotFound`` if the project has none by that name."""
    with engine.connect() as conn:
        return _dataset(_row(conn, project_id, name))


def get_by_id(conn: Connection, project_id: int, dataset_id: int) -> Dataset:
    """The project's dataset with this id (experiments keep the id)."""
    row = conn.execute(
        _dataset_select().where(datasets.c.project_id == project_id, datasets.c.id == dataset_id)
    ).first()
    if row is None:
        raise DatasetNotFound(f"#{dataset_id}")
    return _dataset(row)


def versions(engine: Engine, project_id: int, name: str) -> list[DatasetVersion]:
    """Every version of the dataset, newest first."""
    with engine.connect() as conn:
        dataset_id = _row(conn, project_id, name).id
        rows = conn.execute(
            select(dataset_versions)
            .where(dataset_versions.c.dataset_id == dataset_id)
            .order_by(dataset_versions.c.number.desc())
        )
        return [_version(r) for r in rows]


def add_items(
    engine: Engine, project_id: int, name: str, items: Sequence[ItemSpec], actor: str = ""
) -> DatasetVersion:
    """Add items (all or none) as a new version."""
    checked = [validate_item(i) for i in items]
    if not checked:
        raise ItemNotFound("no items to add; give at least one.")
    with engine.begin() as conn:
        dataset_id = _row(conn, project_id, name).id
        return _new_version(conn, dataset_id, f"added {_count(len(checked))}", actor, added=checked)


def add_items_in(
    conn: Connection, project_id: int, dataset_id: int, items: Sequence[ItemSpec], actor: str = ""
) -> DatasetVersion:
    """``add_items`` on an open transaction, the dataset given by id (validated input)."""
    get_by_id(conn, project_id, dataset_id)
    return _new_version(conn, dataset_id, f"added {_count(len(items))}", actor, added=items)


def update_item(
    engine: Engine, project_id: int, name: str, item_id: int, item: ItemSpec, actor: str = ""
) -> tuple[DatasetVersion, DatasetItem]:
    """Replace item ``item_id`` of the current version by ``item``: a new version in which the new
    content has a new id. Returns the version and the new item."""
    checked = validate_item(item)
    with engine.begin() as conn:
        dataset = _dataset(_row(conn, project_id, name, lock=True))
        _require_current(conn, dataset, [item_id])
        version = _new_version(
            conn,
            dataset.id,
            f"changed item {item_id}",
            actor,
            added=[checked],
            removed=[item_id],
            replaces=item_id,
        )
        new = conn.execute(
            select(dataset_items).where(
                dataset_items.c.dataset_id == dataset.id, dataset_items.c.replaces_id == item_id
            )
        ).one()
    return version, _item(new)


def remove_items(
    engine: Engine, project_id: int, name: str, item_ids: Sequence[int], actor: str = ""
) -> DatasetVersion:
    """Remove items of the current version (all or none) as a new version; earlier versions keep them."""
    ids = sorted(set(int(i) for i in item_ids))
    if not ids:
        raise ItemNotFound("no items to remove; give at least one item id.")
    with engine.begin() as conn:
        dataset = _dataset(_row(conn, project_id, name, lock=True))
        _require_current(conn, dataset, ids)
        change = f"removed item {ids[0]}" if len(ids) == 1 else f"removed {len(ids)} items"
        return _new_version(conn, dataset.id, change, actor, removed=ids)


def snapshot(engine: Engine, project_id: int, name: str, version: int | None = None) -> Snapshot:
    """The dataset, version ``version`` (the current one when None) and exactly its items."""
    with engine.connect() as conn:
        dataset = _dataset(_row(conn, project_id, name))
        return _snapshot(conn, dataset, version)


def resolve(engine: Engine, project_id: int, name: str, version: int | None = None) -> list[DatasetItem]:
    """The items of version ``version`` of dataset ``name`` (the current version when None)."""
    return snapshot(engine, project_id, name, version).items


def snapshot_by_version_id(conn: Connection, project_id: int, version_id: int) -> Snapshot:
    """The snapshot a run recorded (``DatasetVersion.id``), on an open connection."""
    row = conn.execute(select(dataset_versions).where(dataset_versions.c.id == version_id)).first()
    if row is None:
        raise VersionNotFound(f"dataset version #{version_id} does not exist.")
    return _snapshot(conn, get_by_id(conn, project_id, row.dataset_id), row.number)


def snapshot_by_id(
    conn: Connection, project_id: int, dataset_id: int, version: int | None = None
) -> Snapshot:
    """``snapshot`` on an open connection, the dataset given by id."""
    return _snapshot(conn, get_by_id(conn, project_id, dataset_id), version)


def snapshot_in(conn: Connection, project_id: int, name: str, version: int | None = None) -> Snapshot:
    """``snapshot`` on an open connection."""
    return _snapshot(conn, _dataset(_row(conn, project_id, name)), version)


def exists(conn: Connection, project_id: int, name: str) -> bool:
    found = select(datasets.c.id).where(datasets.c.project_id == project_id, datasets.c.name == name)
    return conn.execute(found).first() is not None


def version_in(
    conn: Connection, project_id: int, dataset_id: int, number: int | None = None
) -> DatasetVersion:
    """Version ``number`` (the current one when None) of the dataset with this id, without its items."""
    dataset = get_by_id(conn, project_id, dataset_id)
    return _version(_version_row(conn, dataset, number))


def _snapshot(conn: Connection, dataset: Dataset, version: int | None) -> Snapshot:
    row = _version_row(conn, dataset, version)
    rows = conn.execute(
        select(dataset_items).where(_in_version(dataset.id, row.number)).order_by(dataset_items.c.id)
    )
    return Snapshot(dataset, _version(row), [_item(r) for r in rows])


def _version_row(conn: Connection, dataset: Dataset, version: int | None):
    number = dataset.current_version if version is None else int(version)
    row = conn.execute(
        select(dataset_versions).where(
            dataset_versions.c.dataset_id == dataset.id, dataset_versions.c.number == number
        )
    ).first()
    if row is None:
        raise VersionNotFound(
            f"dataset {dataset.name!r} has no version {number}; its versions are 1 to {dataset.current_version}."
        )
    return row


def _in_version(dataset_id: int, number: int):
    c = dataset_items.c
    return and_(
        c.dataset_id == dataset_id,
        c.added_in <= number,
        or_(c.removed_in.is_(None), c.removed_in > number),
    )


def _require_current(conn: Connection, dataset: Dataset, ids: Sequence[int]) -> None:
    found = set(
        conn.execute(
            select(dataset_items.c.id).where(
                _in_version(dataset.id, dataset.current_version), dataset_items.c.id.in_(ids)
            )
        ).scalars()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise ItemNotFound(
            f"dataset {dataset.name!r} has no item {listed} in its current version "
            f"(v{dataset.current_version}); `otel-llm datasets show {dataset.name}` lists its items."
        )


def _new_version(
    conn: Connection,
    dataset_id: int,
    change: str,
    actor: str,
    added: Sequence[ItemSpec] = (),
    removed: Sequence[int] = (),
    replaces: int | None = None,
) -> DatasetVersion:
    """Bump the dataset's version (the UPDATE locks its row, so concurrent edits take turns) and
    record what changed."""
    number = conn.execute(
        update(datasets)
        .where(datasets.c.id == dataset_id)
        .values(current_version=datasets.c.current_version + 1)
        .returning(datasets.c.current_version)
    ).scalar_one()
    if removed:
        conn.execute(
            update(dataset_items)
            .where(dataset_items.c.dataset_id == dataset_id, dataset_items.c.id.in_(removed))
            .values(removed_in=number)
        )
    if added:
        conn.execute(insert(dataset_items), [_item_row(dataset_id, number, i, replaces) for i in added])
    count = conn.execute(select(func.count()).where(_in_version(dataset_id, number))).scalar_one()
    row = conn.execute(
        insert(dataset_versions)
        .values(dataset_id=dataset_id, number=number, change=change, actor=actor or "", item_count=count)
        .returning(*dataset_versions.c)
    ).one()
    return _version(row)


def _item_row(dataset_id: int, number: int, item: ItemSpec, replaces: int | None) -> dict:
    return {
        "dataset_id": dataset_id,
        "input": item.input,
        "expected_output": item.expected_output,
        "meta": item.metadata,
        "source_trace_id": item.source_trace_id,
        "source_span_id": item.source_span_id,
        "added_in": number,
        "replaces_id": replaces,
    }


def _dataset_select():
    count = (
        select(func.count())
        .where(_in_version(datasets.c.id, datasets.c.current_version))
        .correlate(datasets)
        .scalar_subquery()
    )
    return select(datasets, count.label("item_count"))


def _row(conn: Connection, project_id: int, name: str, lock: bool = False):
    """The dataset's row; ``lock`` (for edits) holds it until the transaction ends on Postgres
    (SQLite runs one writer at a time anyway)."""
    stmt = _dataset_select().where(
        datasets.c.project_id == project_id, datasets.c.name == (name or "").strip()
    )
    row = conn.execute(stmt.with_for_update(of=datasets) if lock else stmt).first()
    if row is None:
        raise DatasetNotFound(name)
    return row


def _dataset(row) -> Dataset:
    return Dataset(
        row.id, row.name, row.description, row.current_version, row.item_count, as_utc(row.created_at)
    )


def _version(row) -> DatasetVersion:
    return DatasetVersion(row.id, row.number, row.change, row.actor, row.item_count, as_utc(row.created_at))


def _item(row) -> DatasetItem:
    data = row.input or {}
    return DatasetItem(
        messages=data.get("messages"),
        variables=data.get("variables"),
        expected_output=row.expected_output,
        metadata=dict(row.meta or {}),
        source_trace_id=row.source_trace_id,
        source_span_id=row.source_span_id,
        id=row.id,
        added_in=row.added_in,
        replaces_id=row.replaces_id,
        created_at=as_utc(row.created_at),
    )


def _count(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def holding_span(engine: Engine, project_id: int, trace_id: str, span_id: str) -> list[tuple[str, int]]:
    """(dataset name, item id) of the current items, across the project's datasets, taken from this span."""
    c = dataset_items.c
    query = (
        select(datasets.c.name, c.id)
        .join(datasets, datasets.c.id == c.dataset_id)
        .where(
            datasets.c.project_id == project_id,
            c.source_trace_id == trace_id,
            c.source_span_id == span_id,
            c.removed_in.is_(None),
        )
        .order_by(datasets.c.name, c.id)
    )
    with engine.connect() as conn:
        return [(r.name, r.id) for r in conn.execute(query)]
