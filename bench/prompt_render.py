"""Rendering a prompt in the app: simple text, Jinja2, and a chat prompt to OpenAI call arguments.

Prints microseconds per render and each figure's ratio to the simple-format text render measured
in the same run (the machine may be shared: compare ratios, not absolute figures).

    python bench/prompt_render.py
"""

from __future__ import annotations

import timeit

from otel_llm.prompts.client import Prompt

N = 2000
VALUES = {"customer": "Ada", "order": "42", "vip": True, "items": ["a", "b", "c"]}
MESSAGES = [
    {"role": "system", "content": "You help {{customer}} of Acme. Be brief."},
    {"role": "user", "content": "Where is order {{order}}?"},
]
TOOL = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}


def _per_call_us(fn) -> float:
    return min(timeit.repeat(fn, number=N, repeat=5)) / N * 1e6


def main() -> None:
    simple = Prompt("p", "You help {{customer}} with order {{order}}. Be brief.")
    jinja = Prompt(
        "j",
        "You help {{ customer }}{% if vip %} (VIP){% endif %}.{% for i in items %} {{ i }}{% endfor %}",
        template_format="jinja2",
    )
    chat = Prompt("c", "", kind="chat", messages=MESSAGES, tools=[TOOL], config={"model": "gpt-4o-mini"})
    base = _per_call_us(lambda: simple.render(**VALUES))
    rows = [
        ("simple render", base),
        ("jinja2 render", _per_call_us(lambda: jinja.render(**VALUES))),
        ("chat openai_kwargs", _per_call_us(lambda: chat.openai_kwargs(**VALUES))),
        ("chat anthropic_kwargs", _per_call_us(lambda: chat.anthropic_kwargs(**VALUES))),
    ]
    for name, value in rows:
        print(f"{name:24} {value:9.1f} us  x{value / base:6.1f}")


if __name__ == "__main__":
    main()
