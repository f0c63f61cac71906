"""The create form of the Experiments page: up to ``MAX_VARIANTS`` variant rows and test cases."""

from __future__ import annotations

from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import ExperimentSpec, TestCase, VariantSpec
from otel_llm.experiments.validation import case_from_text, parse_test_cases_jsonl

MAX_VARIANTS = 4
_CONFIG_FIELDS = ("provider", "model", "temperature", "max_tokens", "system_prompt", "prompt_ref")


def spec_from_form(form, author: str) -> ExperimentSpec:
    """An ``ExperimentSpec`` from the form; rows without a variant name are ignored."""
    variants = []
    control = form.get("control", "0")
    for index in range(MAX_VARIANTS):
        name = (form.get(f"v{index}_name") or "").strip()
        if not name:
            continue
        config = {key: (form.get(f"v{index}_{key}") or "").strip() for key in _CONFIG_FIELDS}
        config = {key: value for key, value in config.items() if value}
        variants.append(
            VariantSpec(name, _weight(form.get(f"v{index}_weight"), name), str(index) == control, config)
        )
    return ExperimentSpec(
        name=(form.get("name") or "").strip(),
        variants=variants,
        description=(form.get("description") or "").strip(),
        hypothesis=(form.get("hypothesis") or "").strip(),
        primary_metric=form.get("primary_metric") or "latency_ms",
        author=author,
        test_cases=cases_from_text(form.get("test_cases") or ""),
    )


def _weight(raw: str | None, name: str) -> float:
    try:
        return float((raw or "").strip())
    except ValueError as exc:
        raise ExperimentError(f"variant {name!r}: give a weight in percent (e.g. 50).") from exc


def cases_from_text(text: str) -> list[TestCase]:
    """JSONL when the text starts with ``{``, else one user message per non-empty line."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return []
    if text.startswith("{"):
        return parse_test_cases_jsonl(text)
    return [case_from_text(line.strip()) for line in text.split("\n") if line.strip()]
