"""``/api/v1/eval-runs``: evaluation runs (started, listed, their results with paired verdicts, their
items); ``/api/v1/eval-rules``: online evaluation rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg
from otel_llm_server.web.db import engine
from otel_llm_server.web.evaluations import background
from otel_llm_server.web.experiments.views import base_url
from otel_llm_server.web.openapi import api_doc

from otel_llm.evaluation import online, results
from otel_llm.evaluation.runs import RunSpec

api = Blueprint("evaluations_api", __name__, url_prefix="/api/v1")

_RUN = {"run_id": "Evaluation run id (from GET /api/v1/eval-runs)."}


@api.get("/eval-runs")
@require("viewer")
@api_doc(
    "The project's evaluation runs, newest first",
    query={"limit": ({"type": "integer", "minimum": 1, "maximum": 200}, "How many (default 50).")},
    tag="evaluations",
)
def list_runs():
    return {"items": results.list_runs(engine(), g.project_id, query_arg("limit", 50)), "next_cursor": None}


@api.get("/eval-runs/<bigint:run_id>")
@require("viewer")
@api_doc(
    "An evaluation run's results: per variant and evaluator n, mean or rate with its 95 % interval, "
    "and each variant against the first (paired test, Holm-corrected)",
    params=_RUN,
    responses={200: "The results.", 404: "No such run in this project."},
    tag="evaluations",
)
def show_run(run_id: int):
    return results.run_results(engine(), g.project_id, run_id).to_dict()


@api.get("/eval-runs/<bigint:run_id>/items")
@require("viewer")
@api_doc(
    "An evaluation run's items side by side, largest score drop (last variant − first) first",
    params=_RUN,
    query={"evaluator": ("string", "Evaluator whose difference orders the items (default: the first).")},
    responses={200: "The items.", 404: "No such run in this project."},
    tag="evaluations",
)
def run_items(run_id: int):
    evaluator = query_arg("evaluator", None)
    return {"items": results.side_by_side(engine(), g.project_id, run_id, evaluator), "next_cursor": None}


_TEXTS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
_RUN_REQUEST = {
    "type": "object",
    "required": ["dataset", "variants", "evaluators"],
    "properties": {
        "dataset": {"type": "string", "minLength": 1, "description": "NAME (its latest version) or NAME@vN."},
        "variants": {**_TEXTS, "description": "As `--variant`: 'a:model=gpt-4o-mini', 'b:model=…'."},
        "evaluators": {**_TEXTS, "description": "As `--evaluator`: 'exact', 'judge:helpfulness'…"},
        "prompt": {"type": "string", "nullable": True, "description": "NAME@vN the items' variables fill."},
        "repeat": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Calls per item (default 1)."},
        "concurrency": {"type": "integer", "minimum": 1, "maximum": 64, "description": "Calls at a time (4)."},
        "max_cost_usd": {"type": "number", "nullable": True, "description": "Stop once this is spent."},
        "judge_model": {"type": "string", "nullable": True, "description": "Model of the judges."},
        "new_run": {"type": "boolean", "description": "Start afresh instead of resuming the same plan."},
    },
}  # fmt: skip


@api.post("/eval-runs")
@require("editor")
@api_doc(
    "Start (or resume) an evaluation run in the background: every dataset item to every variant, "
    "each answer judged by every evaluator",
    request=_RUN_REQUEST,
    description="The same run as `otel-llm eval run`; its model and judge calls are spans of this "
    "project tagged as evaluation. Poll `GET /eval-runs/{run_id}` for the results.",
    responses={
        202: "{run_id, status: running, total, skipped}",
        422: "Cannot run (no such dataset, unknown variant, evaluator or prompt, bad options, no provider credentials).",
    },
    tag="evaluations",
)
def start_run():
    report = background.start(engine(), g.project_name, run_spec(json_object(), base_url(), g.actor))
    return {
        "run_id": report.run_id,
        "status": "running",
        "total": report.total,
        "skipped": report.skipped,
    }, 202


def run_spec(body: dict[str, Any], base_url: str | None, actor: str) -> RunSpec:
    """A :class:`RunSpec` from an API body or the console form (the same fields)."""
    return RunSpec(
        dataset=body["dataset"], variants=tuple(body["variants"]), evaluators=tuple(body["evaluators"]),
        prompt=body.get("prompt") or None, repeat=body.get("repeat", 1), concurrency=body.get("concurrency", 4),
        max_cost_usd=body.get("max_cost_usd"), base_url=base_url, judge_model=body.get("judge_model") or None,
        actor=actor, new_run=bool(body.get("new_run", False)),
    )  # fmt: skip


_RULE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "evaluator": {"type": "string"},
        "prompt_name": {"type": "string", "nullable": True}, "model": {"type": "string", "nullable": True},
        "sample_percent": {"type": "number"}, "daily_cost_cap_usd": {"type": "number", "nullable": True},
        "enabled": {"type": "boolean"}, "judged_today": {"type": "integer", "nullable": True},
        "spent_today": {"type": "number", "nullable": True},
    },
}  # fmt: skip


@api.get("/eval-rules")
@require("viewer")
@api_doc("The project's online evaluation rules, with today's count and spend", tag="evaluations")
def list_rules():
    return {"items": [_rule(r) for r in online.list_rules(engine(), g.project_id)], "next_cursor": None}


@api.post("/eval-rules")
@require("editor")
@api_doc(
    "Add an online evaluation rule: judge a share of the project's new production spans",
    request={
        "type": "object",
        "required": ["name", "evaluator"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "evaluator": {"type": "string", "minLength": 1, "description": "e.g. 'judge:helpfulness', 'json'."},
            "prompt": {"type": "string", "nullable": True, "description": "Only spans of this prompt."},
            "model": {"type": "string", "nullable": True, "description": "Only spans of this model."},
            "sample_percent": {"type": "number", "description": "Share of spans judged (default 10)."},
            "daily_cost_cap_usd": {"type": "number", "nullable": True, "description": "Judge spend per UTC day."},
        },
    },
    description="Applied by `otel-llm worker` (or `otel-llm web --worker`) from now on.",
    responses={201: "The rule.", 422: "Refused (name taken, unknown evaluator, one needing an expected output)."},
    tag="evaluations",
)  # fmt: skip
def add_rule():
    body = json_object()
    rule = online.create_rule(
        engine(), g.project_id, body["name"], body["evaluator"], prompt=body.get("prompt"),
        model=body.get("model"), sample_percent=body.get("sample_percent", 10.0),
        daily_cost_cap_usd=body.get("daily_cost_cap_usd"), actor=g.actor,
    )  # fmt: skip
    return _rule(rule), 201


@api.delete("/eval-rules/<bigint:rule_id>")
@require("editor")
@api_doc(
    "Remove an online evaluation rule (the scores it gave stay)",
    params={"rule_id": "Rule id (from GET /api/v1/eval-rules)."},
    responses={204: "Removed.", 404: "No such rule in this project."},
    tag="evaluations",
)
def remove_rule(rule_id: int):
    online.remove_rule_by_id(engine(), g.project_id, rule_id)
    return "", 204


def _rule(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in _RULE["properties"]}
