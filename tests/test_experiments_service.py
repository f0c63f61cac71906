"""The experiments service and the in-app ``otel_llm.experiment`` block, on SQLite and Postgres."""

import pytest
from sqlalchemy import select

import otel_llm
from otel_llm import pipeline
from otel_llm.experiments import client, service
from otel_llm.experiments.errors import (
    ExperimentError,
    ExperimentExists,
    ExperimentNotFound,
    InvalidTransition,
)
from otel_llm.experiments.model import ExperimentSpec, TestCase, VariantSpec
from otel_llm.experiments.validation import case_from_text
from otel_llm.providers import client as provider_client
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans

P = "default"


def _create(url, name="bakeoff", weights=(50, 50)):
    spec = ExperimentSpec(
        name=name,
        description="gpt vs claude",
        hypothesis="claude is faster",
        author="ana@example.com",
        variants=[
            VariantSpec(
                "a", weights[0], True, {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.7}
            ),
            VariantSpec(
                "b", weights[1], False, {"provider": "anthropic", "model": "claude-3-5-haiku-latest"}
            ),
        ],
        test_cases=[case_from_text("Hello")],
    )
    return service.create_experiment(get_engine(url), P, spec)


@pytest.fixture(autouse=True)
def _fresh_cache():
    client.clear_cache()
    yield
    client.clear_cache()


def test_create_list_show_and_test_cases(db_url):
    engine = get_engine(db_url)
    created = _create(db_url)
    assert (created.status, created.control.name, created.test_case_count) == ("draft", "a", 1)
    assert created.author == "ana@example.com" and created.hypothesis == "claude is faster"
    with pytest.raises(ExperimentExists, match="already exists"):
        _create(db_url)
    _create(db_url, "second")
    assert [e.name for e in service.list_experiments(engine, P)] == ["second", "bakeoff"]
    count = service.add_test_cases(engine, P, "bakeoff", [case_from_text("Two"), case_from_text("Three")])
    assert count == 3
    with pytest.raises(ExperimentError):  # one bad case: nothing of the batch is stored
        service.add_test_cases(engine, P, "bakeoff", [case_from_text("Four"), TestCase([])])
    assert [c.messages[0]["content"] for c in service.list_test_cases(engine, P, "bakeoff")] == [
        "Hello",
        "Two",
        "Three",
    ]
    with pytest.raises(ExperimentNotFound, match="experiments list"):
        service.get_experiment(engine, P, "nope")
    with pytest.raises(ExperimentNotFound):
        service.get_experiment(engine, "other-project", "bakeoff")


def test_lifecycle_and_promote(db_url):
    engine = get_engine(db_url)
    _create(db_url)
    with pytest.raises(InvalidTransition, match="is draft"):
        service.stop(engine, P, "bakeoff")
    running = service.start(engine, P, "bakeoff")
    assert running.status == "running" and running.started_at is not None
    assert service.stop(engine, P, "bakeoff").status == "stopped"
    assert service.start(engine, P, "bakeoff").status == "running"
    with pytest.raises(ExperimentError, match="has no variant 'z'; its variants are a, b"):
        service.promote(engine, P, "bakeoff", "z")
    done = service.promote(engine, P, "bakeoff", "b")
    assert (done.status, done.winner) == ("completed", "b") and done.ended_at is not None
    with pytest.raises(InvalidTransition):
        service.start(engine, P, "bakeoff")


def test_sdk_serves_control_winner_or_assignment_by_status(db_url):
    engine = get_engine(db_url)
    _create(db_url, weights=(0, 100))

    def served():
        client.clear_cache()
        return otel_llm.experiment("bakeoff", unit_id="u1", database_url=db_url).assign()

    draft = served()
    assert (draft.name, draft.tagged, draft.reason) == ("a", False, "control")
    assert draft.config["model"] == "gpt-4o-mini"
    service.start(engine, P, "bakeoff")
    running = served()
    assert (running.name, running.tagged, running.config["provider"]) == ("b", True, "anthropic")
    service.stop(engine, P, "bakeoff")
    assert served().name == "a"
    service.promote(engine, P, "bakeoff", "b")
    winner = served()
    assert (winner.name, winner.reason, winner.tagged) == ("b", "winner", False)


