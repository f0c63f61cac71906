"""How ``otel-llm replay`` prints: the diff inline (coloured on a terminal, ``[-old-]{+new+}`` when
piped), a table of the figures with their deltas, and run summaries."""

from __future__ import annotations

import sys
from typing import Any

import click
from click import utils as click_utils
from otel_llm_server.cli.output import iso


def colour_wanted() -> bool:
    """Colour only when stdout is a terminal (click's own rule, so ``NO_COLOR``-style piping is plain)."""
    return not click_utils.should_strip_ansi(sys.stdout)


def inline_diff(runs: list[dict[str, str]], colour: bool) -> str:
    out = []
    for run in runs:
        text = run["text"]
        if run["op"] == "equal":
            out.append(text)
        elif run["op"] == "delete":
            out.append(click.style(text, fg="red", strikethrough=True) if colour else f"[-{text}-]")
        else:
            out.append(click.style(text, fg="green", underline=True) if colour else f"{{+{text}+}}")
    return "".join(out)


def number(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "cost":
        return f"${value:.6f}"
    if kind == "ms":
        return f"{value:,.0f} ms"
    return f"{value:,}"


def change(metric: dict[str, Any], kind: str) -> str:
    """``+12 (+5.0%)``; ``—`` when either side is unknown."""
    delta = metric.get("delta")
    if delta is None:
        return "—"
    sign = "+" if delta >= 0 else "-"
    magnitude = number(abs(delta), kind)
    pct = metric.get("delta_pct")
    return f"{sign}{magnitude}" + (f" ({pct:+.1f}%)" if pct is not None else "")


_ROWS = (
    ("input tokens", "input_tokens", "int"),
    ("output tokens", "output_tokens", "int"),
    ("cache read tokens", "cache_read_tokens", "int"),
    ("cost", "cost_usd", "cost"),
    ("latency", "latency_ms", "ms"),
)


def figures_table(comparison: dict[str, Any], colour: bool) -> list[str]:
    lines = [f"{'':<18} {'original':<26} {'replay':<26} change"]
    for label, key in (("model", "model"), ("provider", "provider"), ("finish reason", "finish_reason")):
        pair = comparison[key]
        mark = "changed" if pair["changed"] else ""
        lines.append(
            f"{label:<18} {str(pair['original'] or '—'):<26} {str(pair['replay'] or '—'):<26} {mark}"
        )
    for label, key, kind in _ROWS:
        metric = comparison[key]
        if metric["original"] is None and metric["replay"] is None:
            continue
        delta = change(metric, kind)
        if colour and metric.get("delta"):
            delta = click.style(delta, fg="yellow")
        lines.append(
            f"{label:<18} {number(metric['original'], kind):<26} {number(metric['replay'], kind):<26} {delta}"
        )
    return lines


def replay_report(data: dict[str, Any], colour: bool) -> list[str]:
    """The human-readable report of one replay (``ReplayResult.to_json()``)."""
    head = f"Replay {data['id']} of span {data['original']['span_id']}: {data['status']}"
    lines = [click.style(head, bold=True) if colour else head]
    lines.append(f"Overrides: {_overrides(data['overrides'])}")
    lines.extend(_warnings(data["warnings"], colour))
    if data["status"] == "error":
        lines.append(f"Error: {data['error']}")
        if data.get("replay"):
            lines.append(f"Replay span: {data['replay']['span_id']}")
        return lines
    comparison = data["comparison"]
    output = comparison["output"]
    state = "changed" if output["changed"] else "unchanged"
    lines.append("")
    lines.append(f"Output ({state}, similarity {output['similarity']:.2f}):")
    lines.append(inline_diff(output["diff"], colour) or "(empty)")
    lines.append("")
    lines.extend(figures_table(comparison, colour))
    lines.append("")
    span = data["replay"]["span_id"]
    lines.append(f"Replay span: {span}  (otel-llm traces show {span})")
    return lines


def dry_run_report(data: dict[str, Any]) -> list[str]:
    request = data["request"]
    lines = [
        f"Dry run: span {data['original']['span_id']} would be sent to {request['provider']} "
        f"({request['api']}); nothing was sent or stored.",
        f"Overrides: {_overrides(data['overrides'])}",
    ]
    lines.extend(_warnings(data["warnings"], False))
    return lines


def _overrides(overrides: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "none (the original request)"


def _warnings(notes: list[str], colour: bool) -> list[str]:
    if not notes:
        return []
    title = click.style("Warnings:", fg="yellow") if colour else "Warnings:"
    return [title, *(f"  ! {note}" for note in notes)]


def run_line(run: dict[str, Any]) -> str:
    changed = "—" if run.get("changed_share") is None else f"{run['changed_share']:.0%}"
    similarity = "—" if run.get("mean_similarity") is None else f"{run['mean_similarity']:.2f}"
    created = iso(run.get("created_at"), missing="")
    return (
        f"{run['id']:>5}  {created:<20}  {run['status']:<7}  {run['count']:>5}  {changed:>7}  "
        f"{similarity:>6}  {run['error_count']:>6}  {_overrides(run['overrides'])}"
    )


RUN_HEADER = f"{'id':>5}  {'created':<20}  {'status':<7}  {'count':>5}  {'changed':>7}  {'simil.':>6}  {'errors':>6}  overrides"


def run_report(run: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    s = run.get("summary") or {}
    lines = [
        f"Replay run {run['id']}: {run['status']} — {run['count']} span(s), {run['error_count']} error(s)",
        f"Selection: {_overrides(run['selection'])}",
        f"Overrides: {_overrides(run['overrides'])}",
        f"By: {run['actor']}  started {iso(run['created_at'])}"
        + (f"  finished {iso(run['finished_at'])}" if run.get("finished_at") else ""),
    ]
    if run.get("error"):
        lines.append(f"Error: {run['error']}")
    if run.get("changed_share") is not None:
        lines.append(
            f"Outputs changed: {run['changed_share']:.0%}   mean similarity: {run['mean_similarity']:.2f}"
        )
    for label, name, kind in (
        ("input tokens", "input_tokens", "int"),
        ("output tokens", "output_tokens", "int"),
        ("cost", "cost_usd", "cost"),
    ):
        if s.get(f"{name}_original") is not None:
            metric = {
                "delta": s[f"{name}_replay"] - s[f"{name}_original"],
                "delta_pct": s.get(f"{name}_delta_pct"),
            }
            lines.append(
                f"{label:<14} {number(s[f'{name}_original'], kind)} → {number(s[f'{name}_replay'], kind)}"
                f"  ({change(metric, kind)})"
            )
    if run.get("latency_delta_ms") is not None:
        lines.append(f"latency        mean change {run['latency_delta_ms']:+,.0f} ms per call")
    for problem in s.get("errors", []) + s.get("skipped", []):
        lines.append(f"  ! {problem['span_id']}: {problem.get('error') or problem.get('reason')}")
    if items:
        lines.append("")
        lines.append(f"{'replay':>7}  {'original span':<16}  {'status':<6}  {'changed':<7}  similarity")
        for item in items:
            summary = item.get("summary") or {}
            changed = "" if "changed" not in summary else ("yes" if summary["changed"] else "no")
            similarity = summary.get("similarity")
            lines.append(
                f"{item['id']:>7}  {item['original_span_id']:<16}  {item['status']:<6}  {changed:<7}  "
                + ("—" if similarity is None else f"{similarity:.2f}")
            )
    return lines
