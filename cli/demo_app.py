"""The demo's sample app: what an instrumented app looks like, calling the real SDKs.

``seed`` registers what a team would have set up in the console (two versions of a prompt, an A/B
experiment); ``run`` is the app: it fetches the prompt with ``otel_llm.get_prompt``, asks
``otel_llm.experiment`` which model each user gets, and calls the official ``openai`` and
``anthropic`` clients. otel-llm's instrumentation turns each call into a stored, tagged span.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import anthropic
import openai
from sqlalchemy import Engine

import otel_llm

PROMPT_NAME = "support-agent"
PROMPT_V1 = "You are a support agent for {{company}}. Answer briefly."
PROMPT_V2 = "You are a friendly support agent for {{company}}. Answer briefly, then offer one next step."
EXPERIMENT = "model-bakeoff"

QUESTIONS = [
    "How do I reset my password?",
    "Where is my order #1042?",
    "Can I change the shipping address after ordering?",
    "Do you ship to Canada?",
    "How do I cancel my subscription?",
    "Why was my card declined?",
    "What is your refund policy?",
    "Can I talk to a human?",
    "How do I update my billing email?",
    "Is there a student discount?",
]


@dataclass
class DemoSummary:
    calls: int = 0
    errors: int = 0


def seed(engine: Engine, project: str) -> None:
    """Two prompt versions (v1 labelled ``legacy``, v2 published) and a running two-model experiment."""
    from otel_llm.accounts.projects import get_project
    from otel_llm.experiments import service as experiments
    from otel_llm.experiments.errors import ExperimentError
    from otel_llm.experiments.model import ExperimentSpec, TestCase, VariantSpec
    from otel_llm.prompts import labels, versions
    from otel_llm.prompts.errors import PromptError
    from otel_llm.storage.writer import ensure_project

    with engine.begin() as connection:
        ensure_project(connection, project)
    project_id = get_project(engine, project).id
    try:
        registered = versions.list_versions(engine, project_id, PROMPT_NAME)
    except PromptError:
        registered = []
    if not registered:  # an earlier demo run's versions, labels and history are kept as they are
        versions.create_version(
            engine, project_id, PROMPT_NAME, PROMPT_V1, summary="first version", author="demo"
        )
        labels.publish(engine, project_id, PROMPT_NAME, 1, actor="demo")
        labels.set_label(engine, project_id, PROMPT_NAME, 1, "legacy", actor="demo")
        versions.create_version(
            engine,
            project_id,
            PROMPT_NAME,
            PROMPT_V2,
            summary="friendlier, offers a next step",
            author="demo",
        )
        labels.publish(engine, project_id, PROMPT_NAME, 2, actor="demo")

    spec = ExperimentSpec(
        name=EXPERIMENT,
        description="Is Claude Haiku as good as GPT-4o mini for support answers, and faster?",
        hypothesis="Variant b answers with lower latency at similar cost.",
        author="demo",
        variants=[
            VariantSpec("a", 50, True, {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.3}),
            VariantSpec(
                "b", 50, False, {"provider": "anthropic", "model": "claude-haiku-4-5", "max_tokens": 200}
            ),
        ],
        test_cases=[TestCase([{"role": "user", "content": q}]) for q in QUESTIONS[:4]],
    )
    try:
        experiments.create_experiment(engine, project, spec)
        experiments.start(engine, project, EXPERIMENT)
    except ExperimentError:
        pass  # already there from an earlier demo run


def _ask(oa, an, config: dict, system: str, question: str, stream: bool) -> None:
    model = config["model"]
    if config["provider"] == "openai":
        messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        if stream:
            for _ in oa.chat.completions.create(
                model=model, messages=messages, stream=True, stream_options={"include_usage": True}
            ):
                pass
        else:
            oa.chat.completions.create(model=model, messages=messages, temperature=config.get("temperature"))
        return
    messages = [{"role": "user", "content": question}]
    max_tokens = config.get("max_tokens", 200)
    if stream:
        with an.messages.stream(
            model=model, system=system, messages=messages, max_tokens=max_tokens
        ) as events:
            events.get_final_message()
    else:
        an.messages.create(model=model, system=system, messages=messages, max_tokens=max_tokens)


async def _async_calls(mock_url: str, system: str) -> int:
    oa = openai.AsyncOpenAI(base_url=mock_url + "/v1", api_key="demo-key", max_retries=0)
    an = anthropic.AsyncAnthropic(base_url=mock_url, api_key="demo-key", max_retries=0)
    await asyncio.gather(
        oa.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": "Summarise my last ticket."},
            ],
        ),
        an.messages.create(
            model="claude-haiku-4-5",
            system=system,
            max_tokens=300,
            messages=[{"role": "user", "content": "Draft a polite apology."}],
        ),
    )
    await oa.close()
    await an.close()
    return 2


def run(mock_url: str, rounds: int = 4) -> DemoSummary:
    """Several dozen calls from simulated users: two prompt versions, two variants, streamed and not."""
    oa = openai.OpenAI(base_url=mock_url + "/v1", api_key="demo-key", max_retries=0)
    an = anthropic.Anthropic(base_url=mock_url, api_key="demo-key", max_retries=0)
    summary = DemoSummary()
    for round_no in range(rounds):
        for i, question in enumerate(QUESTIONS):
            user_id = f"user-{round_no * len(QUESTIONS) + i}"
            prompt = otel_llm.get_prompt(PROMPT_NAME, label="production" if i % 2 else "legacy")
            if i == 7 and round_no == 0:
                question += " [[mock:error=500]]"  # the local provider fails this one: an error span
            with prompt, otel_llm.experiment(EXPERIMENT, unit_id=user_id) as variant:
                try:
                    _ask(oa, an, variant.config, prompt.render(company="Acme"), question, stream=(i % 3 == 0))
                except (openai.APIError, anthropic.APIError):
                    summary.errors += 1
            summary.calls += 1
    with otel_llm.get_prompt(PROMPT_NAME) as prompt:
        summary.calls += asyncio.run(_async_calls(mock_url, prompt.render(company="Acme")))
    oa.close()
    an.close()
    return summary
