"""Scores of a group of traces (a conversation, a turn), summed up per score name.

A score counts for a trace when it is on the trace or on one of its spans (``scores.trace_id`` is
filled for span scores once the span is stored). Numbers average, booleans count the true ones,
categories count each category.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from otel_llm.storage.schema_scores import scores

CHUNK = 500


@dataclass
class ScoreSummary:
    name: str
    data_type: str
    count: int = 0
    total: float = 0.0
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count and self.data_type != "categorical" else None

    def display(self) -> str:
        """``4.25`` for numbers, ``2/3 true`` for booleans, ``friendly ×3`` for categories."""
        if self.data_type == "boolean":
            return f"{self.total:g}/{self.count} true"
        if self.data_type == "categorical":
            return ", ".join(f"{name} ×{n}" for name, n in self.categories.most_common(3))
        return f"{round(self.mean or 0.0, 2):g}"

    def add(self, value: float | None, string_value: str | None) -> None:
        self.count += 1
        if self.data_type == "categorical":
            self.categories[string_value or ""] += 1
        else:
            self.total += value or 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "count": self.count,
            "mean": self.mean,
            "categories": dict(self.categories),
            "display": self.display(),
        }


def summaries(conn, project_id: int, groups: Mapping[str, Iterable[str]]) -> dict[str, list[ScoreSummary]]:
    """``{group: [ScoreSummary by name]}`` for groups of trace ids (``{session_id: trace_ids}``)."""
    group_of: dict[str, list[str]] = {}
    for group, trace_ids in groups.items():
        for trace_id in trace_ids:
            group_of.setdefault(trace_id, []).append(group)
    found: dict[str, dict[str, ScoreSummary]] = {group: {} for group in groups}
    wanted = sorted(group_of)
    for start in range(0, len(wanted), CHUNK):
        stmt = select(
            scores.c.trace_id, scores.c.name, scores.c.data_type, scores.c.value, scores.c.string_value
        ).where(scores.c.project_id == project_id, scores.c.trace_id.in_(wanted[start : start + CHUNK]))
        for row in conn.execute(stmt.order_by(scores.c.id)):
            for group in group_of[row.trace_id]:
                summary = found[group].setdefault(row.name, ScoreSummary(row.name, row.data_type))
                summary.add(row.value, row.string_value)
    return {group: sorted(by_name.values(), key=lambda s: s.name) for group, by_name in found.items()}
