"""What an evaluation run says: per variant and evaluator, n and the mean or pass rate with a 95 %
interval; each variant against the baseline (the first variant), paired on the items both ran, with
Holm's correction across every comparison of the run; and the items side by side.

Higher scores are better for every evaluator (pass = 1, fail = 0). Imports scipy (server side).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from otel_llm.evaluation import stats
from otel_llm.evaluation.base import BOOLEAN
from otel_llm.evaluation.errors import RunNotFound
from otel_llm.evaluation.wording import describe
from otel_llm.storage.schema_evaluations import eval_run_items, eval_run_results, eval_runs
from otel_llm.storage.schema_scores import scores


@dataclass
class Cell:
    """One variant on one evaluator."""

    variant: str
    evaluator: str
    kind: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    errors: int


@dataclass
class Verdict:
    evaluator: str
    baseline: str
    candidate: str
    comparison: stats.Comparison
    significant: bool
    better: bool | None
    summary: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["comparison"] = asdict(self.comparison)
        return data


@dataclass
class RunResults:
    run: dict[str, Any]
    cells: list[Cell]
    verdicts: list[Verdict]
    cost_usd: dict[str, float] = field(default_factory=dict)  # per variant, judge calls included
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)  # evaluator → histogram

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "cells": [asdict(c) for c in self.cells],
            "comparisons": [v.to_dict() for v in self.verdicts],
            "cost_usd": self.cost_usd,
            "distributions": self.distributions,
        }


def load_run(engine: Engine, project_id: int, run_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(eval_runs).where(eval_runs.c.id == run_id, eval_runs.c.project_id == project_id)
        ).first()
    if row is None:
        raise RunNotFound(
            f"there is no evaluation run {run_id} in this project; list them with `otel-llm eval list`."
        )
    run = dict(row._mapping)
    for key in ("started_at", "finished_at"):
        run[key] = run[key].isoformat() if run[key] else None
    return run


@dataclass
class Aggregate:
    """A run's results in one pass: per (evaluator, variant) each item's mean over its repeats, the
    evaluator errors, and what judge calls cost per variant."""

    means: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    errors: dict[tuple[str, str], int] = field(default_factory=dict)
    judge_cost: dict[str, float] = field(default_factory=dict)


def aggregate(conn, run_id: int) -> Aggregate:
    """One indexed aggregate over the run's results, joined to their scores by primary key."""
    r, s = eval_run_results.c, scores.c
    query = (
        select(
            r.evaluator, r.variant, r.item_id, func.avg(s.value), func.count(r.error), func.sum(r.cost_usd)
        )
        .select_from(eval_run_results.outerjoin(scores, s.id == r.score_id))
        .where(r.run_id == run_id)
        .group_by(r.evaluator, r.variant, r.item_id)
    )
    out = Aggregate()
    for evaluator, variant, item_id, mean, errors, cost in conn.execute(query):
        key = (evaluator, variant)
        if mean is not None:
            out.means.setdefault(key, {})[item_id] = float(mean)
        if errors:
            out.errors[key] = out.errors.get(key, 0) + int(errors)
        if cost:
            out.judge_cost[variant] = out.judge_cost.get(variant, 0.0) + float(cost)
    return out


def _answer_costs(conn, run_id: int) -> dict[str, float]:
    i = eval_run_items.c
    query = (
        select(i.variant, func.coalesce(func.sum(i.cost_usd), 0.0))
        .where(i.run_id == run_id)
        .group_by(i.variant)
    )
    return {variant: float(cost) for variant, cost in conn.execute(query)}


def run_results(engine: Engine, project_id: int, run_id: int) -> RunResults:
    run = load_run(engine, project_id, run_id)
    with engine.connect() as conn:
        found = aggregate(conn, run_id)
        answers = _answer_costs(conn, run_id)
    variants = [v["name"] for v in run["variants"]]
    cells = []
    for evaluator in run["evaluators"]:
        boolean = evaluator["kind"] == BOOLEAN
        for variant in variants:
            values = list(found.means.get((evaluator["name"], variant), {}).values())
            s = stats.summarise(values, boolean)
            errors = found.errors.get((evaluator["name"], variant), 0)
            cells.append(
                Cell(variant, evaluator["name"], evaluator["kind"], s.n, s.mean, s.ci_low, s.ci_high, errors)
            )
    costs = {v: answers.get(v, 0.0) + found.judge_cost.get(v, 0.0) for v in {*answers, *found.judge_cost}}
    histograms = {e["name"]: histogram(e, variants, found.means) for e in run["evaluators"]}
    return RunResults(run, cells, compare_variants(run, found.means), costs, histograms)


BINS = 10


def histogram(evaluator: dict[str, Any], variants: list[str], means) -> dict[str, Any]:
    """Per variant, how many items fall in each of ``BINS`` equal bins of the evaluator's scale
    (pass/fail: the share of repeats passed, so 0 and 1 for one repeat)."""
    low, high = float(evaluator["low"]), float(evaluator["high"])
    width = (high - low) / BINS or 1.0
    edges = [low + i * width for i in range(BINS + 1)]
    counts = {}
    for variant in variants:
        row = [0] * BINS
        for value in means.get((evaluator["name"], variant), {}).values():
            row[min(BINS - 1, max(0, int((value - low) / width)))] += 1
        counts[variant] = row
    return {"edges": edges, "counts": counts}


