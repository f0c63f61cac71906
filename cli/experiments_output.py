"""How ``otel-llm experiments`` prints experiments, runs and results."""

from __future__ import annotations

from typing import Any

from otel_llm_server.cli.output import iso

from otel_llm.experiments.model import Experiment, TestCase


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def experiment_table(found: list[Experiment]) -> str:
    rows = [
        [
            e.name,
            e.status,
            e.primary_metric,
            " / ".join(v.name for v in e.variants),
            e.winner or "",
            iso(e.created_at, missing=""),
        ]
        for e in found
    ]
    return _table(["NAME", "STATUS", "METRIC", "VARIANTS", "WINNER", "CREATED"], rows)


def experiment_detail(e: Experiment, cases: list[TestCase], runs: list[dict[str, Any]]) -> str:
    lines = [f"{e.name} — {e.status}" + (f", winner {e.winner}" if e.winner else "")]
    for label, value in (("Description", e.description), ("Hypothesis", e.hypothesis), ("Author", e.author)):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"Primary metric: {e.primary_metric}")
    lines.append("")
    rows = [
        [v.name + (" (control)" if v.is_control else ""), f"{v.weight:g}%", _config(v.config)]
        for v in e.variants
    ]
    lines.append(_table(["VARIANT", "WEIGHT", "CONFIG"], rows))
    lines.append("")
    source = (
        f" from dataset {e.dataset}" + (f"@v{e.dataset_version}" if e.dataset_version else "")
        if e.dataset
        else ""
    )
    lines.append(f"{len(cases)} test cases{source}" + (":" if cases else ""))
    lines += [f"  {c.id}. {c.messages[-1]['content'][:80]}" for c in cases[:10]]
    if len(cases) > 10:
        lines.append(f"  … and {len(cases) - 10} more")
    if runs:
        lines.append("")
        rows = [
            [
                str(r["id"]),
                r["status"],
                str(r["repeat"]),
                f"v{r['dataset_version']}" if r.get("dataset_version") else "-",
                str(r["items"]),
                str(r["failed"]),
                f"${r['cost_usd']:.4f}",
                iso(r["started_at"]),
            ]
            for r in runs
        ]
        lines.append(_table(["RUN", "STATUS", "REPEAT", "CASES", "CALLS", "FAILED", "COST", "STARTED"], rows))
        lines += [f"Run {r['id']} failed: {r['error']}" for r in runs if r.get("error")]
    return "\n".join(lines)


def _config(config: dict[str, Any]) -> str:
    parts = [f"{config['provider']}/{config['model']}"]
    parts += [f"{k}={config[k]}" for k in ("temperature", "max_tokens", "prompt_ref") if k in config]
    if config.get("system_prompt"):
        parts.append(f"system_prompt={config['system_prompt'][:30]!r}")
    return " ".join(parts)


def run_report(name: str, report) -> str:
    done = report.skipped + report.done
    summary = (
        f"{done} of {report.total} calls done ({report.failed} failed now), ${report.cost_usd:.4f} spent."
    )
    if report.status == "completed":
        return (
            f"Run {report.run_id} of {name} completed: {summary} See `otel-llm experiments results {name}`."
        )
    why = "the cost cap was reached" if report.status == "cost_cap" else "it was interrupted"
    return f"Run {report.run_id} of {name} stopped because {why}: {summary} Run the same command again to resume."


def run_report_data(name: str, report) -> dict[str, Any]:
    """What ``experiments run --json`` prints: the run's outcome in the report's own words."""
    return {
        "experiment": name,
        "run_id": report.run_id,
        "status": report.status,
        "total": report.total,
        "skipped": report.skipped,
        "done": report.done,
        "failed": report.failed,
        "cost_usd": report.cost_usd,
        "resumed": report.resumed,
        "error": report.error,
    }


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def results_text(res) -> str:
    lines = [
        f"{res.experiment['name']} — {res.experiment['status']}, primary metric {res.primary_metric}",
        "",
    ]
    rows = [
        [
            v.name + (" (control)" if v.is_control else ""),
            v.model,
            str(v.calls),
            _num(v.success_rate and v.success_rate * 100, ".1f") + "%",
            _num(v.latency_mean_ms, ".0f"),
            _num(v.latency_p50_ms, ".0f"),
            _num(v.latency_p95_ms, ".0f"),
            str(v.input_tokens + v.output_tokens),
            _num(v.cost_total_usd, ".4f"),
            _num(v.cost_mean_usd, ".6f"),
            _num(v.feedback_mean, ".2f"),
        ]
        for v in res.variants
    ]
    headers = [
        "VARIANT",
        "MODEL",
        "CALLS",
        "SUCCESS",
        "MEAN ms",
        "P50 ms",
        "P95 ms",
        "TOKENS",
        "COST $",
        "$/CALL",
        "FEEDBACK",
    ]
    lines.append(_table(headers, rows))
    if res.comparisons:
        lines.append("")
        lines.append("Against the control (95 % CI; p adjusted with Holm's method across variants):")
        for c in res.comparisons:
            flag = "significant" if c.significant else "not significant"
            lines.append(
                f"  {c.metric:<15} {c.variant}: {c.difference:+.4g} [{c.ci_low:+.4g}, {c.ci_high:+.4g}], "
                f"p = {c.p_adjusted:.3g} ({flag}, {c.test})"
            )
            lines.append(f"  {'':<15} {c.summary}.")
    lines.append("")
    lines.append(res.verdict)
    return "\n".join(lines)
