"""§4: no database password and no API key in a log line, an error message or a page, whichever
path fails: the prompt cache's background refresh (database and API sources), the experiment
config cache, the in-app exporter, the collector, the CLI and the console."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

import otel_llm
from otel_llm.accounts import create_key, create_project
from otel_llm.masking import fingerprint, mask_url, redact
from otel_llm.prompts import catalog, client, labels, versions
from otel_llm.prompts.errors import PromptUnavailable
from otel_llm.storage.db import get_engine
from tests.tcp_proxy import TcpProxy
from tests.test_collector_support import export_spans, genai_span, running_collector
from tests.web_helpers import make_app, signed_in_client

SECRET = "Pw-Must-Not-Leak-9"


def _with_password(url: str, port: int | None = None) -> str:
    """``url`` reached as ``postgres:SECRET@…`` (the test server trusts local users, so it works)."""
    parsed = make_url(url).set(username="postgres", password=SECRET)
    return (parsed.set(port=port) if port else parsed).render_as_string(hide_password=False)


@pytest.fixture
def proxied_pg(pg_url):
    """The test Postgres behind a proxy the test can cut, addressed with a password in the URL."""
    parsed = make_url(pg_url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    yield _with_password(pg_url, proxy.port), proxy
    proxy.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    client.clear_cache()
    yield
    client.clear_cache()


def test_the_masking_helper():
    assert mask_url(f"postgresql://ada:{SECRET}@db:5432/otel") == "postgresql://ada:***@db:5432/otel"
    assert mask_url(f"postgresql+psycopg://ada:{SECRET}@[bad") == "postgresql+psycopg://ada:***@[bad"
    assert mask_url(f"not a url ada:{SECRET}@host") == "***"
    text = (
        f"dsn host=db password={SECRET} url=http://ada:{SECRET}@h/x Authorization: Bearer {SECRET} "
        f"key ollm_1a2b3c4d_{SECRET} openai sk-proj{SECRET}"
    )
    masked = redact(text)
    assert SECRET not in masked
    assert "ollm_1a2b3c4d_***" in masked and "http://ada:***@h/x" in masked and "password=***" in masked
    assert fingerprint(SECRET) != fingerprint(SECRET + "x") and SECRET not in fingerprint(SECRET)


def test_a_failed_background_refresh_from_the_database_logs_no_password(proxied_pg, caplog):
    url, proxy = proxied_pg
    engine = get_engine(url)
    pid = catalog.project_id(engine, "default", create=True)
    versions.create_version(engine, pid, "support", "You help {{customer}}.")
    labels.publish(engine, pid, "support", 1)
    assert otel_llm.get_prompt("support", database_url=url, cache_ttl=60).version == 1
    proxy.close()
    engine.dispose()
    caplog.set_level(logging.DEBUG)
    assert otel_llm.get_prompt("support", database_url=url, cache_ttl=0).version == 1  # stale, refreshing
    assert client._cache.wait_idle(timeout=30)
    assert "could not refresh prompt" in caplog.text
    assert "postgresql://postgres:***@127.0.0.1" in caplog.text  # which database, masked
    assert SECRET not in caplog.text
    with pytest.raises(PromptUnavailable) as raised:
        otel_llm.get_prompt("other", database_url=url)
    assert SECRET not in str(raised.value)


@pytest.fixture
def console_api(sqlite_url):
    """The console over HTTP, a prompt in project 'default' and an editor key for it."""
    engine = get_engine(sqlite_url)
    pid = catalog.project_id(engine, "default", create=True)
    versions.create_version(engine, pid, "support", "You help {{customer}}.")
    labels.publish(engine, pid, "support", 1)
    _, token = create_key(engine, "default", "viewer")
    server = make_server("127.0.0.1", 0, make_app(sqlite_url), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token, server
    server.shutdown()
    thread.join()


def test_a_failed_background_refresh_over_the_api_logs_no_api_key(console_api, caplog):
    base, token, server = console_api
    assert otel_llm.get_prompt("support", api_url=base, api_key=token, cache_ttl=60).version == 1
    server.shutdown()
    server.server_close()
    caplog.set_level(logging.DEBUG)
    assert otel_llm.get_prompt("support", api_url=base, api_key=token, cache_ttl=0).version == 1
    assert client._cache.wait_idle(timeout=30)
    assert "could not refresh prompt" in caplog.text
    secret_part = token.split("_", 2)[2]
    assert token not in caplog.text and secret_part not in caplog.text
    wrong = f"{token[:-4]}XXXX"  # a refused key is not echoed either
    assert otel_llm.get_prompt("support", api_url=base, api_key=wrong, fallback="f").is_fallback
    assert wrong.split("_", 2)[2] not in caplog.text


def test_the_experiment_config_cache_logs_no_password(proxied_pg, caplog):
    url, proxy = proxied_pg
    proxy.close()
    caplog.set_level(logging.DEBUG)
    variant = otel_llm.experiment("bakeoff", "user-1", default={"model": "x"}, database_url=url).assign()
    assert variant.config == {"model": "x"}
    assert "experiment 'bakeoff' unavailable" in caplog.text and SECRET not in caplog.text


def test_the_exporter_logs_no_password_while_the_database_is_down(proxied_pg, tmp_path, caplog):
    from opentelemetry.sdk.trace import TracerProvider

    from otel_llm.exporter import SQLSpanExporter

    url, proxy = proxied_pg
    proxy.close()
    caplog.set_level(logging.DEBUG)
    exporter = SQLSpanExporter(database_url=url, project="shop", spool_dir=tmp_path / "spool")
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("chat gpt-4o-mini") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
    exporter.export([span])
    exporter.shutdown()
    assert "database unavailable" in caplog.text and SECRET not in caplog.text


def test_the_collector_logs_and_answers_no_password(pg_url, tmp_path):
    engine = get_engine(pg_url)
    create_project(engine, "shop")
    unreachable = _with_password(pg_url, port=1)
    with running_collector(unreachable, tmp_path, "--spool-dir", str(tmp_path / "spool")) as keyed:
        refused = httpx.post(
            keyed.endpoint,
            content=b"",
            headers={"Authorization": "Bearer ollm_1a2b3c4d_x", "Content-Type": "application/x-protobuf"},
        )
    with running_collector(unreachable, tmp_path, "--no-auth", "--spool-dir", str(tmp_path / "s2")) as open_:
        export_spans([genai_span(0)], [{"endpoint": open_.endpoint, "batches": [[0]]}])
        open_.wait_for(lambda health: health["spooled_spans"] >= 1)
    logs = keyed.log.read_text() + open_.log.read_text()
    assert refused.status_code == 503 and SECRET not in refused.text
    assert "unreachable" in logs and SECRET not in logs


def test_cli_errors_show_no_password(proxied_pg):
    url, proxy = proxied_pg
    proxy.close()
    for args in (["traces", "list"], ["db", "current"], ["db", "upgrade"], ["prompts", "list"]):
        result = CliRunner().invoke(main, ["--database-url", url, *args])
        assert result.exit_code == 1 and "postgres:***@" in result.output, result.output
        assert SECRET not in result.output


def test_the_console_logs_and_shows_no_password_when_the_database_goes_away(proxied_pg, caplog):
    url, proxy = proxied_pg
    app = make_app(url)
    browser = signed_in_client(app, url, "ada@example.com", "viewer")
    proxy.close()
    get_engine(url).dispose()
    caplog.set_level(logging.DEBUG)
    for path in ("/traces", "/api/v1/spans", "/settings/members"):
        response = browser.get(path)
        assert response.status_code >= 500 and SECRET not in response.get_data(as_text=True)
    assert caplog.text and SECRET not in caplog.text
