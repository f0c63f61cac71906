"""Terminal text of evaluation runs, results and the gate."""

from __future__ import annotations

import json
from typing import Any


def run_report(report) -> str:
    ended = {
        "completed": "completed",
        "interrupted": "interrupted (run the same command again to resume)",
        "cost_cap": "stopped at the cost cap (raise --max-cost and run again to resume)",
    }[report.status]
    lines = [
        f"Run {report.run_id} {ended}: {report.done} items now, {report.skipped} earlier, of {report.total}.",
        f"  failed calls: {report.failed}   evaluator errors: {report.evaluator_errors}   "
        f"cost: ${report.cost_usd:.4f}",
        f"See the results with `otel-llm eval show {report.run_id}`.",
    ]
    return "\n".join(lines)


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def _cell(cell) -> str:
    if cell.mean is None:
        return "no scores"
    shown = f"{cell.mean * 100:.1f} %" if cell.kind == "boolean" else _num(cell.mean)
    if cell.ci_low is None:
        return f"{shown} (n={cell.n})"
    if cell.kind == "boolean":
        return f"{shown} [{cell.ci_low * 100:.1f}–{cell.ci_high * 100:.1f}] (n={cell.n})"
    return f"{shown} [{_num(cell.ci_low)}–{_num(cell.ci_high)}] (n={cell.n})"


def results_text(found) -> str:
    run = found.run
    lines = [
        f"Run {run['id']} on {run['dataset']}@v{run['dataset_version']} ({run['status']}), "
        f"repeat {run['repeat']}; 95 % intervals in brackets.",
        "",
    ]
    variants = [v["name"] for v in run["variants"]]
    width = max([len(c.evaluator) for c in found.cells] + [9])
    lines.append(" " * (width + 2) + "".join(f"{v:<34}" for v in variants))
    for evaluator in [e["name"] for e in run["evaluators"]]:
        cells = {c.variant: c for c in found.cells if c.evaluator == evaluator}
        row = "".join(f"{_cell(cells[v]) + _errors(cells[v]):<34}" for v in variants if v in cells)
        lines.append(f"{evaluator:<{width}}  {row}")
    lines.append(
        f"{'cost USD':<{width}}  " + "".join(f"{found.cost_usd.get(v, 0.0):<34.4f}" for v in variants)
    )
    if found.verdicts:
        lines += ["", "Compared with " + variants[0] + ":"]
        lines += [f"  - {v.summary}" for v in found.verdicts]
    return "\n".join(lines)


def _errors(cell) -> str:
    return f" {cell.errors} err" if cell.errors else ""


def items_text(found, items: list[dict[str, Any]]) -> str:
    variants = [v["name"] for v in found.run["variants"]]
    lines = ["Items (largest drop first):"]
    for entry in items:
        diff = entry["difference"]
        lines.append(f"item {entry['item_id']}  difference {'—' if diff is None else f'{diff:+.3g}'}")
        lines.append(f"  input: {_input_text(entry.get('input'))[:100]}")
        if entry.get("expected") is not None:
            lines.append(f"  expected: {' '.join(entry['expected'].split())[:100]}")
        for name in variants:
            cell = entry["variants"].get(name)
            if cell is None:
                continue
            scores = ", ".join(f"{k}={_num(v)}" for k, v in cell["scores"].items())
            errors = "; ".join(f"{k}: {v}" for k, v in cell["errors"].items())
            text = " ".join((cell["output"] or cell["error"] or "").split())
            lines.append(f"  {name}: {text[:100]}")
            lines.append(f"    {scores}{'  errors: ' + errors if errors else ''}  "
                         f"${cell['cost_usd'] or 0:.5f}  {_num(cell['duration_ms'], 4)} ms")  # fmt: skip
    return "\n".join(lines)


def _input_text(value: Any) -> str:
    if isinstance(value, dict) and value.get("messages"):
        return " / ".join(" ".join(str(m.get("content", "")).split()) for m in value["messages"])
    if isinstance(value, dict) and value.get("variables") is not None:
        return json.dumps(value["variables"], ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def runs_table(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "No evaluation runs yet; start one with `otel-llm eval run DATASET …`."
    lines = [f"{'id':>5}  {'dataset':<24} {'status':<12} {'items':>6}  variants / evaluators"]
    for r in runs:
        lines.append(
            f"{r['id']:>5}  {r['dataset'] + '@v' + str(r['dataset_version']):<24} {r['status']:<12} {r['items']:>6}  "
            f"{', '.join(r['variants'])} / {', '.join(r['evaluators'])}"
        )
    return "\n".join(lines)


def gate_text(result, baseline: str, candidate: str) -> str:
    head = (
        f"PASS: {candidate} is not worse than {baseline} beyond the allowed drop."
        if result.passed
        else f"FAIL: {candidate} is worse than {baseline} beyond the allowed drop."
    )
    return "\n".join([head, *[f"  {r}" for r in result.reasons], f"(evaluation run {result.run_id})"])
