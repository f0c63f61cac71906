"""Results shaped for the page and its chart (numbers rounded for display, words kept as is)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

METRIC_LABELS = {
    "success_rate": "Success rate",
    "latency_ms": "Latency",
    "cost_usd": "Cost per call",
    "feedback_score": "Feedback score",
}


def results_view(results) -> dict[str, Any]:
    data = results.to_dict()
    for key in ("created_at", "started_at", "ended_at"):
        value = data["experiment"][key]
        data["experiment"][key] = datetime.fromisoformat(value) if value else None
    data["metric_labels"] = METRIC_LABELS
    by_variant: dict[str, list[dict[str, Any]]] = {}
    for comparison in data["comparisons"]:
        by_variant.setdefault(comparison["variant"], []).append(comparison)
    data["by_variant"] = by_variant
    data["primary"] = [c for c in data["comparisons"] if c["metric"] == results.primary_metric]
    return data


def chart_data(results) -> dict[str, Any]:
    """Per variant: mean latency and mean cost with their 95 % intervals (for Chart.js)."""
    variants = results.variants
    return {
        "experiment": results.experiment["name"],
        "status": results.experiment["status"],
        "labels": [v.name for v in variants],
        "latency": [_point(v.latency_mean_ms, v.latency_ci_ms) for v in variants],
        "cost": [_point(v.cost_mean_usd, v.cost_ci_usd) for v in variants],
        "calls": [v.calls for v in variants],
    }


def _point(mean: float | None, interval) -> dict[str, Any]:
    return {"mean": mean, "low": interval[0] if interval else None, "high": interval[1] if interval else None}
