"""The MCP server enforces the API key's project and role on every tool and resource, over stdio and
streamable HTTP, through the SDK's own client; errors reach the agent as one sentence."""

from __future__ import annotations

import anyio
import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from sqlalchemy import func, select

from otel_llm.accounts import revoke_key
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_datasets import dataset_items
from otel_llm.storage.schema_replays import replays
from otel_llm.storage.schema_scores import scores
from tests.mcp_support import MARKER, HttpServer, data, http, seed, stdio, text


@pytest.fixture
def seeded(sqlite_url, tmp_path):
    return seed(sqlite_url, tmp_path)


@pytest.fixture
def seeded_any(db_url, tmp_path):
    """The same data on SQLite and on Postgres."""
    return seed(db_url, tmp_path)


@pytest.fixture
def http_server(seeded_any):
    server = HttpServer(seeded_any.url)
    yield server
    server.stop()


def _counts(url: str) -> tuple[int, ...]:
    with get_engine(url).connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (replays, spans, scores, dataset_items)
        )


def _refused_replay(result) -> None:
    assert result.is_error
    assert text(result).endswith("this needs the editor role; you are viewer in alpha.")
    assert "Traceback" not in text(result)


def test_a_viewer_key_cannot_replay_over_stdio(seeded):
    async def main():
        async with stdio(seeded.url, seeded.key("alpha", "viewer")) as client:
            _refused_replay(await client.call_tool("replay_span", {"span_id": seeded.ids["alpha_span"]}))
            feedback = {"target": seeded.ids["alpha_span"], "score": 1}
            assert (await client.call_tool("add_feedback", feedback)).is_error
            score = {"target": seeded.ids["alpha_span"], "name": "helpfulness", "value": 4}
            refused = await client.call_tool("add_score", score)
            assert refused.is_error
            assert text(refused).endswith("this needs the editor role; you are viewer in alpha.")
            ref = {"trace_id": seeded.ids["alpha_trace"], "span_id": seeded.ids["alpha_span"]}
            refused = await client.call_tool("add_spans_to_dataset", {"name": "support-qa", "spans": [ref]})
            assert refused.is_error
            assert text(refused).endswith("this needs the editor role; you are viewer in alpha.")

    before = _counts(seeded.url)
    anyio.run(main)
    assert _counts(seeded.url) == before  # nothing was sent, stored or scored


def test_project_a_never_sees_project_b_over_http(seeded_any, http_server):
    ids = seeded_any.ids
    beta_ref = {"trace_id": ids["beta_trace"], "span_id": ids["beta_span"]}
    seen: list[str] = []

    async def main():
        async with http(http_server, seeded_any.key("alpha", "editor")) as client:
            calls = await client.call_tool("search_llm_calls", {"include_non_llm": True, "limit": 200})
            listed = data(calls)["items"]
            assert {row["trace_id"] for row in listed} == {ids["alpha_trace"]}
            prompts = data(await client.call_tool("list_prompts", {}))["items"]
            assert [p["name"] for p in prompts] == ["support"]
            configs = data(await client.call_tool("list_score_configs", {}))["items"]
            assert [c["name"] for c in configs] == ["exact", "helpfulness"]
            for name, arguments in [
                ("get_span", {"span_id": ids["beta_span"]}),
                ("get_trace", {"trace_id": ids["beta_trace"]}),
                ("get_prompt_version", {"ref": "beta-only@v1"}),
                ("list_prompt_versions", {"name": "beta-only"}),
                ("replay_span", {"span_id": ids["beta_span"], "dry_run": True}),
                ("add_feedback", {"target": ids["beta_span"], "score": 1}),
                ("add_score", {"target": ids["beta_span"], "name": "helpfulness", "value": 4}),
                ("add_score", {"target": ids["beta_trace"], "name": "helpfulness", "value": 4}),
                ("get_dataset_items", {"ref": "beta-qa"}),
                ("add_spans_to_dataset", {"name": "beta-qa", "spans": [beta_ref]}),
            ]:
                result = await client.call_tool(name, arguments)
                assert result.is_error, (name, text(result))
                assert (
                    "not exist" in text(result)
                    or "in this project" in text(result)
                    or ("in project alpha" in text(result))
                ), (name, text(result))
                seen.append(text(result))
            for arguments in ({}, {"target": ids["beta_span"]}, {"target": ids["beta_trace"]}):
                listed_scores = data(await client.call_tool("list_scores", arguments))
                assert listed_scores["items"] == [], (arguments, listed_scores)
                seen.append(str(listed_scores))
            listed_datasets = data(await client.call_tool("list_datasets", {}))["items"]
            assert [d["name"] for d in listed_datasets] == ["support-qa"]
            into_alpha = {"name": "support-qa", "spans": [beta_ref]}
            skipped = data(await client.call_tool("add_spans_to_dataset", into_alpha))
            assert skipped["added"] == 0 and skipped["version"] is None
            assert skipped["skipped"] == [
                {"span_id": ids["beta_span"], "reason": "no such span in this project"}
            ]
            seen.append(str(listed_datasets) + str(skipped))
            support = data(await client.call_tool("get_prompt_version", {"ref": "support@v1"}))
            assert support["template"] == "You help {{customer}}."
            seen.append(str(support) + str(listed))
            for uri in (f"span://{ids['beta_span']}", "prompt://beta-only@v1"):
                with pytest.raises(MCPError) as refused:
                    await client.read_resource(uri)
                assert refused.value.code == -32602, refused.value  # not found in this project
                seen.append(str(refused.value))
            seen.append((await client.read_resource("prompt://support@v1")).contents[0].text)

    before = _counts(seeded_any.url)
    anyio.run(main)
    assert not [s for s in seen if MARKER in s], seen
    assert _counts(seeded_any.url) == before


