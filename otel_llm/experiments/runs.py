"""Automated runs: every test case × every variant × ``repeat``, through the real SDKs.

A run is stored with one item per (test case, variant, repeat) as each call finishes, so a run
stopped by the cost cap, Ctrl-C or a crash resumes where it left off: the next ``run`` of the same
experiment with the same ``repeat`` skips the items already recorded (failed calls included — they
are results). Each call goes through ``otel_llm.server_calls``: traced, tagged, and its spans
written with its run item, into the experiment's project only (never through the app-wide
pipeline), so results read them right away. Runs of different experiments and projects go on at
the same time in one process; one experiment has one run at a time in a process.

A run that cannot go on is ``failed`` with the reason on the run (``error``: one sentence, secrets
masked): a failure midway, and, for runs started on someone's behalf (console, API) with
``record_refusal=True``, missing provider credentials — the person who started it reads why on the
run's page. From the terminal a missing credential is an error before anything is stored.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm import providers, server_calls
from otel_llm.experiments import service
from otel_llm.experiments.calls import CallResult, PreparedVariant, call
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import Experiment, TestCase, VariantSpec
from otel_llm.experiments.prompt_refs import resolve_prompt
from otel_llm.masking import short_error
from otel_llm.pricing import PricingTable
from otel_llm.pricing.custom import table_for as project_pricing
from otel_llm.storage import writer
from otel_llm.storage.schema_datasets import dataset_versions
from otel_llm.storage.schema_experiments import experiment_run_items, experiment_runs

RESUMABLE = ("running", "interrupted", "cost_cap", "failed")

_turns = threading.Condition()
_running: set[int] = set()  # experiments with a run going on in this process


class RunInProgress(ExperimentError):
    pass


class RunFailed(ExperimentError):
    """The run stopped on an unexpected error; the run is stored ``failed`` with the reason."""


@dataclass(frozen=True)
class Item:
    case: TestCase
    variant: PreparedVariant
    repeat_index: int


@dataclass
class RunReport:
    run_id: int
    status: str  # completed | cost_cap | interrupted | failed
    total: int  # items in the whole run
    skipped: int  # recorded by an earlier attempt
    done: int = 0  # recorded now
    failed: int = 0
    cost_usd: float = 0.0  # whole run, earlier attempts included
    error: str | None = None  # why a failed run failed

    @property
    def resumed(self) -> bool:
        return self.skipped > 0


ProgressCallback = Callable[[Item, CallResult], None]


def run_experiment(
    engine: Engine,
    project: str,
    name: str,
    *,
    repeat: int = 1,
    concurrency: int = 4,
    max_cost_usd: float | None = None,
    base_url: str | None = None,
    new_run: bool = False,
    on_start: Callable[[RunReport], None] | None = None,
    on_item: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    wait: bool = True,
    record_refusal: bool = False,
    evaluators: tuple[str, ...] = (),
    judge_model: str | None = None,
) -> RunReport:
    """Run (or resume) experiment ``name``. Ctrl-C or ``stop`` ends it cleanly as ``interrupted``;
    an unexpected error stores it ``failed`` with the reason and raises ``RunFailed``.

    A draft experiment is started first. Missing provider credentials are an ``ExperimentError``
    before anything is called or stored; with ``record_refusal``, a ``failed`` run holding that
    sentence is stored (and reported to ``on_start``) instead. With ``wait=False``,
    ``RunInProgress`` is raised at once when this process is already running the experiment.
    ``evaluators`` (``otel_llm.evaluation`` names) judge every answer against its test case's
    reference output; their verdicts are scores on the answer's span and judge calls count in the
    run's cost.
    """
    _check_options(repeat, concurrency, max_cost_usd)
    project_id, experiment, (version_id, cases), variants = _plan(engine, project, name)
    judging = _judging(engine, project_id, evaluators, base_url, judge_model)
    problem = _credentials_problem(variants, base_url)
    if problem:
        if not record_refusal:
            raise ExperimentError(problem)
        return _refused_run(engine, experiment.id, version_id, repeat, max_cost_usd, problem, on_start)
    if experiment.status == "draft":
        experiment = service.start(engine, project, name)
    with _experiment_turn(experiment, wait):
        run_id, done_keys, spent = _open_run(engine, experiment.id, version_id, repeat, max_cost_usd, new_run)
        total = len(cases) * len(variants) * repeat
        report = RunReport(run_id, "completed", total, len(done_keys), cost_usd=spent)
        items = [i for i in _items(cases, variants, repeat) if _key(i) not in done_keys]
        runner = _Runner(
            engine,
            project_id,
            experiment.name,
            report,
            max_cost_usd,
            base_url,
            on_item,
            stop or threading.Event(),
        )
        runner.judging = judging
        _execute(engine, runner, items, concurrency, on_start)
    return report


def _judging(engine: Engine, project_id: int, evaluators, base_url, judge_model):
    if not evaluators:
        return None
    from otel_llm.evaluation.attached import SpanJudging
    from otel_llm.evaluation.errors import EvaluationError

    try:
        return SpanJudging(engine, project_id, evaluators, base_url=base_url, judge_model=judge_model)
    except EvaluationError as exc:
        raise ExperimentError(str(exc)) from exc


def _plan(
    engine: Engine, project: str, name: str
) -> tuple[int, Experiment, tuple[int | None, list[TestCase]], list[PreparedVariant]]:
    """The project id, the experiment, its test cases with the dataset version they are, and
    prepared variants; errors if it cannot run."""
    version_id, cases = service.test_cases_with_version(engine, project, name)
    if not cases:
        raise ExperimentError(
            f"experiment {name!r} has no test cases; add some with `otel-llm experiments add-cases {name} ...`."
        )
    with engine.connect() as conn:
        project_id, experiment = service.load(conn, project, name)
    _check_runnable(experiment)
    variants = [_prepare(engine, project, v) for v in experiment.variants]
    return project_id, experiment, (version_id, cases), variants


def _credentials_problem(variants: list[PreparedVariant], base_url: str | None) -> str | None:
    """The sentence saying what to set for the first provider without credentials, or ``None``."""
    for provider in sorted({v.config["provider"] for v in variants}):
        try:
            providers.check_credentials(provider, base_url)
        except providers.MissingCredentials as exc:
            return str(exc)
    return None


def _refused_run(
    engine: Engine,
    experiment_id: int,
    dataset_version_id: int | None,
    repeat: int,
    max_cost: float | None,
    error: str,
    on_start: Callable[[RunReport], None] | None,
) -> RunReport:
    """A ``failed`` run that made no call, holding why it could not start (told to ``on_start``)."""
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(experiment_runs)
            .values(
                experiment_id=experiment_id,
                dataset_version_id=dataset_version_id,
                status="failed",
                repeat=repeat,
                max_cost_usd=max_cost,
                finished_at=datetime.now(UTC),
                error=error,
            )
            .returning(experiment_runs.c.id)
        ).scalar_one()
    report = RunReport(run_id, "failed", 0, 0, error=error)
    if on_start:
        on_start(report)
    return report


@contextmanager
def _experiment_turn(experiment: Experiment, wait: bool) -> Iterator[None]:
    """One run of an experiment at a time in this process; when it is running, wait or raise
    ``RunInProgress``. Runs of other experiments (and other projects) do not wait."""
    with _turns:
        while experiment.id in _running:
            if not wait:
                raise RunInProgress(
                    f"experiment {experiment.name!r} is already running in this process; "
                    "try again when that run finishes."
                )
            _turns.wait()
        _running.add(experiment.id)
    try:
        yield
    finally:
        with _turns:
            _running.discard(experiment.id)
            _turns.notify_all()


def _execute(
    engine: Engine,
    runner: _Runner,
    items: list[Item],
    concurrency: int,
    on_start: Callable[[RunReport], None] | None,
) -> None:
    """Run the items through the traced SDKs; the run row is closed with its status whatever happens."""
    report = runner.report
    try:
        if on_start:
            on_start(report)
        with server_calls.instrumented():
            runner.run(items, concurrency)
    except Exception as exc:
        report.status, report.error = "failed", short_error(exc)
        raise RunFailed(
            f"run {report.run_id} of {runner.experiment!r} failed: {report.error}; "
            "run it again to resume once that is fixed."
        ) from exc
    except BaseException:
        report.status = "interrupted"
        raise
    finally:
        _close_run(engine, report.run_id, report.status, report.error)


def _check_options(repeat: int, concurrency: int, max_cost_usd: float | None) -> None:
    if repeat < 1:
        raise ExperimentError("--repeat must be 1 or more.")
    if concurrency < 1:
        raise ExperimentError("--concurrency must be 1 or more.")
    if max_cost_usd is not None and max_cost_usd <= 0:
        raise ExperimentError("--max-cost must be a positive amount of USD.")


def _check_runnable(experiment: Experiment) -> None:
    if experiment.status in ("draft", "running"):
        return
    hint = (
        f" (start it again with `otel-llm experiments start {experiment.name}`)"
        if experiment.status == "stopped"
        else ""
    )
    raise ExperimentError(
        f"experiment {experiment.name!r} is {experiment.status}; only a draft or running experiment can be run{hint}."
    )


def _prepare(engine: Engine, project: str, variant: VariantSpec) -> PreparedVariant:
    config = variant.config
    if config.get("prompt_ref"):
        text, request, prompt_tags = resolve_prompt(engine, project, config["prompt_ref"])
        return PreparedVariant(variant.name, config, text, prompt_tags, request)
    return PreparedVariant(variant.name, config, config.get("system_prompt"), {})


def _items(cases: list[TestCase], variants: list[PreparedVariant], repeat: int) -> Iterator[Item]:
    # Interleave variants so a run cut short still has a balanced sample of each.
    for repeat_index, test_case, variant in itertools.product(range(repeat), cases, variants):
        yield Item(test_case, variant, repeat_index)


def _key(item: Item) -> tuple[int, str, int]:
    assert item.case.id is not None
    return (item.case.id, item.variant.name, item.repeat_index)


def _open_run(
    engine: Engine,
    experiment_id: int,
    dataset_version_id: int | None,
    repeat: int,
    max_cost: float | None,
    new_run: bool,
) -> tuple[int, set[tuple[int, str, int]], float]:
    """The run to continue (latest unfinished one with this ``repeat`` over the same dataset
    version) or a new one, recording the dataset version it runs."""
    with engine.begin() as conn:
        run_id = None
        if not new_run:
            run_id = conn.execute(
                select(experiment_runs.c.id)
                .where(
                    experiment_runs.c.experiment_id == experiment_id,
                    experiment_runs.c.repeat == repeat,
                    experiment_runs.c.dataset_version_id == dataset_version_id,
                    experiment_runs.c.status.in_(RESUMABLE),
                )
                .order_by(experiment_runs.c.id.desc())
                .limit(1)
            ).scalar()
        if run_id is None:
            run_id = conn.execute(
                insert(experiment_runs)
                .values(
                    experiment_id=experiment_id,
                    status="running",
                    repeat=repeat,
                    max_cost_usd=max_cost,
                    dataset_version_id=dataset_version_id,
                )
                .returning(experiment_runs.c.id)
            ).scalar_one()
            return run_id, set(), 0.0
        conn.execute(
            update(experiment_runs)
            .where(experiment_runs.c.id == run_id)
            .values(status="running", max_cost_usd=max_cost, finished_at=None, error=None)
        )
        items = experiment_run_items.c
        done = conn.execute(
            select(items.test_case_id, items.variant, items.repeat_index).where(items.run_id == run_id)
        )
        spent = conn.execute(
            select(func.coalesce(func.sum(items.cost_usd), 0.0)).where(items.run_id == run_id)
        )
        return run_id, {tuple(r) for r in done}, float(spent.scalar_one())


def _close_run(engine: Engine, run_id: int, status: str, error: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(experiment_runs)
            .where(experiment_runs.c.id == run_id)
            .values(status=status, finished_at=datetime.now(UTC), error=error)
        )


class _Runner:
    """Keeps at most ``concurrency`` calls in flight; records each result as it lands."""

    def __init__(self, engine, project_id, experiment, report, max_cost, base_url, on_item, stop):
        self.engine = engine
        self.project_id = project_id
        self.experiment = experiment
        self.report = report
        self.max_cost = max_cost
        self.on_item = on_item
        self.stop = stop
        self.pricing = project_pricing(engine, project_id, PricingTable.load())  # as its spans are
        self.clients: dict[str, Any] = {}
        self.base_url = base_url
        self.judging = None  # evaluation.attached.SpanJudging when the run has --evaluator
        self.lock = threading.Lock()

    def run(self, items: list[Item], concurrency: int) -> None:
        pending = iter(items)
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="otel-llm-run") as pool:
            in_flight: dict[Future, Item] = {}
            try:
                self._loop(pool, pending, in_flight, concurrency)
            except KeyboardInterrupt:
                self.report.status = "interrupted"
                self._drain(in_flight)

    def _loop(self, pool, pending, in_flight, concurrency) -> None:
        while True:
            while len(in_flight) < concurrency and self._may_start():
                item = next(pending, None)
                if item is None:
                    break
                in_flight[pool.submit(self._call, item)] = item
            if not in_flight:
                return
            finished, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                # Recorded before it leaves ``in_flight``: a Ctrl-C meanwhile leaves it to ``_drain``.
                self._record(in_flight[future], *future.result())
                del in_flight[future]

    def _may_start(self) -> bool:
        if self.stop.is_set():
            self.report.status = "interrupted"
            return False
        if self.max_cost is not None and self.report.cost_usd >= self.max_cost:
            self.report.status = "cost_cap"
            return False
        return True

    def _drain(self, in_flight: dict[Future, Item]) -> None:
        """Let the calls already sent finish and record them, so nothing paid for is lost."""
        for future in list(in_flight):
            try:
                self._record(in_flight.pop(future), *future.result())
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                return

    def _call(self, item: Item) -> tuple[CallResult, list[dict[str, Any]], list]:
        provider = item.variant.config["provider"]
        with self.lock:
            client = self.clients.get(provider)
            if client is None:
                client = self.clients[provider] = providers.client(provider, base_url=self.base_url)
        with server_calls.record(self.project_id) as recording:
            result = call(client, self.experiment, item.variant, item.case.messages, self.pricing)
        rows = recording.rows(self.engine)
        verdicts = (
            self.judging.judge(rows, item.case.reference_output, item.case.messages) if self.judging else []
        )
        return result, rows, verdicts

    def _record(self, item: Item, result: CallResult, rows: list[dict[str, Any]], verdicts: list) -> None:
        """The item, its spans and their scores in one transaction (the spans alone if the item was
        a duplicate)."""
        case_id, variant, repeat_index = _key(item)
        try:
            with self.engine.begin() as conn:
                writer.insert_rows(conn, rows)
                if self.judging:
                    self.judging.store(conn, rows, verdicts)
                conn.execute(
                    insert(experiment_run_items).values(
                        run_id=self.report.run_id,
                        test_case_id=case_id,
                        variant=variant,
                        repeat_index=repeat_index,
                        ok=result.ok,
                        error=result.error,
                        cost_usd=result.cost_usd,
                        duration_ms=result.duration_ms,
                        trace_id=result.trace_id,
                    )
                )
        except IntegrityError:  # another runner recorded the same item first; this call was made too
            with self.engine.begin() as conn:
                writer.insert_rows(conn, rows)
            return
        self.report.done += 1
        self.report.failed += 0 if result.ok else 1
        self.report.cost_usd += (result.cost_usd or 0.0) + (
            self.judging.cost(verdicts) if self.judging else 0.0
        )
        if self.on_item:
            self.on_item(item, result)


def run_summaries(engine: Engine, project: str, name: str) -> list[dict[str, Any]]:
    """The experiment's runs, newest first: status (and ``error`` when failed), dataset version,
    items done and failed, cost."""
    experiment = service.get_experiment(engine, project, name)
    runs, items, versions = experiment_runs.c, experiment_run_items.c, dataset_versions.c
    query = (
        select(
            runs.id,
            runs.status,
            runs.repeat,
            runs.max_cost_usd,
            runs.dataset_version_id,
            versions.number.label("dataset_version"),
            runs.started_at,
            runs.finished_at,
            runs.error,
            func.count(items.id).label("items"),
            func.coalesce(func.sum(case((items.ok.is_(False), 1), else_=0)), 0).label("failed"),
            func.coalesce(func.sum(items.cost_usd), 0.0).label("cost_usd"),
        )
        .select_from(
            experiment_runs.outerjoin(experiment_run_items, items.run_id == runs.id).outerjoin(
                dataset_versions, versions.id == runs.dataset_version_id
            )
        )
        .where(runs.experiment_id == experiment.id)
        .group_by(runs.id, versions.number)
        .order_by(runs.id.desc())
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
