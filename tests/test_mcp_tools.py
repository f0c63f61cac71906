"""What the MCP tools and resources return, through the SDK's client: the stored data, compact, with
long texts cut and a note saying how to read the rest; replays and feedback through their services."""

from __future__ import annotations

import json

import anyio
import pytest
from mcp import Client
from otel_llm_server.mcp_server.compact import DEFAULT_MAX_CHARS
from otel_llm_server.mcp_server.server import OtelLlmMcp
from sqlalchemy import select

from otel_llm import attributes as attrs
from otel_llm import datasets, scores, traces
from otel_llm.experiments import service
from otel_llm.experiments.model import ExperimentSpec, VariantSpec
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_replays import replays
from otel_llm.storage.schema_scores import scores as scores_table
from tests.mcp_support import LONG_ANSWER, HttpServer, data, engine_project, http, seed, stdio, text
from tests.span_factory import emit, llm_attributes, span_pipeline


@pytest.fixture
def seeded(sqlite_url, tmp_path):
    return seed(sqlite_url, tmp_path)


def _in_process(seeded, role: str = "viewer"):
    """The SDK's client connected in-process (fast) to the server as a key of project alpha."""
    server = OtelLlmMcp(get_engine(seeded.url), api_key=seeded.key("alpha", role))
    return Client(server.mcp)


def _output_text(view: dict) -> str:
    return view["output_messages"][0]["parts"][0]["content"]