def test_unknown_or_unreachable_gives_the_default_without_raising(db_url, tmp_path):
    default = {"provider": "openai", "model": "gpt-4o-mini"}
    with otel_llm.experiment("missing", unit_id=1, database_url=db_url, default=default) as variant:
        assert (variant.name, variant.config, variant.reason) == ("control", default, "unknown")
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    with otel_llm.experiment("bakeoff", unit_id=1, database_url=unreachable, default=default) as variant:
        assert (variant.name, variant.reason) == ("control", "unreachable")
    api = otel_llm.experiment(
        "bakeoff", unit_id=1, api_url="http://127.0.0.1:1", api_key="k", default=default
    )
    assert api.assign().reason == "unreachable"


def test_cached_config_survives_an_outage(db_url, monkeypatch):
    engine = get_engine(db_url)
    _create(db_url, weights=(0, 100))
    service.start(engine, P, "bakeoff")
    block = otel_llm.experiment("bakeoff", unit_id="u", database_url=db_url, cache_ttl=0)
    assert block.assign().name == "b"

    def down(*_args):
        raise ConnectionError("database down")

    monkeypatch.setattr(client, "_fetch_db", down)  # stale entry refreshes in the background and fails
    for _ in range(3):
        assert block.assign().name == "b"


def test_spans_in_the_block_carry_experiment_and_variant(db_url, mock_llm):
    engine = get_engine(db_url)
    _create(db_url)
    service.start(engine, P, "bakeoff")
    otel_llm.configure(database_url=db_url, project=P)
    otel_llm.instrument()
    try:
        names = {}
        for user in ("alice", "bob", "carol", "dave", "erin", "frank"):
            with otel_llm.experiment("bakeoff", unit_id=user, database_url=db_url) as variant:
                names[user] = variant.name
                _call(variant.config, mock_llm.url)
        _call({"provider": "openai", "model": "gpt-4o-mini"}, mock_llm.url)  # outside: untagged
        pipeline.flush()
    finally:
        otel_llm.uninstrument()
        pipeline.shutdown()
    with engine.connect() as conn:
        rows = conn.execute(
            select(spans.c.experiment, spans.c.variant, spans.c.provider).where(spans.c.is_llm.is_(True))
        ).all()
    tagged = [r for r in rows if r.experiment == "bakeoff"]
    assert len(tagged) == 6 and len(rows) == 7
    assert sorted(r.variant for r in tagged) == sorted(names.values())
    assert {r.variant: r.provider for r in tagged} == {
        v: {"a": "openai", "b": "anthropic"}[v] for v in names.values()
    }


def _call(config, url):
    sdk = provider_client(config["provider"], base_url=url)
    messages = [{"role": "user", "content": "Hi"}]
    if config["provider"] == "openai":
        sdk.chat.completions.create(model=config["model"], messages=messages)
    else:
        sdk.messages.create(model=config["model"], messages=messages, max_tokens=50)


def test_a_session_assigns_by_its_user_then_its_conversation(db_url):
    """Without ``unit_id`` the unit is the session's user (the same variant in every conversation,
    and as with ``unit_id=user``), by the conversation with ``assign_by="session"``."""
    _create(db_url)
    service.start(get_engine(db_url), P, "bakeoff")

    def served(unit_id=None, **kw):
        return otel_llm.experiment("bakeoff", unit_id, database_url=db_url, **kw).assign().name

    users = [f"user-{i}" for i in range(12)]
    by_user = {u: served(u) for u in users}
    assert set(by_user.values()) == {"a", "b"}  # the split is real, so equal variants mean something
    for i, user in enumerate(users):
        with otel_llm.session(f"conv-{i}", user_id=user):
            assert served() == by_user[user]
            assert served(assign_by="session") == served(f"conv-{i}")
        with otel_llm.session(f"conv-{i}-again", user_id=user):
            assert served() == by_user[user]
    conversations = {served(f"conv-{i}") for i in range(12)}
    with otel_llm.session("conv-3"):  # no user: the conversation is the unit
        assert served() == served("conv-3")
    assert conversations == {"a", "b"}
