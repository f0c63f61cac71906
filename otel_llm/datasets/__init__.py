"""Datasets: project-level, versioned collections of test items for experiments and evaluations.

An item has an input — chat ``messages`` (``[{"role": "user", "content": "..."}]``) or ``variables``
for a prompt template — an optional ``expected_output``, ``metadata``, and, when it was taken from a
stored span, that span's trace and span ids. Every edit makes a new version; a version's items never
change, so a run that records the version's id (``DatasetVersion.id``) can always be resolved again
to exactly what it ran.

The service (``otel_llm.datasets.service``; engine and project id first):

- ``create(engine, project_id, name, description="", items=(), actor="") -> Dataset`` (version 1),
- ``list_datasets(engine, project_id)``, ``get(engine, project_id, name)``,
  ``versions(engine, project_id, name)`` (newest first),
- ``add_items(..., name, items)``, ``update_item(..., name, item_id, item)``,
  ``remove_items(..., name, item_ids)``: each returns the new ``DatasetVersion``,
- ``resolve(engine, project_id, name, version=None) -> list[DatasetItem]`` (None: current version),
- ``snapshot(engine, project_id, name, version=None) -> Snapshot`` (dataset, version, items): what a
  run takes; it records ``snapshot.version.id`` and resumes with ``snapshot_by_version_id``.

``parse_ref("support-qa@v3")`` reads a ``NAME[@vN]`` reference.
"""

from otel_llm.datasets.errors import (
    DatasetError,
    DatasetExists,
    DatasetNotFound,
    InvalidItem,
    ItemNotFound,
    VersionNotFound,
)
from otel_llm.datasets.model import (
    Dataset,
    DatasetItem,
    DatasetVersion,
    ItemSpec,
    Snapshot,
    parse_ref,
    validate_item,
)
from otel_llm.datasets.service import (
    add_items,
    create,
    get,
    list_datasets,
    remove_items,
    resolve,
    snapshot,
    snapshot_by_version_id,
    update_item,
    versions,
)

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetExists",
    "DatasetItem",
    "DatasetNotFound",
    "DatasetVersion",
    "InvalidItem",
    "ItemNotFound",
    "ItemSpec",
    "Snapshot",
    "VersionNotFound",
    "add_items",
    "create",
    "get",
    "list_datasets",
    "parse_ref",
    "remove_items",
    "resolve",
    "snapshot",
    "snapshot_by_version_id",
    "update_item",
    "validate_item",
    "versions",
]
