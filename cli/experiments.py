"""``otel-llm experiments``: model A/B experiments from the terminal.

Every command calls one function of ``otel_llm.experiments`` (the same ones the console and the SDK
use) and only formats its result. ``results`` imports scipy, lazily.
"""

from __future__ import annotations

from pathlib import Path

import click
from otel_llm_server.cli import experiments_output as output
from otel_llm_server.cli.db import db_engine
from otel_llm_server.cli.errors import friendly
from otel_llm_server.cli.output import JSON_OPTION, print_json, user_name

from otel_llm import settings
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import METRICS, ExperimentSpec, TestCase

# The service and the spec parsing (SQLAlchemy, the provider registry) are imported by each command,
# so that --help stays fast.


def _project(ctx: click.Context) -> str:
    return settings.project(ctx.obj.get("project"))


_friendly = friendly(ExperimentError)  # service errors become ClickExceptions carrying their sentence


def _cases(texts: tuple[str, ...], path: Path | None) -> list[TestCase]:
    from otel_llm.experiments.validation import case_from_text, parse_test_cases_jsonl

    cases = [case_from_text(text) for text in texts]
    if path is not None:
        cases += parse_test_cases_jsonl(path.read_text(encoding="utf-8"))
    return cases


@click.group()
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def experiments(ctx: click.Context, project: str | None) -> None:
    """Compare models: create experiments, run them, read results with significance.

    \b
    Example:
      otel-llm experiments create bakeoff --variant 'name=a,provider=openai,model=gpt-4o-mini' \\
          --variant 'name=b,provider=anthropic,model=claude-haiku-4-5' --weights 50,50
      otel-llm experiments results bakeoff
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@experiments.command()
@click.argument("name")
@click.option(
    "--variant",
    "variants",
    multiple=True,
    required=True,
    metavar="SPEC",
    help="name=a,provider=openai,model=gpt-4o-mini[,temperature=0.7,max_tokens=256,"
    "system_prompt=...|prompt_ref=support@production,weight=50,control=true] or a JSON object. "
    "Repeat per variant; the first is the control unless one says control=true.",
)
@click.option(
    "--weights", help="Traffic weights in percent, one per variant, adding up to 100 (default: even)."
)
@click.option(
    "--test-case", "test_cases", multiple=True, metavar="TEXT", help="A user message to test (repeatable)."
)
@click.option(
    "--test-cases",
    "cases_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL file: {"input": "..."} or {"messages": [...], "reference_output": "..."} per line.',
)
@click.option(
    "--dataset",
    metavar="NAME[@vN]",
    help="Use a dataset's items as the test cases (pinned to vN when given; else its current version).",
)
@click.option("--description", default="", help="What is compared.")
@click.option("--hypothesis", default="", help="What you expect to see.")
@click.option(
    "--metric",
    "primary_metric",
    type=click.Choice(METRICS),
    default="latency_ms",
    show_default=True,
    help="Primary metric: the winner is decided on it.",
)
@click.option("--author", help="Author [default: your user name].")
@JSON_OPTION
@click.pass_context
@_friendly
def create(
    ctx,
    name,
    variants,
    weights,
    test_cases,
    cases_file,
    dataset,
    description,
    hypothesis,
    primary_metric,
    author,
    as_json,
):
    """Create experiment NAME (as a draft) with its variants and test cases. Test cases given here
    are stored as dataset NAME-cases; --dataset uses an existing dataset instead.

    \b
    Example:
      otel-llm experiments create bakeoff \\
        --variant 'name=a,provider=openai,model=gpt-4o-mini,temperature=0.7' \\
        --variant 'name=b,provider=anthropic,model=claude-3-5-haiku-latest' \\
        --weights 50,50 --test-case 'Summarise OpenTelemetry in one line'
      otel-llm experiments create bakeoff2 --variant ... --variant ... --dataset support-qa@v3
    """
    from otel_llm.experiments import service
    from otel_llm.experiments.validation import apply_weights, parse_variant, parse_weights

    parsed = apply_weights([parse_variant(v) for v in variants], parse_weights(weights) if weights else None)
    spec = ExperimentSpec(
        name=name,
        variants=parsed,
        description=description,
        hypothesis=hypothesis,
        primary_metric=primary_metric,
        author=author or user_name(),
        test_cases=_cases(test_cases, cases_file),
        dataset=dataset,
    )
    experiment = service.create_experiment(db_engine(ctx), _project(ctx), spec)
    if as_json:
        return print_json(experiment.to_dict())
    click.echo(
        f"Created experiment {experiment.name} (draft) with {len(experiment.variants)} variants and "
        f"{experiment.test_case_count} test cases. Start it with `otel-llm experiments start {name}` "
        f"or run it with `otel-llm experiments run {name}`."
    )


@experiments.command("add-cases")
@click.argument("name")
@click.option(
    "--test-case", "test_cases", multiple=True, metavar="TEXT", help="A user message to test (repeatable)."
)
@click.option(
    "--test-cases",
    "cases_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL file of test cases (see `create --help`).",
)
@JSON_OPTION
@click.pass_context
@_friendly
def add_cases(ctx, name, test_cases, cases_file, as_json):
    """Add test cases to experiment NAME (all of them, or none if one is bad): they are added to its
    dataset (NAME-cases unless it was created with --dataset) as a new version.

    \b
    Example:
      otel-llm experiments add-cases bakeoff --test-cases cases.jsonl
    """
    from otel_llm.experiments import service

    cases = _cases(test_cases, cases_file)
    if not cases:
        raise click.ClickException("give test cases with --test-case TEXT or --test-cases FILE.jsonl.")
    engine = db_engine(ctx)
    total = service.add_test_cases(engine, _project(ctx), name, cases)
    dataset = service.get_experiment(engine, _project(ctx), name).dataset
    if as_json:
        return print_json(
            {"experiment": name, "dataset": dataset, "added": len(cases), "test_case_count": total}
        )
    click.echo(f"Added {len(cases)} test cases to dataset {dataset}; {name} now has {total}.")


@experiments.command("list")
@JSON_OPTION
@click.pass_context
@_friendly
def list_(ctx, as_json):
    """List the project's experiments, newest first.

    \b
    Example:
      otel-llm experiments list --json
    """
    from otel_llm.experiments import service

    found = service.list_experiments(db_engine(ctx), _project(ctx))
    if as_json:
        print_json([e.to_dict() for e in found])
    elif not found:
        click.echo("No experiments yet. Create one with `otel-llm experiments create NAME --variant ...`.")
    else:
        click.echo(output.experiment_table(found))


@experiments.command()
@click.argument("name")
@JSON_OPTION
@click.pass_context
@_friendly
def show(ctx, name, as_json):
    """Show experiment NAME: status, variants with their config, test cases and runs.

    \b
    Example:
      otel-llm experiments show bakeoff
    """
    from otel_llm.experiments import service
    from otel_llm.experiments.runs import run_summaries

    engine, project = db_engine(ctx), _project(ctx)
    experiment = service.get_experiment(engine, project, name)
    cases = service.list_test_cases(engine, project, name)
    history = run_summaries(engine, project, name)
    if as_json:
        data = experiment.to_dict() | {"test_cases": [c.to_dict() for c in cases], "runs": history}
        print_json(data)
    else:
        click.echo(output.experiment_detail(experiment, cases, history))


@experiments.command()
@click.argument("name")
@JSON_OPTION
@click.pass_context
@_friendly
def start(ctx, name, as_json):
    """Start experiment NAME: apps using `otel_llm.experiment(NAME)` split traffic by the weights.

    \b
    Example:
      otel-llm experiments start bakeoff
    """
    from otel_llm.experiments import service

    experiment = service.start(db_engine(ctx), _project(ctx), name)
    if as_json:
        return print_json(experiment.to_dict())
    click.echo(f"{name} is running.")


@experiments.command()
@click.argument("name")
@JSON_OPTION
@click.pass_context
@_friendly
def stop(ctx, name, as_json):
    """Stop experiment NAME: apps get the control again (start it again to resume).

    \b
    Example:
      otel-llm experiments stop bakeoff
    """
    from otel_llm.experiments import service

    experiment = service.stop(db_engine(ctx), _project(ctx), name)
    if as_json:
        return print_json(experiment.to_dict())
    click.echo(f"{name} is stopped; apps now get the control.")


@experiments.command()
@click.argument("name")
@click.option(
    "--repeat", default=1, show_default=True, type=int, help="Times each test case is sent to each variant."
)
@click.option("--concurrency", default=4, show_default=True, type=int, help="Calls in flight at once.")
@click.option("--max-cost", type=float, help="Stop starting calls once this many USD are spent (whole run).")
@click.option("--new", "new_run", is_flag=True, help="Start a new run instead of resuming an unfinished one.")
@click.option(
    "--base-url",
    envvar="OTEL_LLM_MOCK_URL",
    help="Send every call to this provider URL (the local provider) [env: OTEL_LLM_MOCK_URL].",
)
@click.option(
    "--evaluator",
    "evaluators",
    multiple=True,
    help="Judge every answer (scores on its span): exact, similarity, judge:helpfulness… (see `otel-llm eval`).",
)
@click.option("--judge-model", help="Model for judge:… evaluators (default: the judge prompt's).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's report as JSON (no progress bar).")
@click.pass_context
@_friendly
def run(ctx, name, repeat, concurrency, max_cost, new_run, base_url, evaluators, judge_model, as_json):
    """Send every test case to every variant through the real SDKs, traced and tagged.

    Resumes the last unfinished run with the same --repeat (stopped by the cost cap, Ctrl-C or a
    crash), skipping what it already did. Provider errors count as failed calls.

    \b
    Example:
      otel-llm experiments run bakeoff --repeat 5 --concurrency 4 --max-cost 2.50
      otel-llm experiments run bakeoff --json | jq .status
      otel-llm experiments run bakeoff --evaluator similarity --evaluator judge:helpfulness
    """
    from otel_llm.experiments import runs

    state: dict = {}

    def started(report):
        if as_json:
            return
        if report.resumed:
            click.echo(
                f"Resuming run {report.run_id}: {report.skipped} of {report.total} calls already done."
            )
        state["bar"] = click.progressbar(length=report.total - report.skipped, label=f"Running {name}")
        state["bar"].__enter__()

    def advanced(_item, _result):
        if "bar" in state:
            state["bar"].update(1)

    try:
        report = runs.run_experiment(
            db_engine(ctx),
            _project(ctx),
            name,
            repeat=repeat,
            concurrency=concurrency,
            max_cost_usd=max_cost,
            base_url=base_url,
            new_run=new_run,
            on_start=started,
            on_item=advanced,
            evaluators=tuple(evaluators),
            judge_model=judge_model,
        )
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    if as_json:
        print_json(output.run_report_data(name, report))
    else:
        click.echo(output.run_report(name, report))
    if report.status == "interrupted":
        ctx.exit(130)


@experiments.command()
@click.argument("name")
@JSON_OPTION
@click.pass_context
@_friendly
def results(ctx, name, as_json):
    """Per-variant metrics and each variant against the control, with significance.

    \b
    Example:
      otel-llm experiments results bakeoff
      otel-llm experiments results bakeoff --json | jq .winner
    """
    from otel_llm.experiments.results import experiment_results

    found = experiment_results(db_engine(ctx), _project(ctx), name)
    if as_json:
        print_json(found.to_dict())
    else:
        click.echo(output.results_text(found))


@experiments.command()
@click.argument("name")
@click.argument("variant")
@JSON_OPTION
@click.pass_context
@_friendly
def promote(ctx, name, variant, as_json):
    """End experiment NAME and make VARIANT what apps get from now on.

    \b
    Example:
      otel-llm experiments promote bakeoff b
    """
    from otel_llm.experiments import service
    from otel_llm.experiments.results import experiment_results

    engine, project = db_engine(ctx), _project(ctx)
    winner = experiment_results(engine, project, name).winner
    experiment = service.promote(engine, project, name, variant)
    if as_json:
        return print_json(experiment.to_dict() | {"results_winner": winner})
    click.echo(f"{name} is completed; apps now get {variant}.")
    if winner != variant:
        shown = f"the winner is {winner}" if winner else "no variant is a significant winner"
        click.echo(f"Note: by the results {shown}.")
