"""Evaluation runs: every dataset item × every variant × ``repeat``, judged by every evaluator.

A run is stored with its dataset version, variants (and the prompt versions they resolved to) and
evaluators (name, version, scale). Each answer is recorded with its spans and verdicts in one
transaction as it lands, so a run stopped by the cost cap, Ctrl-C or a crash resumes where it left
off: the next ``run_evaluation`` with the same dataset version, variants, evaluators and repeat
continues the latest unfinished run and never re-sends a finished call. ``--max-cost`` counts the
answers and the judge calls.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm import providers, server_calls
from otel_llm.datasets import DatasetItem
from otel_llm.evaluation import registry, scoring
from otel_llm.evaluation.answers import Answer, answer, judge_answer
from otel_llm.evaluation.base import Evaluator, EvaluatorError
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.evaluation.items import load_items, project_id_of
from otel_llm.evaluation.variants import Prepared, Variant, check_credentials, parse_all, prepare
from otel_llm.storage import writer
from otel_llm.storage.schema_evaluations import RESUMABLE, eval_run_items, eval_run_results, eval_runs


@dataclass(frozen=True)
class Work:
    item: DatasetItem
    variant: Prepared
    repeat_index: int

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.item.id, self.variant.name, self.repeat_index)


@dataclass
class RunReport:
    run_id: int
    status: str  # completed | cost_cap | interrupted
    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    evaluator_errors: int = 0
    cost_usd: float = 0.0

    @property
    def resumed(self) -> bool:
        return self.skipped > 0


@dataclass(frozen=True)
class RunSpec:
    """What to run: a dataset (``NAME`` or ``NAME@vN``), variants, evaluators and how."""

    dataset: str
    variants: tuple[str, ...]
    evaluators: tuple[str, ...]
    prompt: str | None = None
    repeat: int = 1
    concurrency: int = 4
    max_cost_usd: float | None = None
    base_url: str | None = None
    judge_model: str | None = None
    actor: str = ""
    new_run: bool = False


def run_evaluation(
    engine: Engine,
    project: str,
    spec: RunSpec,
    *,
    on_start: Callable[[RunReport], None] | None = None,
    on_item: Callable[[Work, Answer], None] | None = None,
    stop: threading.Event | None = None,
) -> RunReport:
    """Run (or resume) an evaluation; Ctrl-C or ``stop`` ends it cleanly as ``interrupted``."""
    _check_options(spec)
    project_id = project_id_of(engine, project)
    snapshot = load_items(engine, project_id, spec.dataset)
    items = snapshot.items
    variants = parse_all(spec.variants)
    prepared = [prepare(engine, project_id, v, spec.prompt) for v in variants]
    check_credentials(prepared, spec.base_url)
    judges = registry.JudgeSettings(engine, project_id, spec.judge_model, base_url=spec.base_url)
    evaluators = _evaluators(spec.evaluators, judges)
    described = _described(variants, prepared)
    run_id, done, spent = _open_run(engine, project_id, snapshot, spec, described, evaluators)
    for evaluator in evaluators:
        if hasattr(evaluator, "run_id"):
            evaluator.run_id = run_id
    work = [
        Work(item, variant, r)
        for r, item, variant in itertools.product(range(spec.repeat), items, prepared)  # variants interleaved
    ]
    report = RunReport(run_id, "completed", len(work), sum(1 for w in work if w.key in done), cost_usd=spent)
    runner = _Runner(engine, project_id, report, spec, evaluators, on_item, stop or threading.Event())
    try:
        if on_start:
            on_start(report)
        with server_calls.instrumented():
            runner.run([w for w in work if w.key not in done])
    except BaseException:
        report.status = "interrupted"
        raise
    finally:
        _close_run(engine, run_id, report.status)
    return report


def _check_options(spec: RunSpec) -> None:
    if spec.repeat < 1:
        raise EvaluationError("--repeat must be 1 or more.")
    if spec.concurrency < 1:
        raise EvaluationError("--concurrency must be 1 or more.")
    if spec.max_cost_usd is not None and spec.max_cost_usd <= 0:
        raise EvaluationError("--max-cost must be a positive amount of USD.")
    if not spec.evaluators:
        raise EvaluationError("give at least one --evaluator (e.g. --evaluator exact).")


def _evaluators(specs: tuple[str, ...], judges: registry.JudgeSettings) -> list[Evaluator]:
    try:
        found = registry.resolve_all(list(specs), judges)
        for evaluator in found:
            check = getattr(evaluator, "check", None)
            if check:
                check()
    except EvaluatorError as exc:
        raise EvaluationError(str(exc)) from exc
    scoring.ensure_configs(judges.engine, judges.project_id, found)
    return found


def _described(variants: list[Variant], prepared: list[Prepared]) -> list[dict[str, Any]]:
    return [{**v.describe(), "prompt_version": p.prompt} for v, p in zip(variants, prepared, strict=True)]


def _open_run(engine, project_id, snapshot, spec, variants, evaluators):
    """The unfinished run with the same plan to continue, or a new one: (id, keys done, USD spent)."""
    described = [e.describe() for e in evaluators]
    runs = eval_runs.c
    with engine.begin() as conn:
        candidates = [] if spec.new_run else conn.execute(
            select(runs.id, runs.variants, runs.evaluators)
            .where(
                runs.project_id == project_id, runs.dataset_version_id == snapshot.version.id,
                runs.repeat == spec.repeat, runs.status.in_(RESUMABLE),
            )
            .order_by(runs.id.desc())
        ).all()  # fmt: skip
        run_id = next(
            (r.id for r in candidates if r.variants == variants and r.evaluators == described), None
        )
        if run_id is None:
            values = dict(
                project_id=project_id, dataset=snapshot.dataset.name, dataset_version=snapshot.version.number,
                dataset_version_id=snapshot.version.id, prompt_ref=spec.prompt,
                variants=variants, evaluators=described, repeat=spec.repeat, max_cost_usd=spec.max_cost_usd,
                status="running", actor=spec.actor[:320],
            )  # fmt: skip
            return (
                conn.execute(insert(eval_runs).values(**values).returning(runs.id)).scalar_one(),
                set(),
                0.0,
            )
        conn.execute(
            update(eval_runs)
            .where(runs.id == run_id)
            .values(status="running", max_cost_usd=spec.max_cost_usd, finished_at=None)
        )
        items, results = eval_run_items.c, eval_run_results.c
        done = {
            tuple(r)
            for r in conn.execute(
                select(items.item_id, items.variant, items.repeat_index).where(items.run_id == run_id)
            )
        }
        spent = conn.execute(
            select(func.coalesce(func.sum(items.cost_usd), 0.0)).where(items.run_id == run_id)
        ).scalar_one()
        judged = conn.execute(
            select(func.coalesce(func.sum(results.cost_usd), 0.0)).where(results.run_id == run_id)
        ).scalar_one()
        return run_id, done, float(spent) + float(judged)


def _close_run(engine: Engine, run_id: int, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(eval_runs)
            .where(eval_runs.c.id == run_id)
            .values(status=status, finished_at=datetime.now(UTC))
        )


class _Runner:
    """Keeps at most ``concurrency`` items in flight; records each one as it lands."""

    def __init__(self, engine, project_id, report, spec: RunSpec, evaluators, on_item, stop) -> None:
        self.engine, self.project_id, self.report, self.spec = engine, project_id, report, spec
        self.evaluators, self.on_item, self.stop = evaluators, on_item, stop
        self.clients: dict[str, Any] = {}
        self.lock = threading.Lock()

    def run(self, work: list[Work]) -> None:
        pending = iter(work)
        with ThreadPoolExecutor(
            max_workers=self.spec.concurrency, thread_name_prefix="otel-llm-eval"
        ) as pool:
            in_flight: dict[Future, Work] = {}
            try:
                self._loop(pool, pending, in_flight)
            except KeyboardInterrupt:
                self.report.status = "interrupted"
                self._drain(in_flight)

    def _loop(self, pool, pending, in_flight) -> None:
        while True:
            while len(in_flight) < self.spec.concurrency and self._may_start():
                work = next(pending, None)
                if work is None:
                    break
                in_flight[pool.submit(self._do, work)] = work
            if not in_flight:
                return
            finished, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                self._record(in_flight.pop(future), future.result())

    def _may_start(self) -> bool:
        if self.stop.is_set():
            self.report.status = "interrupted"
            return False
        if self.spec.max_cost_usd is not None and self.report.cost_usd >= self.spec.max_cost_usd:
            self.report.status = "cost_cap"
            return False
        return True

    def _drain(self, in_flight: dict[Future, Work]) -> None:
        """Let the calls already sent finish and record them, so nothing paid for is lost."""
        for future in list(in_flight):
            try:
                self._record(in_flight.pop(future), future.result())
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                return

    def _client(self, provider: str) -> Any:
        with self.lock:
            if provider not in self.clients:
                self.clients[provider] = providers.client(provider, base_url=self.spec.base_url)
            return self.clients[provider]

    def _do(self, work: Work) -> Answer:
        client = self._client(work.variant.call.config["provider"])
        result = answer(client, self.project_id, self.report.run_id, work.variant, work.item)
        result.rows = result.recording.rows(self.engine)
        judge_answer(result, work.item, self.evaluators)
        return result

    def _record(self, work: Work, result: Answer) -> None:
        """The answer's spans, its run item and its verdicts in one transaction."""
        try:
            with self.engine.begin() as conn:
                writer.insert_rows(conn, result.rows)
                item_id = _insert_item(conn, self.report.run_id, work, result)
                span_id = (result.llm_row or {}).get("span_id")
                ids = scoring.store(
                    conn, self.project_id, self.report.run_id, span_id, result.verdicts, self.evaluators
                )
                _insert_verdicts(conn, self.report.run_id, work, item_id, result, ids)
        except IntegrityError:  # another runner recorded the same item first; keep this call's spans
            with self.engine.begin() as conn:
                writer.insert_rows(conn, result.rows)
            return
        self.report.done += 1
        self.report.failed += 0 if result.ok else 1
        self.report.evaluator_errors += sum(1 for v in result.verdicts if v.error)
        self.report.cost_usd += result.cost_usd
        if self.on_item:
            self.on_item(work, result)


def _insert_item(conn, run_id: int, work: Work, result: Answer) -> int:
    row = result.llm_row or {}
    values = dict(
        run_id=run_id, item_id=work.item.id, variant=work.variant.name, repeat_index=work.repeat_index,
        status="ok" if result.ok else "error", error=result.error, output=result.output,
        trace_id=row.get("trace_id"), span_id=row.get("span_id"), cost_usd=row.get("cost_usd"),
        duration_ms=row.get("duration_ms", result.duration_ms),
    )  # fmt: skip
    return conn.execute(insert(eval_run_items).values(**values).returning(eval_run_items.c.id)).scalar_one()


def _insert_verdicts(conn, run_id: int, work: Work, item_id: int, result: Answer, score_ids: list) -> None:
    if not result.verdicts:
        return
    conn.execute(
        insert(eval_run_results),
        [
            dict(
                run_item_id=item_id,
                run_id=run_id,
                variant=work.variant.name,
                item_id=work.item.id,
                evaluator=v.evaluator,
                score_id=score_id,
                error=v.error,
                cost_usd=v.cost_usd,
                span_id=v.span_id,
            )
            for v, score_id in zip(result.verdicts, score_ids, strict=True)
        ],
    )
