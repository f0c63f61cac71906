"""What an experiment is: variants with a model config and traffic weight, and test cases."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

METRICS = ("success_rate", "latency_ms", "cost_usd", "feedback_score")
"""Metrics an experiment can take as primary. Success rate and feedback: higher is better;
latency and cost: lower is better."""

HIGHER_IS_BETTER = {"success_rate": True, "latency_ms": False, "cost_usd": False, "feedback_score": True}

CONFIG_KEYS = ("provider", "model", "temperature", "max_tokens", "system_prompt", "prompt_ref")


@dataclass(frozen=True)
class VariantSpec:
    """A variant: its name, traffic weight (percent), whether it is the control, and model config."""

    name: str
    weight: float
    is_control: bool = False
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TestCase:
    """Input messages (``[{"role": "user", "content": "..."}]``) and an optional reference output."""

    __test__ = False  # not a pytest class

    messages: list[dict[str, str]]
    reference_output: str | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ExperimentSpec:
    """What ``create`` needs; validated by ``validation.validate_spec``."""

    name: str
    variants: list[VariantSpec]
    description: str = ""
    hypothesis: str = ""
    primary_metric: str = "latency_ms"
    author: str = ""
    test_cases: list[TestCase] = field(default_factory=list)
    dataset: str | None = None  # NAME or NAME@vN: an existing dataset as the test cases


@dataclass(frozen=True)
class Experiment:
    """A stored experiment with its variants (in their order)."""

    id: int
    name: str
    description: str
    hypothesis: str
    status: str
    primary_metric: str
    author: str
    winner: str | None
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    variants: list[VariantSpec]
    test_case_count: int = 0
    dataset: str | None = None  # the dataset holding the test cases
    dataset_version: int | None = None  # pinned version; None: the dataset's current version

    @property
    def control(self) -> VariantSpec:
        return next(v for v in self.variants if v.is_control)

    def variant(self, name: str) -> VariantSpec | None:
        return next((v for v in self.variants if v.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "started_at", "ended_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data