def test_a_span_read_over_stdio_matches_the_stored_span(db_url, tmp_path):
    seeded = seed(db_url, tmp_path)
    span_id = seeded.ids["alpha_span"]

    async def main():
        async with stdio(seeded.url, seeded.key("alpha", "viewer")) as client:
            short = data(await client.call_tool("get_span", {"span_id": span_id}))
            full = data(await client.call_tool("get_span", {"span_id": span_id, "max_chars": 0}))
            resource = (await client.read_resource(f"span://{span_id}")).contents[0]
            return short, full, json.loads(resource.text)

    short, full, resource = anyio.run(main)
    engine = get_engine(db_url)
    stored = traces.span_view(traces.get_span(engine, engine_project(engine, "alpha"), span_id))
    for key in (
        "span_id",
        "trace_id",
        "request_model",
        "system",
        "input_messages",
        "output_messages",
        "cost_usd",
    ):
        assert full[key] == stored[key] == resource[key], key
    assert full["tokens"] == {"input": 100, "output": 20} and _output_text(full) == LONG_ANSWER
    cut = _output_text(short)
    assert cut.startswith(LONG_ANSWER[:DEFAULT_MAX_CHARS]) and len(cut) < DEFAULT_MAX_CHARS + 200
    assert f"{len(LONG_ANSWER) - DEFAULT_MAX_CHARS} more characters" in cut and f"span://{span_id}" in cut
    assert "attributes" not in short and resource["attributes"][attrs.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"


def test_search_and_trace_tree(seeded):
    async def main():
        async with _in_process(seeded) as client:
            llm = data(await client.call_tool("search_llm_calls", {}))
            everything = data(await client.call_tool("search_llm_calls", {"include_non_llm": True}))
            paged = data(await client.call_tool("search_llm_calls", {"include_non_llm": True, "limit": 2}))
            rest = data(
                await client.call_tool(
                    "search_llm_calls", {"include_non_llm": True, "limit": 2, "cursor": paged["next_cursor"]}
                )
            )
            none = data(await client.call_tool("search_llm_calls", {"model": "gpt-4o", "status": "error"}))
            tree = data(await client.call_tool("get_trace", {"trace_id": seeded.ids["alpha_trace"]}))
            return llm, everything, paged, rest, none, tree

    llm, everything, paged, rest, none, tree = anyio.run(main)
    assert [r["span_id"] for r in llm["items"]] == [seeded.ids["alpha_span"]]
    row = llm["items"][0]
    assert row["model"] == "gpt-4o-mini" and row["status"] == "OK" and row["input_tokens"] == 100
    assert len(everything["items"]) == 3
    assert "cursor=next_cursor" in paged["note"] and len(paged["items"]) == 2
    assert [r["span_id"] for r in paged["items"] + rest["items"]] == [
        r["span_id"] for r in everything["items"]
    ]
    assert none["items"] == [] and "no span matches" in none["note"]
    (root,) = tree["tree"]
    assert tree["span_count"] == 3 and root["name"] == "agent run"
    assert [c["name"] for c in root["children"]] == ["tool lookup_order", "chat gpt-4o-mini"]


def test_prompt_tools_and_resource(seeded):
    async def main():
        async with _in_process(seeded) as client:
            listed = data(await client.call_tool("list_prompts", {}))
            history = data(await client.call_tool("list_prompt_versions", {"name": "support"}))
            latest = data(await client.call_tool("get_prompt_version", {"ref": "support"}))
            first = data(await client.call_tool("get_prompt_version", {"ref": "support@v1", "max_chars": 8}))
            diff = data(
                await client.call_tool("diff_prompt_versions", {"a": "support@v1", "b": "support@v2"})
            )
            stats = data(await client.call_tool("prompt_metrics", {"name": "support", "since": "all"}))
            resource = (await client.read_resource("prompt://support@v1")).contents[0]
            return listed, history, latest, first, diff, stats, json.loads(resource.text)

    listed, history, latest, first, diff, stats, resource = anyio.run(main)
    assert listed["items"][0]["name"] == "support" and listed["items"][0]["latest_version"] == 2
    assert [v["version"] for v in history["items"]] == [2, 1] and history["items"][0][
        "change_summary"
    ] == "kinder"
    assert latest["version"] == 2 and latest["template"] == "You help {{customer}} kindly."
    assert first["template"].startswith("You help… [") and "prompt://support@v1" in first["template"]
    assert (
        "-You help {{customer}}." in diff["unified"] and "+You help {{customer}} kindly." in diff["unified"]
    )
    assert [(m["version"], m["calls"]) for m in stats["items"]] == [(2, 0), (1, 0)]
    assert resource["template"] == "You help {{customer}}." and resource["config"] == {"model": "gpt-4o-mini"}


def test_experiment_results(seeded, tmp_path):
    engine = get_engine(seeded.url)
    gpt = {"provider": "openai", "model": "gpt-4o-mini"}
    variants = [VariantSpec("a", 50, True, gpt), VariantSpec("b", 50, False, gpt)]
    service.create_experiment(engine, "alpha", ExperimentSpec(name="bakeoff", variants=variants))
    with span_pipeline(seeded.url, tmp_path / "x", project="alpha") as (tracer, _):
        for variant in ("a", "a", "b"):
            emit(tracer, **llm_attributes(**{attrs.EXPERIMENT: "bakeoff", attrs.EXPERIMENT_VARIANT: variant}))

    async def main():
        async with _in_process(seeded) as client:
            listed = data(await client.call_tool("list_experiments", {}))
            return listed, data(await client.call_tool("experiment_results", {"name": "bakeoff"}))

    listed, results = anyio.run(main)
    assert [(e["name"], e["status"]) for e in listed["items"]] == [("bakeoff", "draft")]
    assert {v["name"]: v["calls"] for v in results["variants"]} == {"a": 2, "b": 1}
    assert results["verdict"] and "methods" not in results


def test_scores_are_added_listed_and_shown_on_their_span(seeded):
    """add_score stores through the scores service (checked against its config); list_scores and
    get_span return what is stored, alpha's only."""
    span_id, trace_id = seeded.ids["alpha_span"], seeded.ids["alpha_trace"]
    long_comment = "clear but long. " * 200

    async def main():
        async with _in_process(seeded, "editor") as client:
            added = [
                data(await client.call_tool("add_score", arguments))["score"]
                for arguments in (
                    {"target": span_id, "name": "helpfulness", "value": 4, "comment": long_comment},
                    {"target": trace_id, "name": "exact", "value": True},
                    {"target": span_id, "name": "exact", "value": "false"},
                )
            ]
            refused = [
                await client.call_tool("add_score", {"target": span_id, "name": "helpfulness", "value": 7}),
                await client.call_tool("add_score", {"target": span_id, "name": "tone", "value": "rude"}),
                await client.call_tool("add_score", {"target": "nope", "name": "exact", "value": True}),
            ]
            first = data(await client.call_tool("list_scores", {"limit": 2}))
            rest = data(await client.call_tool("list_scores", {"limit": 2, "cursor": first["next_cursor"]}))
            exact = data(await client.call_tool("list_scores", {"name": "exact", "max_chars": 0}))
            span = data(await client.call_tool("get_span", {"span_id": span_id}))
            return (
                added,
                [text(r).removeprefix("Error executing tool add_score: ") for r in refused if r.is_error],
                first,
                rest,
                exact,
                span,
            )

    added, refused, first, rest, exact, span = anyio.run(main)
    engine = get_engine(seeded.url)
    stored = scores.list_scores(engine, engine_project(engine, "alpha"))
    assert [s.id for s in stored] == [a["id"] for a in reversed(added)]
    assert [(s.name, s.display, s.span_id, s.trace_id) for s in reversed(stored)] == [
        ("helpfulness", "4", span_id, trace_id),
        ("exact", "true", None, trace_id),
        ("exact", "false", span_id, trace_id),
    ]
    assert {s.author for s in stored} == {"key:" + seeded.key("alpha", "editor").split("_")[1]}
    assert {s.given_by for s in stored} == {"api (mcp)"} and stored[-1].comment == long_comment
    assert [a["value"] for a in added] == [4.0, "true", "false"]
    assert refused == [
        "7 is outside the scale of score 'helpfulness': 1 to 5.",
        scores.ScoreConfigNotFound("tone").args[0],
        "'nope' is neither a span id (16 hex digits) nor a trace id (32 hex digits); "
        "copy it from `otel-llm traces list`.",
    ]
    assert [r["id"] for r in first["items"] + rest["items"]] == [s.id for s in stored]
    assert "cursor=next_cursor" in first["note"] and rest["next_cursor"] is None
    assert [r["value"] for r in exact["items"]] == ["false", "true"]
    assert [r["name"] for r in span["scores"]["span"]] == ["helpfulness", "exact"]
    assert [r["name"] for r in span["scores"]["trace"]] == ["exact"]
    comment = span["scores"]["span"][0]["comment"]
    assert (
        comment.startswith(long_comment[:DEFAULT_MAX_CHARS]) and "more characters; call get_span" in comment
    )


def test_spans_added_to_a_dataset_and_its_items_read_back_in_pages(seeded):
    ids = seeded.ids
    call = {"trace_id": ids["alpha_trace"], "span_id": ids["alpha_span"]}
    tool_span = {"trace_id": ids["alpha_trace"], "span_id": ids["alpha_tool_span"]}

    async def main():
        async with _in_process(seeded, "editor") as client:
            listed = data(await client.call_tool("list_datasets", {}))
            added = data(
                await client.call_tool(
                    "add_spans_to_dataset", {"name": "support-qa", "spans": [call, tool_span]}
                )
            )
            again = data(
                await client.call_tool("add_spans_to_dataset", {"name": "support-qa", "spans": [call]})
            )
            first = data(await client.call_tool("get_dataset_items", {"ref": "support-qa", "limit": 2}))
            rest = data(
                await client.call_tool(
                    "get_dataset_items", {"ref": "support-qa", "offset": first["next_offset"], "max_chars": 0}
                )
            )
            cut = data(await client.call_tool("get_dataset_items", {"ref": "support-qa", "offset": 2}))
            old = data(await client.call_tool("get_dataset_items", {"ref": "support-qa@v1"}))
            missing = await client.call_tool("get_dataset_items", {"ref": "support-qa@v9"})
            return listed, added, again, first, rest, cut, old, missing

    listed, added, again, first, rest, cut, old, missing = anyio.run(main)
    assert listed["items"] == [
        {"name": "support-qa", "description": "support questions", "current_version": 1, "item_count": 2}
        | {"created_at": listed["items"][0]["created_at"]}
    ]
    assert (added["added"], added["version"], added["item_count"]) == (1, 2, 3)
    assert [s["span_id"] for s in added["skipped"]] == [ids["alpha_tool_span"]]
    assert again["added"] == 0 and again["skipped"][0]["reason"] == "the dataset already holds it"
    engine = get_engine(seeded.url)
    stored = datasets.resolve(engine, engine_project(engine, "alpha"), "support-qa")
    assert [i["id"] for i in first["items"] + rest["items"]] == [i.id for i in stored]
    assert first["version"] == 2 and first["item_count"] == 3 and first["next_offset"] == 2
    assert "offset=next_offset" in first["note"] and rest["next_offset"] is None
    assert first["items"][0] == {
        "id": stored[0].id,
        "variables": {"customer": "Ada"},
        "expected_output": "Hello Ada",
    }
    from_span = rest["items"][0]
    assert from_span["expected_output"] == LONG_ANSWER == stored[2].expected_output
    assert (from_span["source_span_id"], from_span["messages"]) == (ids["alpha_span"], stored[2].messages)
    cut_output = cut["items"][0]["expected_output"]
    assert cut_output.startswith(LONG_ANSWER[:DEFAULT_MAX_CHARS]) and len(cut_output) < len(LONG_ANSWER)
    assert "ref=support-qa@v2, offset=2 and max_chars=0" in cut_output
    assert old["version"] == 1 and len(old["items"]) == 2 and old["next_offset"] is None
    assert missing.is_error and "support-qa" in text(missing)


def test_evaluation_results_are_the_services_and_stay_in_their_project(seeded, mock_llm):
    from otel_llm import pipeline
    from otel_llm.evaluation import results, runs

    engine = get_engine(seeded.url)
    questions = [
        datasets.ItemSpec(messages=[{"role": "user", "content": f"Reset my password ({i})"}])
        for i in range(3)
    ]
    variants = ("a:model=gpt-4o-mini", "b:model=claude-3-5-haiku-latest,max_tokens=200")
    run_ids = {}
    try:
        for project in ("alpha", "beta"):
            datasets.create(engine, engine_project(engine, project), "faq", items=questions)
            spec = runs.RunSpec("faq", variants, ("contains", "similarity"), base_url=mock_llm.url)
            run_ids[project] = runs.run_evaluation(engine, project, spec).run_id
    finally:
        pipeline.uninstrument()
        pipeline.shutdown()

    async def main():
        async with _in_process(seeded) as client:
            listed = data(await client.call_tool("list_evaluation_runs", {}))
            found = data(await client.call_tool("evaluation_results", {"run_id": run_ids["alpha"]}))
            other = await client.call_tool("evaluation_results", {"run_id": run_ids["beta"]})
            return listed, found, other

    listed, found, other = anyio.run(main)
    assert [(r["id"], r["dataset"], r["variants"]) for r in listed["items"]] == [
        (run_ids["alpha"], "faq", ["a", "b"])
    ]
    stored = results.run_results(engine, engine_project(engine, "alpha"), run_ids["alpha"]).to_dict()
    assert found["cells"] == stored["cells"] and len(found["cells"]) == 4
    assert found["comparisons"] == stored["comparisons"] and len(found["comparisons"]) == 2
    assert [(c["evaluator"], c["baseline"], c["candidate"]) for c in found["comparisons"]] == [
        ("contains", "a", "b"),
        ("similarity", "a", "b"),
    ]
    assert all(c["summary"].endswith(".") for c in found["comparisons"])
    assert found["run"]["status"] == "completed" and "distributions" not in found
    assert [v["name"] for v in found["run"]["variants"]] == ["a", "b"]
    assert other.is_error and f"no evaluation run {run_ids['beta']} in this project" in text(other)


def test_every_tool_explains_itself(seeded):
    async def main():
        async with _in_process(seeded) as client:
            return (await client.list_tools()).tools, (
                await client.list_resource_templates()
            ).resource_templates

    tools, templates = anyio.run(main)
    assert [t.name for t in tools][:3] == ["search_llm_calls", "get_span", "get_trace"]
    for tool in tools:
        assert len(tool.description) > 60, tool.name
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), f"{tool.name}.{name} has no description"
    writers = {t.name for t in tools if not t.annotations.read_only_hint}
    assert writers == {"replay_span", "add_spans_to_dataset", "add_score", "add_feedback"}
    assert [t.name for t in tools if t.annotations.open_world_hint] == ["replay_span"]
    assert {t.uri_template for t in templates} == {"prompt://{name}@v{version}", "span://{span_id}"}


