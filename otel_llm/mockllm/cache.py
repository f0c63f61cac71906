"""Prompt caching as the providers account for it, per server instance.

A prompt is a sequence of segments (tools, system, messages or their blocks), each with a token
count. A cacheable prefix ends at a breakpoint. The longest prefix seen before (same model) is
read from the cache; the rest up to the last breakpoint is written.

- Anthropic: breakpoints are the blocks marked ``cache_control`` (or the last block with a
  top-level ``cache_control``); reads and writes are reported, and ``input_tokens`` excludes both.
  Unlike the real API there is no minimum length and no expiry.
- OpenAI: caching is automatic for prompts of at least 1024 tokens, in steps of 128; every
  message boundary past 1024 tokens is a breakpoint; only reads are reported
  (``cached_tokens``, included in ``prompt_tokens``).
- Gemini: implicit caching for 2.5 and later models, the same way from 1,024 tokens (4,096 for Pro),
  counted exactly (``cachedContentTokenCount``, included in ``promptTokenCount``).
"""

from __future__ import annotations

import threading
from typing import Any

from otel_llm.mockllm import generate

OPENAI_MIN_CACHED = 1024
OPENAI_CACHE_STEP = 128

Segment = tuple[Any, int, bool]  # (identity, tokens, ends a cacheable prefix)


class PromptCache:
    """Prefixes seen by one server instance (thread-safe)."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()

    def account(self, breakpoints: list[tuple[bytes, int]]) -> tuple[int, int]:
        """(tokens read, tokens written) for a prompt with these (prefix key, prefix tokens) breakpoints."""
        if not breakpoints:
            return 0, 0
        with self._lock:
            read = max((tokens for key, tokens in breakpoints if key in self._seen), default=0)
            last_key, last_tokens = breakpoints[-1]
            write = 0 if last_key in self._seen else last_tokens - read
            self._seen.update(key for key, _ in breakpoints)
        return read, write


def breakpoints(namespace: str, model: str, segments: list[Segment]) -> tuple[list[tuple[bytes, int]], int]:
    """(prefix key and tokens at each breakpoint, total tokens of the prompt)."""
    found, keys, running = [], [], 0
    for key, tokens, ends_prefix in segments:
        keys.append(key)
        running += tokens
        if ends_prefix:
            found.append((generate.digest(namespace, model, keys), running))
    return found, running


def openai_cached_tokens(cache: PromptCache, namespace: str, model: str, segments: list[Segment]) -> int:
    """Tokens OpenAI's automatic prompt cache would serve for this prompt (0 below 1024)."""
    return implicit_cached_tokens(cache, namespace, model, segments, OPENAI_MIN_CACHED, OPENAI_CACHE_STEP)


def implicit_cached_tokens(
    cache: PromptCache, namespace: str, model: str, segments: list[Segment], minimum: int, step: int = 1
) -> int:
    """Tokens an automatic prompt cache serves: every segment boundary past ``minimum`` tokens is a
    breakpoint; the longest prefix seen before is read, in whole ``step``s past the minimum."""
    marked, running = [], 0
    for key, tokens, _ in segments:
        running += tokens
        marked.append((key, tokens, running >= minimum))
    read, _ = cache.account(breakpoints(namespace, model, marked)[0])
    if read < minimum:
        return 0
    return read - (read - minimum) % step