def compare_variants(run: dict[str, Any], means: dict[tuple[str, str], dict[int, float]]) -> list[Verdict]:
    """Every challenger against the baseline on every evaluator, Holm-corrected together."""
    variants = [v["name"] for v in run["variants"]]
    if len(variants) < 2:
        return []
    baseline = variants[0]
    pairs = [(e["name"], c) for e in run["evaluators"] for c in variants[1:]]
    raw = [stats.compare(means.get((e, baseline), {}), means.get((e, c), {})) for e, c in pairs]
    out = []
    for (evaluator, candidate), comparison in zip(pairs, stats.adjust(raw), strict=True):
        better = None if not comparison.difference else comparison.difference > 0
        out.append(
            Verdict(evaluator, baseline, candidate, comparison, comparison.significant, better,
                    describe(evaluator, baseline, candidate, comparison))
        )  # fmt: skip
    return out


def side_by_side(
    engine: Engine, project_id: int, run_id: int, evaluator: str | None = None
) -> list[dict[str, Any]]:
    """Per item: each variant's first answer, mean score per evaluator, cost and latency; sorted by
    the score difference (last variant − baseline) on ``evaluator`` (default: the first), largest
    drop first."""
    run = load_run(engine, project_id, run_id)
    variants = [v["name"] for v in run["variants"]]
    names = [e["name"] for e in run["evaluators"]]
    chosen = evaluator or names[0]
    i, r = eval_run_items.c, eval_run_results.c
    with engine.connect() as conn:
        answers = conn.execute(
            select(i.item_id, i.variant, i.output, i.error, i.cost_usd, i.duration_ms).where(
                i.run_id == run_id, i.repeat_index == 0
            )
        ).all()
        judged = conn.execute(
            select(r.item_id, r.variant, r.evaluator, func.avg(scores.c.value), func.max(r.error))
            .select_from(eval_run_results.outerjoin(scores, scores.c.id == r.score_id))
            .where(r.run_id == run_id)
            .group_by(r.item_id, r.variant, r.evaluator)
        ).all()
    rows: dict[int, dict[str, Any]] = {}
    for item_id, variant, output, error, cost, duration in answers:
        entry = rows.setdefault(item_id, {"item_id": item_id, "variants": {}})
        entry["variants"][variant] = {"output": output, "error": error, "cost_usd": cost,
                                      "duration_ms": duration, "scores": {}, "errors": {}}  # fmt: skip
    for item_id, variant, name, mean, error in judged:
        cell = rows.get(item_id, {}).get("variants", {}).get(variant)
        if cell is not None:
            cell["scores"][name] = None if mean is None else float(mean)
            if error:
                cell["errors"][name] = error
    items = _dataset_items(engine, project_id, run)
    for entry in rows.values():
        entry["difference"] = _difference(entry, variants, chosen)
        item = items.get(entry["item_id"])
        entry["input"] = item.input if item else None
        entry["expected"] = item.expected_output if item else None
    return sorted(
        rows.values(), key=lambda e: (e["difference"] is None, e["difference"] or 0.0, e["item_id"])
    )


def _dataset_items(engine: Engine, project_id: int, run: dict[str, Any]) -> dict[int, Any]:
    """The items of the dataset version the run used, by id (none when that version is gone)."""
    from otel_llm import datasets

    if run.get("dataset_version_id") is None:
        return {}
    try:
        with engine.connect() as conn:
            snapshot = datasets.snapshot_by_version_id(conn, project_id, run["dataset_version_id"])
    except datasets.DatasetError:
        return {}
    return {item.id: item for item in snapshot.items}


def _difference(entry: dict[str, Any], variants: list[str], evaluator: str) -> float | None:
    if len(variants) < 2:
        return None
    first = entry["variants"].get(variants[0], {}).get("scores", {}).get(evaluator)
    last = entry["variants"].get(variants[-1], {}).get("scores", {}).get(evaluator)
    return None if first is None or last is None else last - first


def list_runs(engine: Engine, project_id: int, limit: int = 50) -> list[dict[str, Any]]:
    runs, items = eval_runs.c, eval_run_items.c
    query = (
        select(runs.id, runs.dataset, runs.dataset_version, runs.status, runs.started_at, runs.variants,
               runs.evaluators, func.count(items.id).label("items"))
        .select_from(eval_runs.outerjoin(eval_run_items, items.run_id == runs.id))
        .where(runs.project_id == project_id)
        .group_by(runs.id)
        .order_by(runs.id.desc())
        .limit(limit)
    )  # fmt: skip
    with engine.connect() as conn:
        out = []
        for row in conn.execute(query):
            data = dict(row._mapping)
            data["variants"] = [v["name"] for v in data["variants"]]
            data["evaluators"] = [e["name"] for e in data["evaluators"]]
            out.append(data)
        return out
