"""The demo's sample app: what an instrumented app looks like, calling the real SDKs.

It talks to the local provider only. Every call goes through the official ``openai`` and
``anthropic`` clients; otel-llm's instrumentation turns each into a stored, tagged span.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import anthropic
import openai

import otel_llm
from otel_llm.hashing import text_hash

PROMPT_NAME = "support-agent"
PROMPT_VERSIONS = {
    1: "You are a support agent for Acme. Answer briefly.",
    2: "You are a friendly support agent for Acme. Answer briefly, then offer one next step.",
}
EXPERIMENT = "model-bakeoff"
VARIANTS = {"a": ("openai", "gpt-4o-mini"), "b": ("anthropic", "claude-haiku-4-5")}

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


def _clients(mock_url: str):
    return (
        openai.OpenAI(base_url=mock_url + "/v1", api_key="demo-key", max_retries=0),
        anthropic.Anthropic(base_url=mock_url, api_key="demo-key", max_retries=0),
    )


def _ask(oa, an, provider: str, model: str, system: str, question: str, stream: bool) -> None:
    if provider == "openai":
        messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        if stream:
            chunks = oa.chat.completions.create(
                model=model, messages=messages, stream=True, stream_options={"include_usage": True}
            )
            for _ in chunks:
                pass
        else:
            oa.chat.completions.create(model=model, messages=messages, temperature=0.3)
        return
    messages = [{"role": "user", "content": question}]
    if stream:
        with an.messages.create(
            model=model, system=system, messages=messages, max_tokens=200, stream=True
        ) as events:
            for _ in events:
                pass
    else:
        an.messages.create(model=model, system=system, messages=messages, max_tokens=200)


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
            model="claude-sonnet-4-5",
            system=system,
            max_tokens=300,
            messages=[{"role": "user", "content": "Draft a polite apology."}],
        ),
    )
    await oa.close()
    await an.close()
    return 2


def run(mock_url: str, rounds: int = 4) -> DemoSummary:
    """Several dozen calls: two prompt versions × two experiment variants, streamed and not, a few errors."""
    oa, an = _clients(mock_url)
    summary = DemoSummary()
    for round_no in range(rounds):
        for i, question in enumerate(QUESTIONS):
            version = 1 + (i % 2)
            variant = "a" if (i // 2) % 2 == 0 else "b"
            provider, model = VARIANTS[variant]
            system = PROMPT_VERSIONS[version]
            if i == 7 and round_no == 0:
                question += " [[mock:error=500]]"  # the local provider fails this one: an error span
            with otel_llm.tags(
                prompt_name=PROMPT_NAME,
                prompt_version=version,
                prompt_hash=text_hash(system),
                experiment=EXPERIMENT,
                variant=variant,
            ):
                try:
                    _ask(oa, an, provider, model, system, question, stream=(i % 3 == 0))
                except (openai.APIError, anthropic.APIError):
                    summary.errors += 1
            summary.calls += 1
    summary.calls += asyncio.run(_async_calls(mock_url, PROMPT_VERSIONS[2]))
    oa.close()
    an.close()
    return summary
