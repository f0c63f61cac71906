"""``otel-llm eval``: evaluation runs on a dataset, their results, and a regression gate for CI.

Every command calls one function of ``otel_llm.evaluation`` (the same ones the console and the API
use) and only formats its result. Results import scipy, lazily.
"""

from __future__ import annotations

import json
import os
import sys

import click
from otel_llm_server.cli import evaluate_output as output
from otel_llm_server.cli.db import db_engine
from otel_llm_server.cli.errors import friendly

from otel_llm import settings
from otel_llm.evaluation.base import EvaluatorError
from otel_llm.evaluation.errors import EvaluationError

_friendly = friendly(EvaluationError, EvaluatorError)

_BASE_URL = click.option(
    "--base-url",
    envvar="OTEL_LLM_MOCK_URL",
    help="Send every call (answers and judges) to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
)
_JUDGE_MODEL = click.option(
    "--judge-model", help="Model for judge:… evaluators (default: the judge prompt's)."
)
_EVALUATOR = click.option(
    "--evaluator",
    "-e",
    "evaluators",
    multiple=True,
    required=True,
    help="exact, contains, regex:PATTERN, json, json_schema:PATH, numeric[:TOL], similarity, "
    "judge:NAME[@vN], a registered name or module:function. Repeatable.",
)


def _project(ctx: click.Context) -> str:
    return settings.project(ctx.obj.get("project"))


def _project_id(ctx: click.Context) -> int:
    from otel_llm.evaluation.items import project_id_of

    return project_id_of(db_engine(ctx), _project(ctx))


