"""An experiment with two variants and a test case in the other project.

It is named like the prompts seed's prompt ("support-bot"), because both areas address objects by
the path variable ``name`` and the seeds' values are merged into one mapping."""

from __future__ import annotations

from otel_llm.experiments import service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.experiments.validation import case_from_text


def seed(engine, project_name: str, marker: str) -> dict[str, str]:
    spec = ExperimentSpec(
        name="support-bot",
        description=f"secret comparison {marker}",
        variants=[
            VariantSpec(
                "a", 50, True, {"provider": "openai", "model": "gpt-4o-mini", "system_prompt": marker}
            ),
            VariantSpec("b", 50, False, {"provider": "anthropic", "model": "claude-3-5-haiku-latest"}),
        ],
        test_cases=[case_from_text(f"question {marker}")],
    )
    service.create_experiment(engine, project_name, spec)
    return {"name": "support-bot"}
