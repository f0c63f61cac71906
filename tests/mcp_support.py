"""Helpers for the MCP server tests: two projects with keys, spans and prompts, and the SDK's own
client connected over stdio (``otel-llm mcp`` as a subprocess) or streamable HTTP (``--http``)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from otel_llm import datasets, scores
from otel_llm.accounts import create_key, create_project
from otel_llm.prompts import versions
from otel_llm.storage.db import get_engine
from tests.span_factory import T0, emit, llm_attributes, span_pipeline

MARKER = "BETA-MARKER"
LONG_ANSWER = "The parcel left the depot this morning. " * 100  # 4,000 characters
CLI = [sys.executable, "-m", "otel_llm_server.cli"]


@dataclass
class Seeded:
    """What ``seed`` stored: keys by (project, role) and the ids and contents to look for."""

    url: str
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def key(self, project: str, role: str) -> str:
        return self.keys[(project, role)]


def seed(url: str, tmp_path: Path) -> Seeded:
    """Project alpha: an agent trace (a tool span, a model call with a long answer), prompt support
    v1 and v2, score configs helpfulness (1 to 5) and exact (boolean), dataset support-qa (two
    items). Project beta: a model call, prompt support and prompt beta-only, score config
    helpfulness and a score on its call, dataset beta-qa, all marked MARKER."""
    engine = get_engine(url)
    data = Seeded(url)
    for project in ("alpha", "beta"):
        create_project(engine, project)
        for role in ("viewer", "editor"):
            data.keys[(project, role)] = create_key(engine, project, role, name=f"{role} mcp test")[1]
    with span_pipeline(url, tmp_path / "a", project="alpha") as (tracer, _):
        root = tracer.start_span("agent run", start_time=T0)
        _, tool_span = emit(tracer, name="tool lookup_order", start_ns=T0 + 1_000_000, parent=root)
        trace_id, span_id = emit(
            tracer,
            start_ns=T0 + 2_000_000,
            parent=root,
            **llm_attributes(user="Where is it?", answer=LONG_ANSWER),
        )
        root.end(end_time=T0 + 400_000_000)
    data.ids.update(alpha_trace=trace_id, alpha_span=span_id, alpha_tool_span=tool_span)
    with span_pipeline(url, tmp_path / "b", project="beta") as (tracer, _):
        trace_id, span_id = emit(
            tracer, **llm_attributes(answer=f"{MARKER} answer", user=f"{MARKER} question")
        )
    data.ids.update(beta_trace=trace_id, beta_span=span_id)
    alpha, beta = (engine_project(engine, name) for name in ("alpha", "beta"))
    versions.create_version(
        engine, alpha, "support", "You help {{customer}}.", config={"model": "gpt-4o-mini"}
    )
    versions.create_version(engine, alpha, "support", "You help {{customer}} kindly.", summary="kinder")
    versions.create_version(engine, beta, "support", f"{MARKER} support template")
    versions.create_version(engine, beta, "beta-only", f"{MARKER} beta template")
    for project in (alpha, beta):
        scores.define_config(engine, project, "helpfulness", "numeric", min_value=1, max_value=5)
    scores.define_config(engine, alpha, "exact", "boolean")
    beta_score = scores.add_score(
        engine, beta, "helpfulness", 5, span_id=data.ids["beta_span"], comment=f"{MARKER} comment"
    )
    data.ids["beta_score"] = str(beta_score.id)
    alpha_items = [
        datasets.ItemSpec(variables={"customer": "Ada"}, expected_output="Hello Ada"),
        datasets.ItemSpec(messages=[{"role": "user", "content": "Where is it?"}], metadata={"case": 2}),
    ]
    datasets.create(engine, alpha, "support-qa", "support questions", alpha_items)
    beta_item = datasets.ItemSpec(messages=[{"role": "user", "content": f"{MARKER} item"}])
    datasets.create(engine, beta, "beta-qa", f"{MARKER} dataset", [beta_item])
    return data


def engine_project(engine, name: str) -> int:
    from otel_llm.accounts import get_project

    return get_project(engine, name).id


@asynccontextmanager
async def stdio(url: str, key: str | None, **env: str):
    """The SDK's client talking to ``otel-llm mcp`` started as an editor would (key in the env)."""
    environment = {**env, **({"OTEL_LLM_API_KEY": key} if key is not None else {})}
    params = StdioServerParameters(
        command=CLI[0], args=[*CLI[1:], "--database-url", url, "mcp"], env=environment
    )
    async with Client(params) as client:
        yield client


class HttpServer:
    """``otel-llm mcp --http`` on a free port, for the test's duration."""

    def __init__(self, url: str, **env: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        import os

        self.process = subprocess.Popen(
            [*CLI, "--database-url", url, "mcp", "--http", "--port", str(self.port)],
            env={**os.environ, **env},
        )
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self._wait()

    def _wait(self) -> None:
        for _ in range(300):
            assert self.process.poll() is None, "otel-llm mcp --http exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("otel-llm mcp --http did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@asynccontextmanager
async def http(server: HttpServer, key: str):
    """The SDK's client over streamable HTTP, sending ``key`` as a bearer token."""
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as session:
        async with Client(streamable_http_client(server.url, http_client=session)) as client:
            yield client


def text(result) -> str:
    """The text of a tool result (one text block)."""
    assert len(result.content) == 1, result.content
    return result.content[0].text


def data(result) -> dict:
    assert not result.is_error, text(result)
    return json.loads(text(result))
