"""Schemathesis against ``/api/v1/openapi.json``: generated requests never get a server error.

Every operation of the document is called in-process (WSGI) with an admin key of a project on
SQLite, with requests that follow the document (positive) and requests that break it (negative:
wrong types, unknown fields, values out of range). The examples per operation are bounded and
derandomized, so a run is the same every time. Any 5xx fails the test with the request that caused
it; the cases run per status class are printed (``pytest -s``).
"""

from __future__ import annotations

import collections

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from otel_llm.accounts import create_key
from otel_llm.prompts import versions
from otel_llm.storage.db import get_engine
from tests.web_helpers import bearer, ensure_project, make_app

EXAMPLES = 15  # per operation and generation mode: about 1,300 requests, ~30 s here
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture
def api(sqlite_url):
    """The app, an admin key of project alpha, and a prompt to find (names are otherwise random)."""
    project_id = ensure_project(sqlite_url, "alpha")
    info, token = create_key(get_engine(sqlite_url), "alpha", "admin", name="schemathesis")
    versions.create_version(get_engine(sqlite_url), project_id, "support", "Hello {{who}}", author="test")
    return make_app(sqlite_url), info.id, token


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for result in schema.get_all_operations():
        yield result.ok()


def test_generated_requests_never_get_a_server_error(api):
    app, key_id, token = api
    statuses: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    operations = list(_operations(app))
    for operation in operations:
        for mode in MODES:
            _run(operation, mode, token, key_id, statuses, failures)
    print(
        f"\nschemathesis: {len(operations)} operations, {sum(statuses.values())} cases, "
        f"by status class {dict(sorted(statuses.items()))}"
    )
    assert failures == [], "\n".join(failures[:20])
    assert statuses["2xx"] > 0 and statuses["4xx"] > 0


def _run(operation, mode, token, key_id, statuses, failures) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, name=st.sampled_from(["support", None]))
    def check(case, name):
        if "name" in (case.path_parameters or {}) and name:
            case.path_parameters["name"] = name  # half the time, a prompt that exists
        if (case.path_parameters or {}).get("key_id") == key_id:
            case.path_parameters["key_id"] = key_id + 1  # never revoke the key the run uses
        response = case.call(headers=bearer(token))
        statuses[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            failures.append(f"{mode.value} {response.status_code}: {case.as_curl_command()}")

    check()
