"""``/api/v1/experiments``: the CLI's commands as JSON routes.

Every route calls one function of ``otel_llm.experiments`` with the caller's project; an experiment
of another project is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, string_field
from otel_llm_server.web.db import engine
from otel_llm_server.web.errors import ApiError
from otel_llm_server.web.experiments import background
from otel_llm_server.web.experiments.views import base_url
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.validation import ID_MAX

from otel_llm import providers
from otel_llm.experiments import runs, service
from otel_llm.experiments.errors import ExperimentError
from otel_llm.experiments.model import METRICS, ExperimentSpec, TestCase, VariantSpec
from otel_llm.experiments.validation import validate_test_case

api = Blueprint("experiments_api", __name__, url_prefix="/api/v1")

NAME = {"name": "Experiment name."}
EXPERIMENT = (
    "{experiment: {id, name, description, hypothesis, status, primary_metric, author, winner, created_at, "
    "started_at, ended_at, variants: [{name, weight, is_control, config}], test_case_count, dataset, "
    "dataset_version}}"
)
MESSAGE_SCHEMA = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "user", "assistant"]},
        "content": {"type": "string"},
    },
}
CASE_SCHEMA = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "messages": {"type": "array", "items": MESSAGE_SCHEMA},
        "reference_output": {"type": "string", "nullable": True},
    },
}
CONFIG_SCHEMA = {
    "type": "object",
    "description": "The variant's model settings.",
    "properties": {
        "provider": {"type": "string", "enum": list(providers.names())},
        "model": {"type": "string"},
        "temperature": {
            "type": "number",
            "minimum": providers.temperature_bounds()[0],
            "maximum": providers.temperature_bounds()[1],
        },
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        "system_prompt": {"type": "string"},
        "prompt_ref": {"type": "string", "description": "Prompt-registry reference NAME@vN or NAME@LABEL."},
    },
}
VARIANT_SCHEMA = {
    "type": "object",
    "required": ["name", "weight", "config"],
    "properties": {
        "name": {"type": "string"},
        "weight": {"type": "number", "description": "Percent of traffic; all weights add up to 100."},
        "is_control": {"type": "boolean", "description": "Exactly one variant is the control."},
        "config": CONFIG_SCHEMA,
    },
}
WHOLE = {"type": "integer", "minimum": 1, "maximum": 1000}


def _cases(body: dict[str, Any]) -> list[TestCase]:
    """The body's test cases (types checked by CASE_SCHEMA), validated by the service's rules."""
    return [
        validate_test_case(TestCase(item["messages"], item.get("reference_output")))
        for item in body.get("test_cases", [])
    ]


def _variants(body: dict[str, Any]) -> list[VariantSpec]:
    return [
        VariantSpec(v["name"], float(v["weight"]), v.get("is_control", False), v["config"])
        for v in body["variants"]
    ]


@api.get("/experiments")
@require("viewer")
@api_doc(
    "List the project's experiments, newest first",
    responses={200: "{items: [experiment], next_cursor: null}"},
    tag="experiments",
)
def list_experiments():
    found = service.list_experiments(engine(), g.project_name)
    return {"items": [e.to_dict() for e in found], "next_cursor": None}


@api.post("/experiments")
@require("editor")
@api_doc(
    "Create an experiment (as a draft)",
    request={
        "type": "object",
        "required": ["name", "variants"],
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "hypothesis": {"type": "string"},
            "primary_metric": {"type": "string", "enum": list(METRICS), "default": "latency_ms"},
            "variants": {"type": "array", "items": VARIANT_SCHEMA},
            "test_cases": {"type": "array", "items": CASE_SCHEMA},
            "dataset": {
                "type": "string",
                "description": "NAME or NAME@vN: an existing dataset's items as the test cases.",
            },
        },
    },
    responses={
        201: EXPERIMENT,
        409: "The name is taken.",
        422: "Invalid experiment (the message says what).",
    },
    tag="experiments",
)
def create_experiment():
    body = json_object()
    spec = ExperimentSpec(
        name=string_field(body, "name"),
        variants=_variants(body),
        description=string_field(body, "description", required=False),
        hypothesis=string_field(body, "hypothesis", required=False),
        primary_metric=body.get("primary_metric") or "latency_ms",
        author=g.actor,
        test_cases=_cases(body),
        dataset=body.get("dataset"),
    )
    return {"experiment": service.create_experiment(engine(), g.project_name, spec).to_dict()}, 201


@api.get("/experiments/<name>")
@require("viewer")
@api_doc(
    "An experiment with its variants",
    params=NAME,
    responses={200: EXPERIMENT, 404: "No such experiment."},
    tag="experiments",
)
def get_experiment(name: str):
    return {"experiment": service.get_experiment(engine(), g.project_name, name).to_dict()}


@api.get("/experiments/<name>/config")
@require("viewer")
@api_doc(
    "What the in-app client needs to assign units (status, winner, variants)",
    params=NAME,
    description="Read by `otel_llm.experiment()` when OTEL_LLM_API_URL is set.",
    responses={
        200: "{name, status, winner, variants: [{name, weight, is_control, config}]}",
        404: "No such experiment.",
    },
    tag="experiments",
)
def get_config(name: str):
    return service.sdk_config(engine(), g.project_name, name)


@api.get("/experiments/<name>/test-cases")
@require("viewer")
@api_doc(
    "The experiment's test cases",
    params=NAME,
    responses={
        200: "{items: [{id, messages, reference_output}], next_cursor: null}",
        404: "No such experiment.",
    },
    tag="experiments",
)
def list_cases(name: str):
    cases = service.list_test_cases(engine(), g.project_name, name)
    return {"items": [c.to_dict() for c in cases], "next_cursor": None}


@api.post("/experiments/<name>/test-cases")
@require("editor")
@api_doc(
    "Add test cases (all of them, or none when one is invalid)",
    params=NAME,
    request={
        "type": "object",
        "required": ["test_cases"],
        "properties": {"test_cases": {"type": "array", "items": CASE_SCHEMA}},
    },
    responses={201: "{test_case_count}", 404: "No such experiment.", 422: "Invalid test case."},
    tag="experiments",
)
def add_cases(name: str):
    cases = _cases(json_object())
    if not cases:
        raise ApiError(422, "invalid", "send at least one test case in 'test_cases'.")
    return {"test_case_count": service.add_test_cases(engine(), g.project_name, name, cases)}, 201


def _transition(summary: str, action):
    @require("editor")
    @api_doc(
        summary,
        params=NAME,
        responses={
            200: EXPERIMENT,
            404: "No such experiment.",
            409: "Not allowed in the experiment's status.",
        },
        tag="experiments",
    )
    def view(name: str):
        return {"experiment": action(engine(), g.project_name, name).to_dict()}

    view.__name__ = action.__name__ + "_experiment"
    return view


api.add_url_rule(
    "/experiments/<name>/start",
    view_func=_transition("Start splitting traffic", service.start),
    methods=["POST"],
)
api.add_url_rule(
    "/experiments/<name>/stop",
    view_func=_transition("Stop: apps get the control", service.stop),
    methods=["POST"],
)


@api.post("/experiments/<name>/promote")
@require("editor")
@api_doc(
    "End the experiment and make a variant what apps get",
    params=NAME,
    request={"type": "object", "required": ["variant"], "properties": {"variant": {"type": "string"}}},
    responses={
        200: EXPERIMENT,
        404: "No such experiment.",
        409: "Already completed.",
        422: "No such variant.",
    },
    tag="experiments",
)
def promote(name: str):
    variant = string_field(json_object(), "variant")
    return {"experiment": service.promote(engine(), g.project_name, name, variant).to_dict()}


@api.get("/experiments/<name>/runs")
@require("viewer")
@api_doc(
    "The experiment's automated runs, newest first",
    params=NAME,
    responses={
        200: "{items: [{id, status, repeat, max_cost_usd, started_at, finished_at, error, items, failed, "
        "cost_usd}], next_cursor: null}",
        404: "No such experiment.",
    },
    tag="experiments",
)
def list_runs(name: str):
    return {"items": runs.run_summaries(engine(), g.project_name, name), "next_cursor": None}


@api.post("/experiments/<name>/runs")
@require("editor")
@api_doc(
    "Run (or resume) the experiment: every test case to every variant, in the background",
    params=NAME,
    request={
        "type": "object",
        "properties": {
            "repeat": {**WHOLE, "description": "Calls per test case and variant (default 1)."},
            "concurrency": {**WHOLE, "maximum": 64, "description": "Calls at a time (default 4)."},
            "max_cost_usd": {"type": "number", "minimum": 0, "description": "Stop once this is spent."},
        },
    },
    description="A run that cannot call its providers (no credentials on the server) is stored with status "
    "`failed` and the sentence saying what to set in `error`; so is a run that fails midway (see "
    "`GET /experiments/{name}/runs`).",
    responses={
        202: "{run_id, status: running | failed, error}",
        404: "No such experiment.",
        409: "This experiment is already running in this process.",
        422: "Cannot run (no test cases, stopped or completed, bad options).",
    },
    tag="experiments",
)
def start_run(name: str):
    body = json_object()
    options = {key: body[key] for key in ("repeat", "concurrency") if key in body}
    cap = body.get("max_cost_usd")
    run_id, error = background.start(
        engine(), g.project_name, name, max_cost_usd=cap, base_url=base_url(), **options
    )
    return {"run_id": run_id, "status": "failed" if error else "running", "error": error}, 202


@api.get("/experiments/<name>/results")
@require("viewer")
@api_doc(
    "Per-variant metrics and each variant against the control, with significance",
    params=NAME,
    description="Attribution only by the spans' experiment/variant tags. Success rate: two-proportion z-test "
    "(Fisher's exact test for small counts); latency, cost, feedback: Welch's t-test; Holm's correction "
    "across variants; α = 0.05.",
    responses={
        200: "{experiment, primary_metric, alpha, variants: [...], comparisons: [...], winner, verdict, "
        "methods}",
        404: "No such experiment.",
    },
    tag="experiments",
)
def get_results(name: str):
    from otel_llm.experiments.results import experiment_results

    return experiment_results(engine(), g.project_name, name).to_dict()


__all__ = ["api", "ExperimentError"]