@click.group(name="eval")
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def evaluate(ctx: click.Context, project: str | None) -> None:
    """Evaluate variants on a dataset with evaluators; results with paired significance; a CI gate.

    \b
    Example:
      otel-llm eval run faq --prompt support@v3 --variant 'a:model=gpt-4o-mini' \\
          --variant 'b:model=claude-haiku-4-5' --evaluator exact --evaluator judge:helpfulness
      otel-llm eval show 12 --items
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    if os.getcwd() not in sys.path:  # --evaluator module:function finds the project's own modules
        sys.path.insert(0, os.getcwd())


@evaluate.command()
@click.argument("dataset")
@click.option("--prompt", help="Prompt version every variant renders the items' variables into (NAME@vN).")
@click.option(
    "--variant", "variants", multiple=True, required=True, help="NAME:model=…[,key=value…]. Repeatable."
)
@_EVALUATOR
@click.option(
    "--repeat", default=1, show_default=True, type=int, help="Times each item is sent to each variant."
)
@click.option("--concurrency", default=4, show_default=True, type=int, help="Items in flight at once.")
@click.option(
    "--max-cost", type=float, help="Stop starting items once this many USD are spent (judges included)."
)
@click.option("--new", "new_run", is_flag=True, help="Start a new run instead of resuming an unfinished one.")
@_JUDGE_MODEL
@_BASE_URL
@click.pass_context
@_friendly
def run(
    ctx, dataset, prompt, variants, evaluators, repeat, concurrency, max_cost, new_run, judge_model, base_url
):
    """Send every dataset item to every variant and judge each answer with every evaluator.

    DATASET is NAME (its latest version) or NAME@vN. Resumes the last unfinished run of the same
    plan (stopped by Ctrl-C, the cost cap or a crash) without sending finished calls again.

    \b
    Example:
      otel-llm eval run faq --prompt support@v3 --variant 'a:model=gpt-4o-mini' \\
          --variant 'b:model=gpt-4.1-mini' --evaluator similarity --evaluator judge:helpfulness \\
          --repeat 2 --concurrency 8 --max-cost 1.50
    """
    from otel_llm.evaluation.runs import RunSpec, run_evaluation

    spec = RunSpec(
        dataset, tuple(variants), tuple(evaluators), prompt, repeat, concurrency, max_cost, base_url,
        judge_model, actor=os.environ.get("USER", ""), new_run=new_run,
    )  # fmt: skip
    state: dict = {}

    def started(report):
        if report.resumed:
            click.echo(
                f"Resuming run {report.run_id}: {report.skipped} of {report.total} items already done."
            )
        state["bar"] = click.progressbar(length=report.total - report.skipped, label=f"Evaluating {dataset}")
        state["bar"].__enter__()

    try:
        report = run_evaluation(
            db_engine(ctx), _project(ctx), spec, on_start=started, on_item=lambda *_: state["bar"].update(1)
        )
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    click.echo(output.run_report(report))
    if report.status == "interrupted":
        ctx.exit(130)


@evaluate.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def list_runs(ctx, as_json):
    """The project's evaluation runs, newest first.

    \b
    Example:
      otel-llm eval list
    """
    from otel_llm.evaluation.results import list_runs as runs

    found = runs(db_engine(ctx), _project_id(ctx))
    click.echo(json.dumps(found, indent=2, default=str) if as_json else output.runs_table(found))


@evaluate.command()
@click.argument("run_id", type=int)
@click.option("--items", "show_items", is_flag=True, help="Also list the items side by side.")
@click.option(
    "--sort-by", "evaluator", help="Evaluator whose score difference orders --items (default: the first)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_friendly
def show(ctx, run_id, show_items, evaluator, as_json):
    """Per variant and evaluator: n, mean or pass rate with its 95 % interval; the paired verdict.

    With --items, every item side by side (each variant's answer and scores), the largest drop of
    the last variant against the first on the chosen evaluator first.

    \b
    Example:
      otel-llm eval show 12 --items --sort-by judge:helpfulness
    """
    from otel_llm.evaluation import results

    engine, project_id = db_engine(ctx), _project_id(ctx)
    found = results.run_results(engine, project_id, run_id)
    items = results.side_by_side(engine, project_id, run_id, evaluator) if show_items else None
    if as_json:
        click.echo(json.dumps({**found.to_dict(), "items": items}, indent=2, default=str))
        return
    click.echo(output.results_text(found))
    if items is not None:
        click.echo("")
        click.echo(output.items_text(found, items))


@evaluate.command()
@click.option("--dataset", required=True, help="Dataset (NAME or NAME@vN).")
@click.option("--baseline", required=True, help="The prompt version in use (NAME@vN).")
@click.option("--candidate", required=True, help="The prompt version to ship (NAME@vN).")
@_EVALUATOR
@click.option(
    "--max-drop", default=0.0, show_default=True, type=float, help="Worsening allowed before failing."
)
@click.option("--model", help="Model for both versions (default: each prompt version's config).")
@click.option(
    "--repeat", default=1, show_default=True, type=int, help="Times each item is sent to each version."
)
@click.option("--concurrency", default=4, show_default=True, type=int, help="Items in flight at once.")
@click.option("--max-cost", type=float, help="Stop starting items once this many USD are spent.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@_JUDGE_MODEL
@_BASE_URL
@click.pass_context
@_friendly
def gate(ctx, dataset, baseline, candidate, evaluators, max_drop, model, repeat, concurrency, max_cost,
         as_json, judge_model, base_url):  # fmt: skip
    """Exit 1 when the candidate is worse than the baseline beyond --max-drop, with significance.

    Runs both prompt versions on the dataset (a new run), compares them item by item, and prints
    why it passes or fails; exit 0 otherwise.

    \b
    Example:
      otel-llm eval gate --dataset faq --baseline support@v2 --candidate support@v3 \\
          --evaluator similarity --max-drop 0.02
    """
    from otel_llm.evaluation.gate import gate as run_gate

    result = run_gate(
        db_engine(ctx), _project(ctx), dataset=dataset, baseline=baseline, candidate=candidate,
        evaluators=tuple(evaluators), max_drop=max_drop, model=model, repeat=repeat, concurrency=concurrency,
        max_cost_usd=max_cost, base_url=base_url, judge_model=judge_model,
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        click.echo(output.gate_text(result, baseline, candidate))
    ctx.exit(result.exit_code)


@evaluate.group()
def rules() -> None:
    """Online evaluation: judge a share of production spans as they arrive (run `otel-llm worker`).

    \b
    Example:
      otel-llm eval rules add helpful-support --evaluator judge:helpfulness --prompt support \\
          --sample 10 --daily-cost-cap 2
      otel-llm eval rules list
    """


@rules.command(name="add")
@click.argument("name")
@click.option(
    "--evaluator",
    "-e",
    required=True,
    help="One evaluator that needs no expected output (judge:…, json, regex:…).",
)
@click.option("--prompt", help="Only spans of this prompt (name).")
@click.option("--model", help="Only spans of this model.")
@click.option(
    "--sample", default=10.0, show_default=True, type=float, help="Percent of matching spans judged."
)
@click.option("--daily-cost-cap", type=float, help="Stop judging for the day once this many USD are spent.")
@click.pass_context
@_friendly
def add_rule(ctx, name, evaluator, prompt, model, sample, daily_cost_cap):
    """Judge SAMPLE % of new production spans of a prompt or model with an evaluator.

    \b
    Example:
      otel-llm eval rules add json-orders --evaluator json --model gpt-4o-mini --sample 25
    """
    from otel_llm.evaluation import online

    online.create_rule(
        db_engine(ctx), _project_id(ctx), name, evaluator, prompt=prompt, model=model, sample_percent=sample,
        daily_cost_cap_usd=daily_cost_cap, actor=os.environ.get("USER", ""),
    )  # fmt: skip
    click.echo(f"Rule {name} added; `otel-llm worker` applies it to spans from now on.")


@rules.command(name="list")
@click.pass_context
@_friendly
def list_rules(ctx):
    """The project's online evaluation rules with today's spend.

    \b
    Example:
      otel-llm eval rules list
    """
    from otel_llm.evaluation import online

    found = online.list_rules(db_engine(ctx), _project_id(ctx))
    if not found:
        click.echo("No rules yet; add one with `otel-llm eval rules add NAME --evaluator …`.")
    for r in found:
        scope = (
            f"prompt {r['prompt_name']}"
            if r["prompt_name"]
            else f"model {r['model']}"
            if r["model"]
            else "all spans"
        )
        cap = f"${r['daily_cost_cap_usd']:.2f}/day" if r["daily_cost_cap_usd"] is not None else "no cap"
        click.echo(
            f"{r['name']}: {r['evaluator']} on {r['sample_percent']:g} % of {scope}, {cap}; "
            f"today {r['judged_today'] or 0} judged for ${r['spent_today'] or 0:.4f}"
        )


@rules.command(name="remove")
@click.argument("name")
@click.pass_context
@_friendly
def remove_rule(ctx, name):
    """Remove an online evaluation rule (its scores stay).

    \b
    Example:
      otel-llm eval rules remove helpful-support
    """
    from otel_llm.evaluation import online

    online.remove_rule(db_engine(ctx), _project_id(ctx), name)
    click.echo(f"Rule {name} removed.")