def test_an_editor_replays_a_span_over_http_into_its_own_project(db_url, tmp_path, mock_llm):
    seeded = seed(db_url, tmp_path)
    server = HttpServer(db_url, OTEL_LLM_MOCK_URL=mock_llm.url)
    try:

        async def main():
            async with http(server, seeded.key("alpha", "editor")) as client:
                arguments = {"span_id": seeded.ids["alpha_span"], "model": "gpt-4o", "temperature": 0.2}
                replay = data(await client.call_tool("replay_span", arguments))
                scored = data(
                    await client.call_tool("add_feedback", {"target": seeded.ids["alpha_span"], "score": 1})
                )
                return replay, scored

        replay, scored = anyio.run(main)
    finally:
        server.stop()
    assert replay["status"] == "ok" and replay["overrides"] == {"model": "gpt-4o", "temperature": 0.2}
    assert replay["comparison"]["model"]["changed"] is True
    engine = get_engine(db_url)
    alpha = engine_project(engine, "alpha")
    with engine.connect() as connection:
        stored = connection.execute(select(replays)).one()
        replay_span = connection.execute(
            select(spans.c.project_id, spans.c.replay_of).where(
                spans.c.span_id == replay["replay"]["span_id"]
            )
        ).one()
        score = connection.execute(select(scores_table).where(scores_table.c.name == "user_feedback")).one()
    assert (stored.project_id, stored.original_span_id, stored.id) == (
        alpha,
        seeded.ids["alpha_span"],
        replay["id"],
    )
    assert stored.actor == "key:" + seeded.key("alpha", "editor").split("_")[1]
    assert tuple(replay_span) == (alpha, seeded.ids["alpha_span"])
    assert (score.project_id, score.span_id, score.value, scored["feedback"]["id"]) == (
        alpha,
        seeded.ids["alpha_span"],
        1.0,
        score.id,
    )
    assert mock_llm.requests[-1].json["model"] == "gpt-4o"
