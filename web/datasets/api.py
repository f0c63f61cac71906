"""``/api/v1/datasets``: the datasets service as JSON routes (viewers read, editors write).

A dataset of another project is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, query_arg, string_field
from otel_llm_server.web.db import engine
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.traces.api import LIST_QUERY
from otel_llm_server.web.traces.filters import parse_list_query
from otel_llm_server.web.validation import ID_MAX
from werkzeug.datastructures import MultiDict

from otel_llm import datasets
from otel_llm.datasets import from_spans
from otel_llm.datasets.model import ROLES

api = Blueprint("datasets_api", __name__, url_prefix="/api/v1")

DATASET = {"dataset": "Dataset name."}
ITEM = {**DATASET, "item_id": "Item id (an edit gives the new content a new id)."}
_ID = {"type": "string", "nullable": True}
ITEM_SCHEMA = {
    "type": "object",
    "description": 'Exactly one of "messages" and "variables".',
    "properties": {
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": list(ROLES)},
                    "content": {"type": "string"},
                },
            },
        },
        "variables": {"type": "object", "additionalProperties": True, "description": "Prompt variables."},
        "expected_output": {"type": "string", "nullable": True},
        "metadata": {"type": "object", "additionalProperties": True},
        "source_trace_id": {**_ID, "description": "Trace of the span the item came from (32 hex digits)."},
        "source_span_id": {**_ID, "description": "That span (16 hex digits)."},
    },
}
ITEMS = {"type": "array", "items": ITEM_SCHEMA, "maxItems": 10000}
VERSION_QUERY = {
    "version": ({"type": "integer", "minimum": 1, "maximum": ID_MAX}, "Version number (default: current).")
}
DATASET_OUT = "{dataset: {id, name, description, current_version, item_count, created_at}}"
VERSION_OUT = "{version: {id, number, change, actor, item_count, created_at}}"
SPANS_REQUEST = {
    "type": "object",
    "description": 'Either "spans" (chosen spans) or "filter" (as GET /api/v1/spans filters, newest first).',
    "properties": {
        "spans": {
            "type": "array",
            "maxItems": from_spans.MAX_SPANS,
            "items": {
                "type": "object",
                "required": ["trace_id", "span_id"],
                "properties": {"trace_id": {"type": "string"}, "span_id": {"type": "string"}},
            },
        },
        "filter": {
            "type": "object",
            "description": "The filters of GET /api/v1/spans.",
            "properties": {
                name: schema if isinstance(schema, dict) else {"type": schema, "description": text}
                for name, (schema, text) in LIST_QUERY.items()
                if name not in ("sort", "order", "cursor", "limit")
            },
        },
        "limit": {"type": "integer", "minimum": 1, "maximum": from_spans.MAX_SPANS, "default": 200},
    },
}


def _items(body: dict[str, Any], key: str = "items") -> list[datasets.ItemSpec]:
    return [_item(i) for i in body.get(key) or []]


def _item(data: dict[str, Any]) -> datasets.ItemSpec:
    return datasets.ItemSpec(
        messages=data.get("messages"),
        variables=data.get("variables"),
        expected_output=data.get("expected_output"),
        metadata=data.get("metadata") or {},
        source_trace_id=data.get("source_trace_id"),
        source_span_id=data.get("source_span_id"),
    )


@api.get("/datasets")
@require("viewer")
@api_doc(
    "List the project's datasets by name",
    responses={200: "{items: [dataset], next_cursor: null}"},
    tag="datasets",
)
def list_datasets():
    found = datasets.list_datasets(engine(), g.project_id)
    return {"items": [d.to_dict() for d in found], "next_cursor": None}


@api.post("/datasets")
@require("editor")
@api_doc(
    "Create a dataset (version 1, with the items given)",
    request={
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "items": ITEMS},
    },
    responses={201: DATASET_OUT, 409: "The name is taken.", 422: "An invalid name or item."},
    tag="datasets",
)
def create_dataset():
    body = json_object()
    found = datasets.create(
        engine(),
        g.project_id,
        string_field(body, "name"),
        string_field(body, "description", required=False),
        _items(body),
        actor=g.actor,
    )
    return {"dataset": found.to_dict()}, 201


@api.get("/datasets/<dataset>")
@require("viewer")
@api_doc(
    "A dataset with its versions (newest first)",
    params=DATASET,
    responses={200: "{dataset, versions: [version]}", 404: "No such dataset."},
    tag="datasets",
)
def show_dataset(dataset: str):
    found = datasets.get(engine(), g.project_id, dataset)
    history = datasets.versions(engine(), g.project_id, dataset)
    return {"dataset": found.to_dict(), "versions": [v.to_dict() for v in history]}


@api.get("/datasets/<dataset>/items")
@require("viewer")
@api_doc(
    "The items of a dataset version (the current one by default); a run records version.id",
    params=DATASET,
    query=VERSION_QUERY,
    responses={200: "{version, items: [item], next_cursor: null}", 404: "No such dataset or version."},
    tag="datasets",
)
def list_items(dataset: str):
    found = datasets.snapshot(engine(), g.project_id, dataset, query_arg("version"))
    return {
        "version": found.version.to_dict(),
        "items": [i.to_dict() for i in found.items],
        "next_cursor": None,
    }


@api.post("/datasets/<dataset>/items")
@require("editor")
@api_doc(
    "Add items (all or none), as a new version",
    params=DATASET,
    request={"type": "object", "required": ["items"], "properties": {"items": ITEMS}},
    responses={201: VERSION_OUT, 404: "No such dataset.", 422: "An invalid item (the message says which)."},
    tag="datasets",
)
def add_items(dataset: str):
    version = datasets.add_items(engine(), g.project_id, dataset, _items(json_object()), actor=g.actor)
    return {"version": version.to_dict()}, 201


@api.put("/datasets/<dataset>/items/<int:item_id>")
@require("editor")
@api_doc(
    "Change an item, as a new version in which the new content has a new id",
    params=ITEM,
    request={"type": "object", "required": ["item"], "properties": {"item": ITEM_SCHEMA}},
    responses={200: "{version, item}", 404: "No such dataset, or no such item in its current version."},
    tag="datasets",
)
def update_item(dataset: str, item_id: int):
    item = _item(json_object()["item"])
    version, new = datasets.update_item(engine(), g.project_id, dataset, item_id, item, actor=g.actor)
    return {"version": version.to_dict(), "item": new.to_dict()}


@api.delete("/datasets/<dataset>/items/<int:item_id>")
@require("editor")
@api_doc(
    "Remove an item, as a new version (earlier versions keep it)",
    params=ITEM,
    responses={200: VERSION_OUT, 404: "No such dataset, or no such item in its current version."},
    tag="datasets",
)
def remove_item(dataset: str, item_id: int):
    return {
        "version": datasets.remove_items(engine(), g.project_id, dataset, [item_id], actor=g.actor).to_dict()
    }


@api.post("/datasets/<dataset>/spans")
@require("editor")
@api_doc(
    "Add stored spans as items linked to their span (chosen spans, or those a filter matches)",
    params=DATASET,
    request=SPANS_REQUEST,
    responses={
        200: "{version (null when nothing was added), added, skipped: [{span_id, reason}]}",
        404: "No such dataset.",
        422: "No spans given.",
    },
    tag="datasets",
)
def add_spans(dataset: str):
    body = json_object()
    if "filter" in body:
        flt = parse_list_query(MultiDict(body["filter"])).flt
        result = from_spans.add_matching(
            engine(), g.project_id, dataset, flt, body.get("limit", 200), g.actor
        )
    else:
        keys = [(s["trace_id"], s["span_id"]) for s in body.get("spans") or []]
        result = from_spans.add_span_keys(engine(), g.project_id, dataset, keys, g.actor)
    return result.to_dict()
