"""Shared fixtures: real SQLite and real Postgres databases, migrated to head.

Postgres tests never skip: when the server is unreachable they fail, so CI cannot pass without it.
Each test session gets its own Postgres database (created here, dropped at the end), so parallel
runs never see each other's data. ``OTEL_LLM_TEST_PG_ADMIN_URL`` points at a server where the
connecting role may create databases (default: the local server as ``postgres``).
"""

from __future__ import annotations

import os
import shutil
import uuid

import psycopg
import pytest

from otel_llm.masking import mask_url, redact
from otel_llm.pricing import custom as project_prices
from otel_llm.storage import db as storage_db
from otel_llm.storage import writer

PG_ADMIN_URL = os.environ.get("OTEL_LLM_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_UNREACHABLE_EXIT_CODE = 3  # pytest's own codes: 1 tests failed, 2 interrupted, 4 usage, 5 no tests


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # fail, never skip
        pytest.fail(f"Postgres is unreachable at {PG_ADMIN_URL}: {exc}. Start it (see .ci/run).")


@pytest.fixture(scope="session")
def pg_server_url():
    """URL of this session's (this worker's) Postgres database; tests get it empty or migrated."""
    name = f"otel_llm_test_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        storage_db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def _pg_template(pg_server_url):
    """A Postgres database migrated to head once per session: each migrated test database is a copy
    (``CREATE DATABASE … TEMPLATE``, a file copy), not a fresh run of every migration."""
    from otel_llm.storage import migrate

    name = f"otel_llm_tmpl_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate.upgrade(_pg_url(name))
        storage_db.dispose_all()  # a template must have no connections when it is copied
        yield name
    finally:
        storage_db.dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """An SQLite file migrated to head once per session; each migrated test file is a copy."""
    from otel_llm.storage import migrate

    path = tmp_path_factory.mktemp("template") / "otel_llm.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    storage_db.dispose_all()  # closes the file (its WAL checkpointed), so a plain copy is complete
    return path


def _forget_caches() -> None:
    storage_db.dispose_all()
    writer.forget_project_cache()
    project_prices.forget()


def _reset_postgres(url: str) -> None:
    """Drop everything in the session database so each test starts from an empty schema."""
    _forget_caches()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS otel_llm_partitions CASCADE")
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _migrated_postgres(url: str, template: str) -> str:
    """The session database made anew as a copy of the migrated template."""
    _forget_caches()
    name = url.rsplit("/", 1)[1]
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return url


def _migrated_sqlite(tmp_path, template) -> str:
    path = tmp_path / "otel_llm.db"
    shutil.copyfile(template, path)
    _forget_caches()
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request, tmp_path):
    """An empty database of each kind (not migrated)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'otel_llm.db'}"
    else:
        url = request.getfixturevalue("pg_server_url")
        _reset_postgres(url)
    writer.forget_project_cache()
    yield url
    storage_db.dispose_all()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A database of each kind, migrated to head (a copy of the session's migrated template)."""
    if request.param == "sqlite":
        url = _migrated_sqlite(tmp_path, request.getfixturevalue("_sqlite_template"))
    else:
        url = _migrated_postgres(
            request.getfixturevalue("pg_server_url"), request.getfixturevalue("_pg_template")
        )
    yield url
    storage_db.dispose_all()


@pytest.fixture
def sqlite_url(tmp_path, _sqlite_template):
    """A migrated SQLite database only (for tests where the database kind does not matter)."""
    yield _migrated_sqlite(tmp_path, _sqlite_template)
    storage_db.dispose_all()


@pytest.fixture
def pg_url(pg_server_url, _pg_template):
    """A migrated Postgres database only."""
    yield _migrated_postgres(pg_server_url, _pg_template)
    storage_db.dispose_all()


@pytest.fixture(scope="session")
def mock_llm_server():
    """The local LLM provider (``otel_llm.mockllm``) on an ephemeral port, shared by the session."""
    from otel_llm.mockllm import MockLLMServer

    with MockLLMServer(port=0) as server:
        yield server


@pytest.fixture
def mock_llm(mock_llm_server):
    """The session's local LLM provider, as fresh for this test: no received requests, no cached prompts.

    OpenAI: ``base_url=mock_llm.url + "/v1"``; Anthropic: ``base_url=mock_llm.url``; any API key.
    """
    mock_llm_server.reset()
    yield mock_llm_server
    mock_llm_server.reset()


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which would break every later test that calls ``asyncio.run``."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.path).replace("\\", "/"))


@pytest.hookimpl(tryfirst=True)
def pytest_itemcollected(item):
    """Every test that uses the Postgres server carries the ``postgres`` mark (``-m "not postgres"``)."""
    callspec = getattr(item, "callspec", None)
    if {"pg_server_url", "pg_url"} & set(item.fixturenames) or (
        callspec is not None and "postgres" in callspec.params.values()
    ):
        item.add_marker(pytest.mark.postgres)


def pytest_collection_finish(session):
    """With the Postgres server down, stop at once with one message instead of failing every
    Postgres test after its own connection attempt."""
    needing = sum(item.get_closest_marker("postgres") is not None for item in session.items)
    if not needing or session.config.option.collectonly:
        return
    try:
        psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.exit(
            f"Postgres is unreachable at {mask_url(PG_ADMIN_URL)} ({redact(reason)}); {needing} selected "
            "tests need it. "
            "Start it, point OTEL_LLM_TEST_PG_ADMIN_URL at a server where the role may create databases, "
            'or leave those tests out with -m "not postgres".',
            returncode=PG_UNREACHABLE_EXIT_CODE,
        )


@pytest.fixture(autouse=True)
def _leave_the_sdks_as_found():
    """Whatever a test switched on (``otel_llm.instrument()``, an experiment run, a replay), the next
    test starts with unpatched SDKs and no otel-llm exporter attached."""
    yield
    from otel_llm import pipeline
    from otel_llm.instrumentation import available_instrumentors

    pipeline.shutdown()
    pipeline.uninstrument()
    for instrumentor in available_instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
