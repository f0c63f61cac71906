"""When the demo's sample app makes its calls: a week of traffic with the incidents a user looks for.

Every call is a real SDK call to the local provider, made now; ``Backdate`` moves its spans to the
moment of the week it stands for. The week holds: support answers from simulated users all week
(two prompt versions, two experiment variants, streamed and not), ticket summaries whose model
changed from gpt-4o-mini to gpt-4o three days ago (the cost jump), a burst of provider errors two
days ago, a latency spike four days ago, and a customer's conversation with the order-lookup agent
(two turns of agent, LLM and tool spans, tagged with ``otel_llm.session``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anthropic
import openai
from otel_llm_server.cli.demo_app import PROMPT_NAME, QUESTIONS, SampleApp
from otel_llm_server.cli.demo_clock import Backdate

import otel_llm

WEEK = timedelta(days=7)
MODEL_CHANGE_AGO = timedelta(days=3)  # ticket summaries moved to gpt-4o: the cost jump
ERROR_BURST_AGO = timedelta(days=2, hours=5)
LATENCY_SPIKE_AGO = timedelta(days=4, hours=2)
SPIKE_LATENCY_MS = 2400
SPIKE_CALLS = 6
BURST_ERRORS = ("503", "503", "500", "503", "429")
SUMMARIES_PER_DAY = 2
AGENT_TURNS = ("Where is my order #1042?", "Has order #1077 shipped yet?")
AGENT_SESSION, AGENT_USER = "order-chat-1", "customer-7"  # otel-llm sessions show order-chat-1


@dataclass
class DemoSummary:
    calls: int = 0
    errors: int = 0


def run(mock_url: str, backdate: Backdate, rounds: int = 6, now: datetime | None = None) -> DemoSummary:
    """The week's calls, oldest first; ``rounds`` rounds of the ten support questions."""
    now = now or datetime.now(UTC)
    app = SampleApp(mock_url)
    summary = DemoSummary()
    try:
        _support_week(app, backdate, now, rounds, summary)
        _summaries(app, backdate, now, summary)
        _error_burst(app, backdate, now - ERROR_BURST_AGO, summary)
        _latency_spike(app, backdate, now - LATENCY_SPIKE_AGO, summary)
        for index, question in enumerate(AGENT_TURNS):  # one customer's conversation, two turns
            when = now - timedelta(days=(len(AGENT_TURNS) - index) * 3 - 2, hours=3)
            with backdate.at(when), otel_llm.session(AGENT_SESSION, user_id=AGENT_USER):
                summary.calls += app.lookup_agent(question)
        with backdate.at(now - timedelta(minutes=20)), otel_llm.get_prompt(PROMPT_NAME) as prompt:
            summary.calls += asyncio.run(app.concurrent_drafts(prompt.render(company="Acme")))
    finally:
        app.close()
    return summary


def _support_week(
    app: SampleApp, backdate: Backdate, now: datetime, rounds: int, summary: DemoSummary
) -> None:
    total = rounds * len(QUESTIONS)
    step = (WEEK - timedelta(hours=1)) / total
    for n in range(total):
        question = QUESTIONS[n % len(QUESTIONS)]
        with backdate.at(now - WEEK + step * n + timedelta(minutes=(n * 37) % 50)):
            label = "production" if n % 2 else "legacy"
            app.answer(f"user-{n}", question, label, stream=(n % 3 == 0))
        summary.calls += 1


def _summaries(app: SampleApp, backdate: Backdate, now: datetime, summary: DemoSummary) -> None:
    for day in range(7, 0, -1):
        for slot in range(SUMMARIES_PER_DAY):
            when = now - timedelta(days=day) + timedelta(hours=9 + 8 * slot)
            model = "gpt-4o" if now - when < MODEL_CHANGE_AGO else "gpt-4o-mini"
            with backdate.at(when):
                app.summarise(model, 1000 + day * 10 + slot)
            summary.calls += 1


def _error_burst(app: SampleApp, backdate: Backdate, when: datetime, summary: DemoSummary) -> None:
    """The provider failing for a few minutes: every call in the burst gets an error status."""
    for index, status in enumerate(BURST_ERRORS):
        with backdate.at(when + timedelta(minutes=3 * index)):
            try:
                app.answer(
                    f"user-burst-{index}", QUESTIONS[index], "production", False, {"x-mock-error": status}
                )
            except (openai.APIError, anthropic.APIError):
                summary.errors += 1
        summary.calls += 1


def _latency_spike(app: SampleApp, backdate: Backdate, when: datetime, summary: DemoSummary) -> None:
    """A slow provider for a while: the calls run side by side, so the demo itself does not wait long."""
    headers = {"x-mock-latency-ms": str(SPIKE_LATENCY_MS)}
    with backdate.at(when), ThreadPoolExecutor(SPIKE_CALLS) as pool:
        futures = [
            pool.submit(app.answer, f"user-slow-{i}", QUESTIONS[i], "production", False, headers)
            for i in range(SPIKE_CALLS)
        ]
        for future in futures:
            future.result()
    summary.calls += SPIKE_CALLS
