"""The OpenAPI document describes exactly the /api/v1 routes there are."""

from __future__ import annotations

import pytest
from otel_llm_server.web.openapi import API_PREFIX, DOC_ATTR, openapi_path

from tests.web_helpers import make_app


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(API_PREFIX + "/")]


def test_every_api_route_is_documented_with_its_path_variables(app):
    undocumented, unexplained = [], []
    for rule in _api_rules(app):
        doc = getattr(app.view_functions[rule.endpoint], DOC_ATTR, None)
        if doc is None:
            undocumented.append(rule.rule)
            continue
        unexplained += [f"{rule.rule}: {name}" for name in rule.arguments if not doc["params"].get(name)]
    assert undocumented == [], f"add @api_doc(...) to: {undocumented}"
    assert unexplained == [], f"describe these path variables in @api_doc(params=...): {unexplained}"


def test_document_matches_the_routes_both_ways(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = {
        (openapi_path(rule.rule), method)
        for rule in _api_rules(app)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    adapter = app.url_map.bind("localhost")
    for path, method in documented:  # each documented operation reaches a real view
        concrete = path.replace("{", "").replace("}", "")
        for rule in _api_rules(app):
            if openapi_path(rule.rule) == path:
                concrete = rule.rule
                for name in rule.arguments:
                    concrete = (
                        concrete.replace(f"<int:{name}>", "1")
                        .replace(f"<bigint:{name}>", "1")
                        .replace(f"<{name}>", "x")
                    )
        endpoint, _ = adapter.match(concrete, method=method)
        assert endpoint in app.view_functions


def test_operations_carry_errors_security_and_required_role(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/keys/{key_id}"]["delete"]
    assert operation["x-required-role"] == "admin"
    assert operation["parameters"][0] == {
        "name": "key_id",
        "in": "path",
        "required": True,
        "description": "Key id (from GET /api/v1/keys).",
        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    }
    assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    spans = document["paths"]["/api/v1/spans"]["get"]
    assert {p["name"] for p in spans["parameters"]} >= {
        "model",
        "provider",
        "status",
        "cursor",
        "limit",
        "sort",
    }
    assert document["components"]["securitySchemes"]["apiKey"] == {"type": "http", "scheme": "bearer"}


def test_document_is_valid_openapi_3(app):
    from openapi_spec_validator import validate

    validate(app.test_client().get("/api/v1/openapi.json").get_json())
