"""An evaluation run and an online rule in the other project (marker in the run's dataset item and
answer, and in the rule's model filter)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from otel_llm import datasets
from otel_llm.accounts.projects import get_project
from otel_llm.storage.schema_evaluations import eval_rules, eval_run_items, eval_runs


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    project_id = get_project(engine, project_name).id
    item = datasets.ItemSpec(
        messages=[{"role": "user", "content": f"question {marker}"}], expected_output=marker
    )
    datasets.create(engine, project_id, f"eval-{project_id}", items=[item])
    snapshot = datasets.snapshot(engine, project_id, f"eval-{project_id}")
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(eval_runs)
            .values(
                project_id=project_id, dataset=snapshot.dataset.name, dataset_version=1,
                dataset_version_id=snapshot.version.id, variants=[{"name": "a", "model": "gpt-4o-mini"}],
                evaluators=[{"name": "exact", "version": "1", "kind": "boolean", "low": 0, "high": 1}],
                status="completed",
            )
            .returning(eval_runs.c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(
            insert(eval_run_items).values(
                run_id=run_id, item_id=snapshot.items[0].id, variant="a", repeat_index=0, status="ok",
                output=f"answer {marker}",
            )
        )  # fmt: skip
        rule_id = conn.execute(
            insert(eval_rules)
            .values(project_id=project_id, name=f"rule-{project_id}", evaluator="json", model=f"model-{marker}",
                    sample_percent=10.0, actor="seed", cursor_time=datetime.now(UTC))
            .returning(eval_rules.c.id)
        ).scalar_one()  # fmt: skip
    return {"run_id": str(run_id), "rule_id": str(rule_id)}
