"""The demo's sample app: what an instrumented app looks like, calling the real SDKs.

``seed`` registers what a team would have set up in the console (two versions of a prompt, an A/B
experiment); ``SampleApp`` is the app: it fetches the prompt with ``otel_llm.get_prompt``, asks
``otel_llm.experiment`` which model each user gets, and calls the official ``openai`` and
``anthropic`` clients; its order-lookup agent wraps model calls and a tool in an agent span.
otel-llm's instrumentation turns each model call into a stored, tagged span. When the calls are made
(spread over a week, with incidents) is ``demo_traffic``'s business.
"""

from __future__ import annotations

import asyncio
import json

import anthropic
import openai
from opentelemetry import trace
from sqlalchemy import Engine

import otel_llm

PROMPT_NAME = "support-agent"
PROMPT_V1 = "You are a support agent for {{company}}. Answer briefly."
PROMPT_V2 = "You are a friendly support agent for {{company}}. Answer briefly, then offer one next step."
EXPERIMENT = "model-bakeoff"
AGENT = "order-assistant"
LOOKUP_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "description": "Status and tracking of an order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    },
}
TICKET = (
    "Customer: my parcel for order #{n} is late and the tracking page has not changed for days. "
    "Agent: I am sorry, I have asked the carrier for an update. Customer: it was a birthday present. "
)

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
        description="Is Claude Haiku worth its price against GPT-4o mini for support answers?",
        hypothesis="Variant b costs more per answer; keep it only if its answers are clearly better.",
        primary_metric="cost_usd",
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


class SampleApp:
    """The instrumented app: support answers, ticket summaries and an order-lookup agent."""

    def __init__(self, mock_url: str):
        self.oa = openai.OpenAI(base_url=mock_url + "/v1", api_key="demo-key", max_retries=0)
        self.an = anthropic.Anthropic(base_url=mock_url, api_key="demo-key", max_retries=0)
        self.mock_url = mock_url
        self.tracer = trace.get_tracer("otel-llm-demo")

    def close(self) -> None:
        self.oa.close()
        self.an.close()

    def answer(
        self, user_id: str, question: str, label: str, stream: bool, headers: dict | None = None
    ) -> None:
        """One support answer: the prompt version under ``label``, the model of the user's variant."""
        prompt = otel_llm.get_prompt(PROMPT_NAME, label=label)
        with prompt, otel_llm.experiment(EXPERIMENT, unit_id=user_id) as variant:
            self._ask(variant.config, prompt.render(company="Acme"), question, stream, headers or {})

    def _ask(self, config: dict, system: str, question: str, stream: bool, headers: dict) -> None:
        model = config["model"]
        if config["provider"] == "openai":
            messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
            if stream:
                chunks = self.oa.chat.completions.create(
                    model=model,
                    messages=messages,
                    stream=True,
                    stream_options={"include_usage": True},
                    extra_headers=headers,
                )
                for _ in chunks:
                    pass
            else:
                self.oa.chat.completions.create(
                    model=model,
                    messages=messages,
                    temperature=config.get("temperature"),
                    extra_headers=headers,
                )
            return
        messages = [{"role": "user", "content": question}]
        params = {
            "model": model,
            "system": system,
            "messages": messages,
            "max_tokens": config.get("max_tokens", 200),
        }
        if stream:
            with self.an.messages.stream(**params, extra_headers=headers) as events:
                events.get_final_message()
        else:
            self.an.messages.create(**params, extra_headers=headers)

    def summarise(self, model: str, ticket: int) -> None:
        """A ticket summary for the support dashboard (long input: the whole conversation)."""
        transcript = TICKET.format(n=ticket) * 40
        self.oa.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": "Summarise support tickets for the team in three sentences."},
                {"role": "user", "content": f"Summarise ticket #{ticket}:\n{transcript}"},
            ],
        )

    def lookup_agent(self, question: str) -> int:
        """An agent turn: the model asks for a tool, the tool runs, the model answers. Returns model calls."""
        messages = [
            {"role": "system", "content": "You help customers with their orders. Use lookup_order."},
            {"role": "user", "content": question},
        ]
        attributes = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT}
        with self.tracer.start_as_current_span(f"invoke_agent {AGENT}", attributes=attributes):
            first = self.oa.chat.completions.create(
                model="gpt-4o-mini", messages=messages, tools=[LOOKUP_TOOL]
            )
            call = first.choices[0].message.tool_calls[0]
            messages.append(first.choices[0].message.model_dump(exclude_none=True))
            result = self._lookup_order(call.id, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
            self.oa.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[LOOKUP_TOOL])
        return 2

    def _lookup_order(self, call_id: str, arguments: dict) -> dict:
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_order",
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.call.arguments": json.dumps(arguments),
        }
        with self.tracer.start_as_current_span("execute_tool lookup_order", attributes=attributes) as span:
            with self.tracer.start_as_current_span("SELECT orders"):
                pass  # the app's own database query, traced by its own instrumentation
            result = {"order_id": arguments.get("order_id"), "status": "shipped", "eta_days": 2}
            span.set_attribute("gen_ai.tool.call.result", json.dumps(result))
            return result

    async def concurrent_drafts(self, system: str) -> int:
        """Two calls at once from asyncio clients (a summary and an apology draft)."""
        oa = openai.AsyncOpenAI(base_url=self.mock_url + "/v1", api_key="demo-key", max_retries=0)
        an = anthropic.AsyncAnthropic(base_url=self.mock_url, api_key="demo-key", max_retries=0)
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