def test_http_refuses_a_missing_key_with_401_and_a_viewer_replay_with_a_sentence(seeded_any, http_server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer ollm_0000_unknown"}, {"Authorization": "Basic eDp5"}):
        response = httpx2.post(http_server.url, json=body, headers=headers)
        assert response.status_code == 401, response.text
        error = response.json()["error"]
        assert error["code"] == "unauthorized" and error["message"].endswith(".")
        assert "search_llm_calls" not in response.text

    async def main():
        async with http(http_server, seeded_any.key("alpha", "viewer")) as client:
            _refused_replay(await client.call_tool("replay_span", {"span_id": seeded_any.ids["alpha_span"]}))

    before = _counts(seeded_any.url)
    anyio.run(main)
    assert _counts(seeded_any.url) == before


def test_a_revoked_key_stops_a_running_stdio_session(seeded):
    async def main():
        async with stdio(seeded.url, seeded.key("alpha", "viewer")) as client:
            assert not (await client.call_tool("list_prompts", {})).is_error
            revoke_key(get_engine(seeded.url), seeded.key("alpha", "viewer").split("_")[1])
            result = await client.call_tool("list_prompts", {})
            assert result.is_error and "unknown or revoked" in text(result)

    anyio.run(main)


def test_tool_errors_are_sentences_not_tracebacks(seeded):
    async def main():
        async with stdio(seeded.url, seeded.key("alpha", "viewer")) as client:
            results = [
                await client.call_tool("get_span", {"span_id": "0123456789abcdef"}),
                await client.call_tool("search_llm_calls", {"since": "last tuesday"}),
                await client.call_tool("search_llm_calls", {"cursor": "not-a-cursor"}),
                await client.call_tool("diff_prompt_versions", {"a": "support@v1", "b": "support@v9"}),
                await client.call_tool("prompt_metrics", {"name": "support", "since": "forever"}),
                await client.call_tool("experiment_results", {"name": "nope"}),
            ]
            return [text(r) for r in results if r.is_error]

    messages = anyio.run(main)
    assert len(messages) == 6, messages
    for message in messages:
        assert message.endswith("."), message
        assert "Traceback" not in message and 'File "' not in message
    assert "no span '0123456789abcdef' in project alpha" in messages[0]
    assert "since 'last tuesday' is not a time" in messages[1]
    assert "invalid or outdated page cursor" in messages[2]


def test_an_unexpected_failure_keeps_its_details_in_the_server(seeded, monkeypatch):
    """In process (to make a service fail): the agent reads one sentence, not the exception's text."""
    from mcp import Client
    from otel_llm_server.mcp_server.server import OtelLlmMcp
    from otel_llm_server.mcp_server.tools import prompts

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail postgresql://ada:pw@db/otel")

    monkeypatch.setattr(prompts.catalog, "list_prompts", broken)
    server = OtelLlmMcp(get_engine(seeded.url), api_key=seeded.key("alpha", "viewer"))

    async def main():
        async with Client(server.mcp) as client:
            return await client.call_tool("list_prompts", {})

    result = anyio.run(main)
    assert result.is_error
    assert text(result).endswith("list_prompts failed unexpectedly; the MCP server's log has the details.")
    assert "internal detail" not in text(result)


def test_stdio_without_a_key_is_one_line(sqlite_url):
    from click.testing import CliRunner
    from otel_llm_server.cli.main import main

    result = CliRunner().invoke(main, ["--database-url", sqlite_url, "mcp"], env={"OTEL_LLM_API_KEY": ""})
    assert result.exit_code == 1
    assert result.output.startswith("Error: no API key: set OTEL_LLM_API_KEY")
    assert result.output.count("\n") == 1


def test_http_on_a_busy_port_is_one_line(sqlite_url):
    import socket

    from click.testing import CliRunner
    from otel_llm_server.cli.main import main

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["--database-url", sqlite_url, "mcp", "--http", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port.\n"
    )
