"""Added CPU cost per OpenAI chat call: otel-llm vs the official GenAI instrumentation, in one process.

An ``openai.OpenAI`` client whose HTTP transport answers in-process (``httpx2.MockTransport``: no
network, no server) is called N times per mode; modes are interleaved in rounds and each round's
mode is compared with the bare SDK measured moments apart (median over rounds), so machine noise
hits them alike. Windows are 100 calls after a 10-call warm-up by default, like the shared
yardstick's long windows: with short windows (``--calls 20``) the state of the caches right after a
mode switch (re-patching, the collection before the window) weighs on every figure, which an app
calling its LLM steadily does not pay. Before each window the span queues are flushed and garbage is collected, and the
order of the modes rotates, so that no mode pays for collecting the previous one's objects. Time is
the process's CPU time by default (all threads, so the span export thread counts; steadier than
wall time on a shared machine), ``--clock wall`` for elapsed time.

Calls measured: ``plain`` and ``stream`` (``stream=True``, 40 chunks + usage) whole SDK calls — the
added µs over bare and the ratio ours / official; and ``wrapper``, the least noisy: each mode's
wrapper called directly around a canned completion, i.e. the instrumentation's own work alone.

Modes: ``bare`` (no instrumentation), ``official`` (``opentelemetry-instrumentation-genai-openai``,
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_ONLY``,
``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``), ``otel_llm`` (``otel_llm.instrument()``
with content capture on and ``LLMSpanProcessor`` active). Instrumented modes export through a
``BatchSpanProcessor`` to a no-op exporter.

Usage: ``python bench/overhead.py [--calls 100] [--rounds 41] [--modes bare,official,otel_llm]
       [--calls-of plain,stream,wrapper] [--clock cpu|wall]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time

os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")

import httpx2  # noqa: E402 - the environment above must be set before instrumentations load
import openai  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

MESSAGES = [
    {"role": "system", "content": "You are a helpful support agent. " * 10},
    {"role": "user", "content": "How long do refunds take? " * 10},
]
ANSWER = "Refunds take five business days. " * 8
COMPLETION = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 60, "total_tokens": 180},
    }
).encode()


def _chunk(delta: dict, finish: str | None = None, usage: dict | None = None, choices: bool = True) -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o-mini",
    }
    body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
    if usage:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n"


STREAM_BODY = (
    _chunk({"role": "assistant", "content": ""})
    + "".join(_chunk({"content": word + " "}) for word in ANSWER.split()[:40])
    + _chunk({}, finish="stop")
    + _chunk({}, usage={"prompt_tokens": 120, "completion_tokens": 60, "total_tokens": 180}, choices=False)
    + "data: [DONE]\n\n"
).encode()


def _answer(request: httpx2.Request) -> httpx2.Response:
    if b'"stream":true' in request.content.replace(b" ", b""):
        return httpx2.Response(200, content=STREAM_BODY, headers={"content-type": "text/event-stream"})
    return httpx2.Response(200, content=COMPLETION, headers={"content-type": "application/json"})


class NoopExporter(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS


def client() -> openai.OpenAI:
    http = httpx2.Client(transport=httpx2.MockTransport(_answer))
    return openai.OpenAI(api_key="sk-test", base_url="http://llm.invalid/v1", http_client=http, max_retries=0)


def call(c: openai.OpenAI, stream: bool) -> None:
    if stream:
        for _ in c.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        ):
            pass
    else:
        c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=200)


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def timed(c: openai.OpenAI, n: int, stream: bool) -> float:
    start = clock()
    for _ in range(n):
        call(c, stream)
    return (clock() - start) / n * 1e6


class Modes:
    def __init__(self) -> None:
        self.plain = TracerProvider()
        self.plain.add_span_processor(BatchSpanProcessor(NoopExporter()))
        from otel_llm import LLMSpanProcessor

        self.ours = TracerProvider()
        self.ours.add_span_processor(LLMSpanProcessor())
        self.ours.add_span_processor(BatchSpanProcessor(NoopExporter()))

    def settle(self) -> None:
        """Export what the batch processors hold and collect garbage, outside the timed windows."""
        self.plain.force_flush()
        self.ours.force_flush()
        gc.collect()

    def enable(self, mode: str) -> None:
        if mode == "official":
            from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

            OpenAIInstrumentor().instrument(tracer_provider=self.plain)
        elif mode == "otel_llm":
            import otel_llm

            otel_llm.instrument(tracer_provider=self.ours, capture_content=True)

    def disable(self, mode: str) -> None:
        if mode == "official":
            from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

            OpenAIInstrumentor().uninstrument()
        elif mode == "otel_llm":
            import otel_llm

            otel_llm.uninstrument()


def wrapper_only(modes: list[str], calls: int, rounds: int) -> dict:
    """The instrumentation's own work alone: each mode's wrapper of ``Completions.create`` called
    directly around a canned ``ChatCompletion`` (no request building, no HTTP, no parsing)."""
    from openai.resources.chat.completions.completions import Completions
    from openai.types.chat import ChatCompletion

    completion = ChatCompletion.model_validate_json(COMPLETION)
    resource = client().chat.completions
    switch = Modes()
    wrappers = {}
    for mode in modes:
        switch.enable(mode)
        wrappers[mode] = Completions.__dict__["create"]._self_wrapper
        switch.disable(mode)
    for mode in modes:  # patched again so that their providers and switches are live
        switch.enable(mode)

    def canned(*args, **kwargs):
        return completion

    def run(wrapper) -> float:
        start = clock()
        for _ in range(calls):
            kwargs = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2, "max_tokens": 200}
            wrapper(canned, resource, (), kwargs)
        return (clock() - start) / calls * 1e6

    results: dict[str, list[float]] = {m: [] for m in modes}
    for round_number in range(rounds):
        shift = round_number % len(modes)
        for mode in modes[shift:] + modes[:shift]:
            switch.settle()
            results[mode].append(run(wrappers[mode]))
    median = {m: statistics.median(v) for m, v in results.items()}
    out: dict = {"us_per_call": {m: round(v, 1) for m, v in median.items()}}
    if "official" in median and "otel_llm" in median:
        out["ratio_ours_to_official"] = round(median["otel_llm"] / median["official"], 2)
    return out


def measure(modes: list[str], calls: int, rounds: int, stream: bool) -> dict:
    c = client()
    switch = Modes()
    timed(c, 50, stream)
    results: dict[str, list[float]] = {m: [] for m in modes}
    for round_number in range(rounds):
        # Each mode starts clean (the other mode's queued spans exported, garbage collected), and the
        # order rotates: otherwise a mode pays for collecting the previous mode's objects.
        shift = round_number % len(modes)
        for mode in modes[shift:] + modes[:shift]:
            switch.settle()
            switch.enable(mode)
            timed(c, max(3, calls // 10), stream)
            results[mode].append(timed(c, calls, stream))
            switch.disable(mode)
    median = {m: statistics.median(v) for m, v in results.items()}
    out: dict = {"us_per_call": {m: round(v, 1) for m, v in median.items()}}
    if "bare" in results:
        # Paired per round (each mode against bare measured moments apart), then the median over rounds.
        added = {
            m: statistics.median(t - b for t, b in zip(results[m], results["bare"], strict=True))
            for m in modes
            if m != "bare"
        }
        out["added_us"] = {m: round(v, 1) for m, v in added.items()}
        if "official" in added and "otel_llm" in added and added["official"] > 0:
            out["ratio_ours_to_official"] = round(added["otel_llm"] / added["official"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls per mode per round")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--modes", default="bare,official,otel_llm")
    parser.add_argument(
        "--calls-of",
        default="plain,stream,wrapper",
        help="plain, stream (whole SDK calls) and/or wrapper (the instrumentation's work alone)",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: process CPU time (all threads; robust on a shared machine); wall: elapsed time",
    )
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    modes = args.modes.split(",")
    for kind in args.calls_of.split(","):
        if kind == "wrapper":
            result = wrapper_only([m for m in modes if m != "bare"], args.calls, args.rounds)
        else:
            result = measure(modes, args.calls, args.rounds, kind == "stream")
        print(json.dumps({"call": kind, **result}))


if __name__ == "__main__":
    main()
