"""Batch replay (regression run): replay a selection of stored spans with the same overrides.

``plan`` picks the spans and creates the run row; ``execute`` replays them (``concurrency`` at a
time), then stores the run's summary: how many, the share whose output changed, the mean text
similarity, the token / cost / latency deltas and the errors. The CLI calls both in turn; the API
answers after ``plan`` and lets ``execute`` run in the background.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import Engine

from otel_llm import server_calls
from otel_llm.masking import redact
from otel_llm.replay import store
from otel_llm.replay.errors import InvalidOverride, ReplayError
from otel_llm.replay.overrides import Overrides
from otel_llm.replay.run import ReplayResult, replay_span
from otel_llm.traces import SpanFilter, list_spans, trace_spans

logger = logging.getLogger(__name__)

MAX_LIMIT = 1000
MAX_CONCURRENCY = 16
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Progress = Callable[[int, int, "ReplayResult | None"], None]


@dataclass
class Selection:
    """Which stored spans a run replays (newest first, replays themselves and failed calls excluded).
    ``trace_id`` selects every LLM call of one trace instead, in the order the app made them."""

    trace_id: str | None = None
    prompt: str | None = None
    model: str | None = None
    provider: str | None = None
    since: str | None = None
    experiment: str | None = None
    variant: str | None = None
    limit: int = 20

    def __post_init__(self) -> None:
        if not 1 <= int(self.limit) <= MAX_LIMIT:
            raise InvalidOverride(
                f"limit {self.limit} is out of range; replay 1 to {MAX_LIMIT} spans per run."
            )
        if self.since:
            parse_since(self.since)
        if self.trace_id is not None:
            self.trace_id = self.trace_id.strip().lower()
            if not _TRACE_ID.match(self.trace_id):
                raise InvalidOverride(f"trace id {self.trace_id!r} is not 32 hex digits.")

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Selection:
        data = dict(data or {})
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidOverride(f"unknown selection field(s): {', '.join(sorted(unknown))}.")
        try:
            if "limit" in data:
                data["limit"] = int(data["limit"])
        except (TypeError, ValueError) as exc:
            raise InvalidOverride(f"limit must be a whole number, not {data['limit']!r}.") from exc
        return cls(**{k: v for k, v in data.items() if v not in (None, "")})

    def span_filter(self, prompt_name: str | None = None, prompt_version: str | None = None) -> SpanFilter:
        """The traces filter; the prompt reference comes resolved (``resolve_prompt``)."""
        since = datetime.now(UTC) - parse_since(self.since) if self.since else None
        return SpanFilter(
            since=since,
            model=self.model,
            provider=self.provider,
            prompt_name=prompt_name,
            prompt_version=prompt_version,
            experiment=self.experiment,
            variant=self.variant,
        )


def parse_since(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` → a time span."""
    match = _DURATION.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise InvalidOverride(f"invalid --since {text!r}: write a count and a unit, e.g. 30m, 12h, 7d or 2w.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def resolve_prompt(engine: Engine, project_id: int, text: str | None) -> tuple[str | None, str | None]:
    """(prompt name, version) a ``NAME``, ``NAME@vN`` or ``NAME@label`` selection means.

    A bare name selects every version; a label selects the version it points at now.
    """
    if not text:
        return None, None
    from otel_llm.prompts import names, versions
    from otel_llm.prompts.errors import PromptError

    try:
        ref = names.parse_ref(text)
        if ref.version is None and ref.label is None:
            return ref.name, None
        number = ref.version if ref.version is not None else versions.resolve(engine, project_id, ref).version
    except PromptError as exc:
        raise InvalidOverride(str(exc)) from exc
    return ref.name, str(number)


def select_spans(engine: Engine, project_id: int, selection: Selection) -> list[dict[str, Any]]:
    """Up to ``selection.limit`` original, successful LLM spans matching the selection, newest first
    (a trace's in start order)."""
    if selection.trace_id:
        rows = trace_spans(engine, project_id, selection.trace_id, full=False)
        calls = [
            s for s in rows if s.get("is_llm") and not s.get("replay_of") and s.get("status_code") != "ERROR"
        ]
        return calls[: selection.limit]
    flt = selection.span_filter(*resolve_prompt(engine, project_id, selection.prompt))
    chosen: list[dict[str, Any]] = []
    cursor = None
    while len(chosen) < selection.limit:
        page = list_spans(engine, project_id, flt, cursor=cursor, limit=200)
        chosen.extend(s for s in page.items if not s.get("replay_of") and s.get("status_code") != "ERROR")
        cursor = page.next_cursor
        if cursor is None:
            break
    return chosen[: selection.limit]


@dataclass
class Plan:
    run_id: int
    span_ids: list[str]
    in_order: bool = False  # one at a time, in the listed order (a trace's calls)


def plan(engine: Engine, project_id: int, selection: Selection, overrides: Overrides, actor: str) -> Plan:
    """Pick the spans and store the run (status ``running``); ``ReplayError`` if nothing matches."""
    spans = select_spans(engine, project_id, selection)
    if not spans and selection.trace_id:
        raise ReplayError(
            f"trace {selection.trace_id} holds no successful LLM call to replay in this project; "
            "`otel-llm traces list --traces` shows trace ids."
        )
    if not spans:
        raise ReplayError(
            f"no stored LLM spans match {selection.to_json()}; widen the selection (e.g. --since 30d) "
            "or check `otel-llm traces list`."
        )
    run_id = store.create_run(
        engine, project_id, selection.to_json(), overrides.to_json(), actor, trace_id=selection.trace_id
    )
    return Plan(run_id, [s["span_id"] for s in spans], in_order=bool(selection.trace_id))


def execute(
    engine: Engine,
    project_id: int,
    run: Plan,
    overrides: Overrides,
    actor: str,
    *,
    concurrency: int = 4,
    base_url: str | None = None,
    progress: Progress | None = None,
    judging: Any = None,
) -> dict[str, Any]:
    """Replay every planned span, then store and return the run's summary. ``judging``
    (``otel_llm.evaluation.attached.SpanJudging``) scores each replay against its original."""
    workers = 1 if run.in_order else max(1, min(int(concurrency), MAX_CONCURRENCY))
    results: list[ReplayResult] = []
    skipped: list[dict[str, str]] = []
    try:
        with server_calls.instrumented():  # the SDKs stay patched between the run's calls
            _replay_all(
                engine,
                project_id,
                run,
                overrides,
                actor,
                workers,
                base_url,
                progress,
                results,
                skipped,
                judging,
            )
    except BaseException as exc:  # Ctrl-C or a database failure: stop, and say so on the run
        message = redact(str(exc)) or f"stopped ({type(exc).__name__})"
        store.finish_run(engine, run.run_id, "error", summarize(results, skipped), error=message)
        raise
    stats = summarize(results, skipped)
    status = "error" if stats["count"] and stats["error_count"] == stats["count"] else "ok"
    store.finish_run(engine, run.run_id, status, stats)
    return store.get_run(engine, project_id, run.run_id) or {}


def _replay_all(
    engine, project_id, run, overrides, actor, workers, base_url, progress, results, skipped, judging=None
) -> None:
    """Replay the planned spans ``workers`` at a time, collecting results and skipped spans as they land."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="otel-llm-replay")
    try:
        futures = {
            pool.submit(
                replay_span,
                engine,
                project_id,
                span_id,
                overrides,
                actor=actor,
                base_url=base_url,
                run_id=run.run_id,
                judging=judging,
            ): span_id
            for span_id in run.span_ids
        }
        for done, future in enumerate(as_completed(futures), start=1):
            result = _outcome(future, futures[future], skipped)
            if result is not None:
                results.append(result)
            if progress is not None:
                progress(done, len(run.span_ids), result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _outcome(future, span_id: str, skipped: list[dict[str, str]]) -> ReplayResult | None:
    try:
        return future.result()
    except ReplayError as exc:  # this span cannot be replayed (e.g. no captured content)
        skipped.append({"span_id": span_id, "reason": str(exc)})
        return None


def summarize(results: list[ReplayResult], skipped: list[dict[str, str]]) -> dict[str, Any]:
    """The run's figures, over the replays that succeeded (errors and skipped spans counted apart)."""
    ok = [r.comparison for r in results if r.status == "ok" and r.comparison]
    errors = [{"span_id": r.original["span_id"], "error": r.error} for r in results if r.status != "ok"]
    stats: dict[str, Any] = {
        "count": len(results) + len(skipped),
        "ok_count": len(ok),
        "error_count": len(errors) + len(skipped),
        "errors": errors,
        "skipped": skipped,
        "changed_share": round(sum(c["output"]["changed"] for c in ok) / len(ok), 4) if ok else None,
        "mean_similarity": round(mean(c["output"]["similarity"] for c in ok), 4) if ok else None,
    }
    for name, key in (("input_tokens", "input_tokens_delta"), ("output_tokens", "output_tokens_delta")):
        stats.update(_totals(ok, name, key, integer=True))
    stats.update(_totals(ok, "cost_usd", "cost_delta_usd"))
    latency = [c["latency_ms"]["delta"] for c in ok if c["latency_ms"]["delta"] is not None]
    stats["latency_delta_ms"] = round(mean(latency), 3) if latency else None
    stats["finish_reason_changed"] = sum(c["finish_reason"]["changed"] for c in ok)
    return stats


def _totals(comparisons: list[dict], name: str, key: str, integer: bool = False) -> dict[str, Any]:
    """Sum of originals, sum of replays and their delta (absolute and %), over pairs where both are known."""
    pairs = [
        (c[name]["original"], c[name]["replay"])
        for c in comparisons
        if c[name]["original"] is not None and c[name]["replay"] is not None
    ]
    if not pairs:
        return {key: None, f"{name}_original": None, f"{name}_replay": None, f"{name}_delta_pct": None}
    before, after = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    change = after - before
    return {
        key: int(change) if integer else round(change, 10),
        f"{name}_original": before,
        f"{name}_replay": after,
        f"{name}_delta_pct": round(change / before * 100, 2) if before else None,
    }
