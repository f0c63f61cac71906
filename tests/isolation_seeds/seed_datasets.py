"""A dataset with one item in the other project (marker in its description and the item's text)."""

from __future__ import annotations

from otel_llm import datasets
from otel_llm.accounts.projects import get_project


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = get_project(engine, project_name).id
    item = datasets.ItemSpec(
        messages=[{"role": "user", "content": f"question {marker}"}], expected_output=marker
    )
    datasets.create(engine, project_id, "support-qa", f"dataset {marker}", [item], actor="bravo-admin")
    [stored] = datasets.resolve(engine, project_id, "support-qa")
    return {"dataset": "support-qa", "item_id": str(stored.id)}
