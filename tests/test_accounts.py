"""Accounts service: projects, API keys and authentication, on SQLite and Postgres."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from otel_llm.accounts import (
    InvalidName,
    KeyNotFound,
    ProjectExists,
    ProjectNotFound,
    authenticate,
    create_key,
    create_project,
    get_project,
    list_keys,
    list_projects,
    revoke_key,
    role_at_least,
)
from otel_llm.accounts.keys import hash_token
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import api_keys


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


def test_create_and_list_projects(engine):
    create_project(engine, "support-bot")
    create_project(engine, "alpha.v2")
    assert [p.name for p in list_projects(engine)] == ["alpha.v2", "support-bot"]
    assert get_project(engine, "support-bot").id > 0
    assert get_project(engine, "missing") is None


@pytest.mark.parametrize("bad", ["", " ", "-starts-with-dash", "has space", "x" * 101, "semi;colon"])
def test_invalid_project_names_are_refused(engine, bad):
    with pytest.raises(InvalidName, match="letters, digits"):
        create_project(engine, bad)
    assert list_projects(engine) == []


def test_duplicate_project_is_a_clear_error(engine):
    create_project(engine, "demo")
    with pytest.raises(ProjectExists, match="already exists"):
        create_project(engine, "demo")
    assert len(list_projects(engine)) == 1


def test_key_is_shown_once_and_only_its_hash_is_stored(engine):
    create_project(engine, "demo")
    info, token = create_key(engine, "demo", "editor", name="ci")
    assert token.startswith(f"ollm_{info.prefix}_") and len(token) > 40
    with engine.connect() as connection:
        stored = connection.execute(select(api_keys)).one()
    assert token not in [str(v) for v in stored]
    assert stored.key_hash == hash_token(token)
    assert (info.role, info.name, info.project_name, info.revoked) == ("editor", "ci", "demo", False)


def test_authenticate_valid_wrong_and_revoked_keys(engine):
    create_project(engine, "demo")
    info, token = create_key(engine, "demo", "viewer")
    caller = authenticate(engine, token)
    assert (caller.id, caller.project_name, caller.role) == (info.id, "demo", "viewer")
    assert authenticate(engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert authenticate(engine, "") is None
    assert authenticate(engine, "Bearer nonsense") is None
    revoke_key(engine, info.prefix)
    assert authenticate(engine, token) is None


def test_last_used_is_recorded_at_most_once_a_minute(engine):
    create_project(engine, "demo")
    info, token = create_key(engine, "demo", "admin")
    assert list_keys(engine, "demo")[0].last_used_at is None
    authenticate(engine, token)
    first = list_keys(engine, "demo")[0].last_used_at
    assert first is not None
    authenticate(engine, token)
    assert list_keys(engine, "demo")[0].last_used_at == first  # within the minute: no write
    with engine.begin() as connection:
        connection.execute(update(api_keys).values(last_used_at=first - timedelta(minutes=5)))
    authenticate(engine, token)
    assert list_keys(engine, "demo")[0].last_used_at > first - timedelta(minutes=5)


def test_revoke_by_id_prefix_or_display_and_errors(engine):
    create_project(engine, "demo")
    a, _ = create_key(engine, "demo", "viewer")
    b, _ = create_key(engine, "demo", "viewer")
    c, _ = create_key(engine, "demo", "viewer")
    assert revoke_key(engine, a.id).revoked
    assert revoke_key(engine, str(b.id)).revoked
    assert revoke_key(engine, c.display).revoked
    again = revoke_key(engine, c.prefix)
    assert again.revoked_at == list_keys(engine, "demo")[2].revoked_at
    with pytest.raises(KeyNotFound, match="keys list"):
        revoke_key(engine, "deadbeef")
    assert all(k.revoked for k in list_keys(engine, "demo"))


def test_an_all_digit_prefix_is_found_as_a_prefix_and_an_id_clash_is_reported(engine):
    create_project(engine, "demo")
    a, _ = create_key(engine, "demo", "viewer")
    b, _ = create_key(engine, "demo", "viewer")
    with engine.begin() as connection:  # hex prefixes are all digits about one time in 160
        connection.execute(update(api_keys).where(api_keys.c.id == a.id).values(prefix="12407851"))
        connection.execute(update(api_keys).where(api_keys.c.id == b.id).values(prefix=f"{a.id:08d}"))
    assert revoke_key(engine, "12407851").id == a.id
    with pytest.raises(KeyNotFound, match="2 keys match .*ollm_<prefix>"):
        revoke_key(engine, f"{a.id:08d}")  # a's id and b's prefix
    assert revoke_key(engine, f"ollm_{a.id:08d}").id == b.id
    assert all(k.revoked for k in list_keys(engine, "demo"))


def test_keys_need_an_existing_project_and_a_known_role(engine):
    with pytest.raises(ProjectNotFound, match="otel-llm projects create nope"):
        create_key(engine, "nope", "viewer")
    create_project(engine, "demo")
    with pytest.raises(ValueError, match="viewer, editor, admin"):
        create_key(engine, "demo", "owner")
    assert list_keys(engine, "demo") == []


def test_keys_are_per_project(engine):
    create_project(engine, "one")
    create_project(engine, "two")
    create_key(engine, "one", "viewer")
    _, token = create_key(engine, "two", "editor")
    assert len(list_keys(engine, "one")) == 1
    assert authenticate(engine, token).project_name == "two"


def test_role_order():
    assert role_at_least("admin", "editor") and role_at_least("editor", "editor")
    assert not role_at_least("viewer", "editor")
    assert not role_at_least("root", "viewer") and not role_at_least("admin", "root")
