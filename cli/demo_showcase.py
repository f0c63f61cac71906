"""What the demo does with the week of traffic it stored: an experiment run, a replay, a batch replay
and an evaluation run.

Each step calls the same service the CLI and the console call, sending to the local provider, so the
console opens on a populated automated-runs table, a replay diff and a regression run.
"""

from __future__ import annotations

from otel_llm_server.cli.demo_app import EXPERIMENT, PROMPT_NAME
from sqlalchemy import Engine

ACTOR = "demo"
RUN_REPEAT = 3
REPLAY_MODEL = "gpt-4.1-mini"
BATCH_LIMIT = 8


def run(engine: Engine, project: str, provider_url: str) -> list[str]:
    """Run the three steps; the lines say what was stored and how to look at it."""
    from otel_llm.accounts.projects import get_project

    project_id = get_project(engine, project).id
    return [
        experiment_run(engine, project, provider_url),
        single_replay(engine, project_id, provider_url),
        batch_replay(engine, project_id, provider_url),
        evaluation_run(engine, project, project_id, provider_url),
    ]


def experiment_run(engine: Engine, project: str, provider_url: str) -> str:
    from otel_llm.experiments import runs

    report = runs.run_experiment(
        engine, project, EXPERIMENT, repeat=RUN_REPEAT, base_url=provider_url, new_run=True
    )
    return (
        f"Experiment {EXPERIMENT}: automated run {report.run_id} sent {report.total} test-case calls "
        f"({report.status}); see `otel-llm experiments results {EXPERIMENT}`."
    )


def single_replay(engine: Engine, project_id: int, provider_url: str) -> str:
    from otel_llm.replay import Overrides
    from otel_llm.replay.batch import Selection, select_spans
    from otel_llm.replay.run import replay_span

    original = select_spans(engine, project_id, Selection(prompt=PROMPT_NAME, model="gpt-4o-mini", limit=1))[
        0
    ]
    result = replay_span(
        engine,
        project_id,
        original["span_id"],
        Overrides(model=REPLAY_MODEL),
        actor=ACTOR,
        base_url=provider_url,
    )
    return (
        f"Replayed span {original['span_id']} with {REPLAY_MODEL} ({result.status}); "
        f"see `otel-llm replay list`."
    )


def batch_replay(engine: Engine, project_id: int, provider_url: str) -> str:
    """The legacy prompt's calls again with the current version: a regression check before a rollout."""
    from otel_llm.prompts import versions
    from otel_llm.replay import Overrides
    from otel_llm.replay import batch as batch_service

    latest = versions.list_versions(engine, project_id, PROMPT_NAME)[0].version
    selection = batch_service.Selection(prompt=f"{PROMPT_NAME}@legacy", limit=BATCH_LIMIT)
    overrides = Overrides(prompt=f"{PROMPT_NAME}@v{latest}")
    plan = batch_service.plan(engine, project_id, selection, overrides, ACTOR)
    summary = batch_service.execute(engine, project_id, plan, overrides, ACTOR, base_url=provider_url)
    return (
        f"Batch replay run {plan.run_id}: {len(plan.span_ids)} calls of {PROMPT_NAME}@legacy with "
        f"v{latest} ({summary.get('status')}, mean similarity {summary.get('mean_similarity')}); "
        f"see `otel-llm replay show {plan.run_id}`."
    )


EVAL_DATASET = "support-faq"
EVAL_QUESTIONS = (
    ("How do I reset my password?", "Open the sign-in page and choose Forgot password."),
    ("I am locked out of my account, what now?", "Open the sign-in page and choose Forgot password."),
    ("I forgot my login password.", "Open the sign-in page and choose Forgot password."),
    (
        "Can I change the shipping address of my order?",
        "You can change the shipping address until the order is packed.",
    ),
    ("I typed the wrong address, help!", "You can change the shipping address until the order is packed."),
)


def evaluation_run(engine: Engine, project: str, project_id: int, provider_url: str) -> str:
    """Two system prompts on a small dataset, judged three ways: the brief one is significantly
    closer to the reference answers; the verdict in words says so."""
    from otel_llm import datasets
    from otel_llm.evaluation import results, runs

    try:
        datasets.get(engine, project_id, EVAL_DATASET)
    except datasets.DatasetNotFound:
        items = [
            datasets.ItemSpec(messages=[{"role": "user", "content": f"{q} (ticket {n})"}], expected_output=a)
            for n in range(1, 4)
            for q, a in EVAL_QUESTIONS
        ]
        datasets.create(
            engine, project_id, EVAL_DATASET, "Support questions with reference answers", items, ACTOR
        )
    spec = runs.RunSpec(
        EVAL_DATASET,
        (
            "full:model=gpt-4o-mini,system_prompt=You help customers.",
            "brief:model=gpt-4o-mini,system_prompt=You help customers. Be brief.",
        ),  # fmt: skip
        ("similarity", "contains", "judge:helpfulness"),
        base_url=provider_url,
        actor=ACTOR,
        new_run=True,
    )
    report = runs.run_evaluation(engine, project, spec)
    found = results.run_results(engine, project_id, report.run_id)
    significant = [v.summary for v in found.verdicts if v.significant]
    headline = significant[0] if significant else "no difference is significant"
    return (
        f"Evaluation run {report.run_id} on {EVAL_DATASET}: {headline} "
        f"See `otel-llm eval show {report.run_id} --items` or /eval-runs/{report.run_id}."
    )
