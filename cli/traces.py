"""``otel-llm traces``: list and show stored LLM spans (traces service)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click
from otel_llm_server.cli import output
from otel_llm_server.cli.dbcheck import migrated_engine

from otel_llm import settings
from otel_llm.pricing.wording import missing_price
from otel_llm.storage.vocabulary import SORTS, STATUSES

if TYPE_CHECKING:
    from otel_llm.traces import SpanFilter

# The traces service (and SQLAlchemy with it) is imported by the commands, not here: other command
# modules import this one for its options, and no --help should load the database layer.

_safe = output.safe


def _project_id(engine, name: str | None) -> int:
    from otel_llm.accounts import ProjectNotFound, require_project

    try:
        return require_project(engine, settings.project(name)).id
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from exc


def _json(data: Any) -> None:
    output.print_json(data)


_AGO = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _parse_since(value: str) -> datetime:
    match = _AGO.match(value.strip().lower())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use 30m, 12h, 7d or an ISO date such as 2026-11-27T09:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Since(click.ParamType):
    name = "SINCE"

    def convert(self, value, param, ctx):
        return value if isinstance(value, datetime) else _parse_since(value)


_since_type = _Since()


@click.group()
def traces() -> None:
    """Browse stored traces and LLM spans.

    \b
    Example:
      otel-llm traces list --model gpt-4o-mini --status error
      otel-llm traces list --traces --since 24h
      otel-llm traces show 5f1c0e2a9b3d4c71
      otel-llm traces show 4bf92f3577b34da6a3ce929d0e0e4736
    """


_FILTER_OPTIONS = (
    click.option("--model", help="Request or response model, e.g. gpt-4o-mini."),
    click.option("--provider", help="e.g. openai, anthropic."),
    click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), help="Span status."),
    click.option(
        "--since", type=_since_type, help="Only spans started since: 30m, 12h, 7d or an ISO date/time (UTC)."
    ),
    click.option("--prompt", "prompt_name", help="Prompt name tag."),
    click.option("--experiment", help="Experiment tag."),
    click.option("--user", help="End user (otel_llm.session user_id, user.id or enduser.id)."),
    click.option("--session", help="Conversation id (gen_ai.conversation.id or session.id)."),
    click.option("--all", "include_all", is_flag=True, help="Include non-LLM spans."),
)
_FILTER_NAMES = (
    "model",
    "provider",
    "status",
    "since",
    "prompt_name",
    "experiment",
    "user",
    "session",
    "include_all",
)


def span_filter_options(command):
    """The filters of ``traces list``, for every command that selects stored spans."""
    for option in reversed(_FILTER_OPTIONS):
        command = option(command)
    return command


def span_filter(options: dict[str, Any]) -> SpanFilter:
    """The traces filter the ``span_filter_options`` values mean (they are popped from ``options``)."""
    from otel_llm.traces import SpanFilter

    values = {name: options.pop(name) for name in _FILTER_NAMES}
    return SpanFilter(llm_only=not values.pop("include_all"), **values)


@traces.command("list")
@click.option("--project", help="Project [env: OTEL_LLM_PROJECT, default: default].")
@span_filter_options
@click.option(
    "--score",
    "score_selection",
    multiple=True,
    help="A score column (NAME), or a column and filter (NAME>=4, NAME=true, NAME=category); repeatable.",
)
@click.option("--sort", type=click.Choice(SORTS), default="time", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--cursor", help="Continue after a previous page (printed at its end).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--ids", "ids_only", is_flag=True, help="Print only the span ids, one a line (for scripts).")
@click.option(
    "--traces",
    "by_trace",
    is_flag=True,
    help="One row per trace, with its span count, LLM calls, tokens and cost (filters keep the "
    "traces holding a matching span).",
)
@click.pass_context
def list_command(ctx, project, score_selection, sort, limit, cursor, as_json, ids_only, by_trace, **filters):
    """List stored LLM spans, newest first (or longest / costliest with --sort); --traces lists traces.

    \b
    Example:
      otel-llm traces list --model gpt-4o-mini --status error --limit 10
      otel-llm traces list --since 24h --prompt support-answer
      otel-llm traces list --sort cost --json
      otel-llm traces list --score helpfulness --score 'exact=true'
      SPAN_ID=$(otel-llm traces list --model gpt-4o-mini --status ok --limit 1 --ids)
      otel-llm traces list --traces --limit 10
    """
    from otel_llm.scores import ScoreError
    from otel_llm.scores.listing import column_names, parse_selection
    from otel_llm.traces import InvalidCursor, list_spans

    try:
        selected = parse_selection(score_selection)
    except ScoreError as exc:
        raise click.BadParameter(str(exc), param_hint="--score") from exc
    engine = migrated_engine(ctx)
    flt = replace(span_filter(filters), scores=selected)
    if by_trace:
        if sort != "time":
            raise click.BadParameter("traces are listed by start time only.", param_hint="--sort")
        _list_traces(engine, _project_id(engine, project), flt, cursor, limit, as_json, ids_only)
        return
    try:
        page = list_spans(engine, _project_id(engine, project), flt, sort=sort, cursor=cursor, limit=limit)
    except InvalidCursor as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _json({"items": page.items, "next_cursor": page.next_cursor})
        return
    if ids_only:
        for item in page.items:
            click.echo(item["span_id"])
        return
    if not page.items:
        click.echo("No spans match. Is the app configured with otel_llm.configure() and this project?")
        return
    names = column_names(selected)
    click.echo(
        f"{'START (UTC)':<20}  {'SPAN':<16}  {'MODEL':<24} {'STATUS':<6} {'MS':>7} {'TOKENS':>11} {'COST $':>10}  "
        + "".join(f"{name[:12].upper():>13}" for name in names)
        + ("  " if names else "")
        + "TAGS"
    )
    for item in page.items:
        click.echo(_safe(_line(item, names)))
    if page.next_cursor:
        click.echo(f"More: otel-llm traces list --cursor {page.next_cursor} (same filters)")


def _list_traces(engine, project_id: int, flt: SpanFilter, cursor, limit: int, as_json: bool, ids_only: bool):
    from otel_llm.traces import InvalidCursor, list_traces

    try:
        page = list_traces(engine, project_id, flt, cursor=cursor, limit=limit)
    except InvalidCursor as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _json({"items": page.items, "next_cursor": page.next_cursor})
        return
    if ids_only:
        for item in page.items:
            click.echo(item["trace_id"])
        return
    if not page.items:
        click.echo("No traces match. Is the app configured with otel_llm.configure() and this project?")
        return
    click.echo(
        f"{'START (UTC)':<20}  {'TRACE':<32}  {'NAME':<28} {'STATUS':<6} {'MS':>8} {'SPANS':>5} "
        f"{'LLM':>4} {'TOKENS':>8} {'COST $':>10}  SESSION"
    )
    for t in page.items:
        status = "ERROR" if t["error"] else "OK"
        tokens = "" if t["total_tokens"] is None else str(t["total_tokens"])
        line = (
            f"{output.iso(t['start_time']):<20}  {t['trace_id']:<32}  {t['name'][:28]:<28} {status:<6} "
            f"{t['duration_ms']:>8.0f} {t['span_count']:>5} {t['llm_calls']:>4} {tokens:>8} "
            f"{_cost(t['cost_usd']):>10}  {t['session_id'] or ''}"
        )
        click.echo(_safe(line))
    if page.next_cursor:
        click.echo(f"More: otel-llm traces list --traces --cursor {page.next_cursor} (same filters)")


def _cost(usd: float | None) -> str:
    return "-" if usd is None else f"{usd:.6f}"


def _line(item: dict, score_names: list[str]) -> str:
    from otel_llm.traces.view import status_label

    model = item["response_model"] or item["request_model"] or item["name"]
    tokens = f"{item['input_tokens'] or 0}/{item['output_tokens'] or 0}" if item["is_llm"] else ""
    cost = (
        f"{item['cost_usd']:.6f}"
        if item["cost_usd"] is not None
        else ("no price" if missing_price(item) else "-")
    )
    tags = []
    if item["prompt_name"]:
        tags.append(f"{item['prompt_name']}@{item['prompt_version'] or '?'}")
    if item["experiment"]:
        tags.append(f"{item['experiment']}:{item['variant'] or '?'}")
    start = output.iso(item["start_time"])
    status = status_label(item["status_code"])
    values = "".join(f"{(item['scores'][n] or '-')[:12]:>13}" for n in score_names) + (
        "  " if score_names else ""
    )
    return f"{start:<20}  {item['span_id']:<16}  {model[:24]:<24} {status:<6} {item['duration_ms']:>7.0f} {tokens:>11} {cost:>10}  {values}{' '.join(tags)}"


@traces.command("show")
@click.argument("span_id", metavar="SPAN_ID|TRACE_ID")
@click.option("--project", help="Project [env: OTEL_LLM_PROJECT, default: default].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (everything stored).")
@click.pass_context
def show(ctx, span_id: str, project: str | None, as_json: bool) -> None:
    """Show one span (16 hex digits): parameters, messages, output, tokens, cost, duration and tags;
    or one trace (32 hex digits) as a tree with each span's duration, tokens and cost.

    \b
    Example:
      otel-llm traces show 5f1c0a9e3b2d4c71
      otel-llm traces show 4bf92f3577b34da6a3ce929d0e0e4736
    """
    from otel_llm.traces import get_span, span_view

    engine = migrated_engine(ctx)
    if len(span_id.strip()) == 32:
        _show_trace(engine, _project_id(engine, project), span_id, as_json)
        return
    row = get_span(engine, _project_id(engine, project), span_id)
    if row is None:
        raise click.ClickException(
            f"no span {span_id!r} in this project; `otel-llm traces list` shows span ids."
        )
    view = span_view(row)
    if as_json:
        _json(view)
        return
    for line in _describe(view):
        click.echo(_safe(line))


def _show_trace(engine, project_id: int, trace_id: str, as_json: bool) -> None:
    from otel_llm.traces import trace_tree
    from otel_llm.traces.tree import flatten

    tree = trace_tree(engine, project_id, trace_id)
    if tree is None:
        raise click.ClickException(
            f"no trace {trace_id!r} in this project; `otel-llm traces list --traces` shows trace ids."
        )
    if as_json:
        _json({k: v for k, v in tree.items() if k != "spans"})
        return
    s = tree["summary"]
    click.echo(
        _safe(
            f"{tree['name']}  trace {tree['trace_id']}  started {output.iso(tree['start_time'])}\n"
            f"  {s['duration_ms']:.1f} ms, {s['span_count']} spans, {s['llm_calls']} LLM calls, "
            f"tokens {_tokens(s)}, cost ${_cost(s['cost_usd'])}" + (", has errors" if s["error"] else "")
        )
    )
    for node in flatten(tree["roots"]):
        click.echo(_safe(_tree_line(node)))


def _tree_line(node: dict) -> str:
    """One indented node: name, kind, span id, duration; tokens and cost of the call, or of the
    subtree (with its LLM calls) for a span with children."""
    span, totals = node["span"], node["totals"]
    figures = f"{span['duration_ms']:.1f} ms"
    if span.get("is_llm"):
        model = span.get("response_model") or span.get("request_model") or ""
        figures += f", {model} tokens {_tokens(span)}, ${_cost(span.get('cost_usd'))}"
    elif node["children"] and totals["llm_calls"]:
        figures += (
            f", {totals['llm_calls']} LLM calls below: tokens {_tokens(totals)}, ${_cost(totals['cost_usd'])}"
        )
    status = " ERROR" if span.get("status_code") == "ERROR" else ""
    return f"{'  ' * (node['depth'] + 1)}{span['name']} [{span.get('category') or 'other'}] {span['span_id']}  {figures}{status}"


def _tokens(values: dict) -> str:
    tokens_in, tokens_out = values.get("input_tokens"), values.get("output_tokens")
    if tokens_in is None and tokens_out is None:
        return "-"
    return f"{tokens_in or 0}/{tokens_out or 0}"


def _describe(v: dict) -> list[str]:
    status = v["status"]
    failure = " ".join(str(part) for part in (status["error_type"], status["message"]) if part)
    model = " -> ".join(m for m in (v["request_model"], v["response_model"]) if m) or "no model recorded"
    service = v["service_name"] or "-"
    lines = [
        f"{v['name']}  span {v['span_id']}  trace {v['trace_id']}",
        f"  service {service}" + (f" ({v['service_hint']})" if v["service_hint"] else ""),
        "  " + " ".join(p for p in (v["provider"], v["operation"]) if p) + f"  model {model}",
        f"  started {output.iso(v['start_time'], seconds=False)}, {v['duration_ms']:.1f} ms, status {status['label']}"
        + (f" ({failure})" if status["label"] == "ERROR" and failure else ""),
    ]
    lines.append("  " + _tokens_and_cost(v))
    if v["tags"]:
        lines.append("  tags " + ", ".join(f"{k}={val}" for k, val in v["tags"].items()))
    if v["parameters"]:
        lines.append("  parameters " + json.dumps(v["parameters"], default=str))
    if v["system"]:
        lines += ["", "System:", _indent(v["system"])]
    lines += _messages("Input", v["input_messages"]) + _messages("Output", v["output_messages"])
    return lines


def _tokens_and_cost(v: dict) -> str:
    """Only the counts that were recorded: a failed call has none (and says so instead of None)."""
    names = (("input", "in"), ("output", "out"), ("cache_read", "cache read"), ("cache_write", "cache write"))
    known = [f"{label} {v['tokens'][key]}" for key, label in names if v["tokens"][key] is not None]
    tokens = ("tokens " + ", ".join(known)) if known else "no token usage recorded"
    if v["cost_usd"] is not None:
        return f"{tokens}; cost ${v['cost_usd']:.6f}"
    return f"{tokens}; cost " + (missing_price(v) or "unknown")


def _messages(title: str, messages: Any) -> list[str]:
    if not messages:
        return []
    if not isinstance(messages, list):
        return ["", f"{title}:", _indent(str(messages))]
    out = ["", f"{title}:"]
    for message in messages:
        if not isinstance(message, dict):
            out.append(_indent(json.dumps(message, default=str)))
            continue
        out.append(f"  [{message.get('role', '?')}]")
        for part in message.get("parts") or []:
            text = part.get("content") if isinstance(part, dict) and part.get("type") == "text" else None
            out.append(_indent(text if isinstance(text, str) else json.dumps(part, default=str), 4))
    return out


def _indent(text: str, width: int = 2) -> str:
    return "\n".join(" " * width + line for line in text.splitlines() or [""])
