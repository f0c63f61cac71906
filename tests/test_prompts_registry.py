"""Prompt registry on SQLite and Postgres: versions, hashes, labels, publish, archive, rollback, history.

Covers the seed plan's phase-1 checks: create versions, publish, archive, verify hash generation,
traverse history.
"""

from __future__ import annotations

import hashlib

import pytest

from otel_llm.prompts import catalog, labels, versions
from otel_llm.prompts.errors import Conflict, InvalidInput, PromptNotFound, VersionNotFound
from otel_llm.prompts.names import PromptRef, parse_ref
from otel_llm.storage.db import get_engine


@pytest.fixture
def reg(db_url):
    engine = get_engine(db_url)
    return engine, catalog.project_id(engine, "default", create=True)


def test_versions_number_up_and_hash_is_sha256_of_template(reg):
    engine, pid = reg
    v1 = versions.create_version(engine, pid, "support", "Hello {{customer}}", author="ana")
    v2 = versions.create_version(
        engine, pid, "support", "Hi {{customer}}!", summary="friendlier", tags=["tone"]
    )
    assert (v1.version, v2.version) == (1, 2)
    assert v1.version_hash == hashlib.sha256(b"Hello {{customer}}").hexdigest()
    assert v2.parent_version == 1 and v1.parent_version is None
    assert v2.change_summary == "friendlier" and v2.tags == ("tone",) and v1.author == "ana"
    assert [v.version for v in versions.list_versions(engine, pid, "support")] == [2, 1]


def test_config_is_hashed_separately_and_identical_latest_is_refused(reg):
    engine, pid = reg
    v1 = versions.create_version(engine, pid, "p", "Same text", config={"model": "gpt-4o-mini"})
    v2 = versions.create_version(engine, pid, "p", "Same text", config={"model": "gpt-4o"})
    assert v1.version_hash == v2.version_hash and v1.config_hash != v2.config_hash
    with pytest.raises(Conflict, match=r"p@v2 already has this template and config"):
        versions.create_version(engine, pid, "p", "Same text", config={"model": "gpt-4o"})
    assert len(versions.list_versions(engine, pid, "p")) == 2


@pytest.mark.parametrize(
    ("name", "template", "message"),
    [
        ("bad name!", "x", "invalid prompt name"),
        ("", "x", "invalid prompt name"),
        ("ok", "   \n", "template is empty"),
        ("ok", "x" * (1024 * 1024 + 1), "limited to 1 MiB"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(reg, name, template, message):
    engine, pid = reg
    with pytest.raises(InvalidInput, match=message):
        versions.create_version(engine, pid, name, template)
    assert catalog.list_prompts(engine, pid) == []


def test_bad_config_is_refused(reg):
    engine, pid = reg
    with pytest.raises(InvalidInput, match="temperature"):
        versions.create_version(engine, pid, "p", "x", config={"temperature": 7})
    with pytest.raises(InvalidInput, match="JSON object"):
        versions.create_version(engine, pid, "p", "x", config=["model"])


def test_publish_moves_production_and_history_is_append_only(reg):
    engine, pid = reg
    for text in ("one", "two", "three"):
        versions.create_version(engine, pid, "p", text)
    labels.publish(engine, pid, "p", 1, actor="ana")
    labels.publish(engine, pid, "p", 3, actor="bo")
    assert labels.publish(engine, pid, "p", 3, actor="bo").changed is False
    published = [v.version for v in versions.list_versions(engine, pid, "p") if v.published]
    assert published == [3]
    history = labels.label_history(engine, pid, "p")
    assert [(m.action, m.from_version, m.to_version, m.actor) for m in history] == [
        ("publish", 1, 3, "bo"),
        ("publish", None, 1, "ana"),
    ]
    assert versions.resolve(engine, pid, PromptRef("p")).version == 3


def test_labels_move_and_resolve(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "p", "one")
    versions.create_version(engine, pid, "p", "two")
    labels.set_label(engine, pid, "p", 1, "staging")
    assert versions.resolve(engine, pid, parse_ref("p@staging")).version == 1
    labels.set_label(engine, pid, "p", 2, "staging")
    assert versions.resolve(engine, pid, parse_ref("p@staging")).template == "two"
    assert versions.resolve(engine, pid, parse_ref("p")).version == 2  # nothing published: latest
    with pytest.raises(VersionNotFound, match="no published version"):
        versions.resolve(engine, pid, PromptRef("p"), strict_label=True)
    labels.remove_label(engine, pid, "p", "staging")
    with pytest.raises(VersionNotFound, match="no label 'staging'"):
        versions.resolve(engine, pid, parse_ref("p@staging"))
    with pytest.raises(InvalidInput, match="reserved"):
        labels.set_label(engine, pid, "p", 1, "latest")


def test_archive_rules(reg):
    engine, pid = reg
    for text in ("one", "two", "three"):
        versions.create_version(engine, pid, "p", text)
    labels.publish(engine, pid, "p", 2)
    with pytest.raises(Conflict, match="published version and cannot be archived"):
        versions.set_archived(engine, pid, "p", 2)
    assert versions.set_archived(engine, pid, "p", 3).archived
    with pytest.raises(Conflict, match="archived and cannot be published"):
        labels.publish(engine, pid, "p", 3)
    assert versions.resolve(engine, pid, parse_ref("p@latest")).version == 2
    assert [v.version for v in versions.list_versions(engine, pid, "p", include_archived=False)] == [2, 1]
    versions.set_archived(engine, pid, "p", 3, archived=False)
    assert labels.publish(engine, pid, "p", 3).to_version == 3


def test_rollback_walks_publish_history_back(reg):
    engine, pid = reg
    for text in ("one", "two", "three"):
        versions.create_version(engine, pid, "p", text)
    with pytest.raises(Conflict, match="no earlier published version"):
        labels.rollback(engine, pid, "p")
    for n in (1, 2, 3):
        labels.publish(engine, pid, "p", n)
    assert labels.rollback(engine, pid, "p", actor="ana").to_version == 2
    assert labels.rollback(engine, pid, "p").to_version == 1
    with pytest.raises(Conflict, match="--to vN"):
        labels.rollback(engine, pid, "p")
    move = labels.rollback(engine, pid, "p", to=3)
    assert (move.action, move.from_version, move.to_version) == ("rollback", 1, 3)
    assert labels.rollback(engine, pid, "p").to_version == 1


def test_duplicate_makes_new_version_from_an_older_one(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "p", "one", config={"model": "m1"})
    versions.create_version(engine, pid, "p", "two")
    copy = versions.duplicate_version(engine, pid, "p", 1, author="bo")
    assert (copy.version, copy.template, copy.config, copy.parent_version) == (3, "one", {"model": "m1"}, 1)
    assert copy.version_hash == versions.get_version(engine, pid, "p", 1).version_hash
    with pytest.raises(Conflict, match="p@v3 already has"):
        versions.duplicate_version(engine, pid, "p", 3)


def test_history_traversal_through_parents(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "p", "one")
    versions.create_version(engine, pid, "p", "two")
    versions.duplicate_version(engine, pid, "p", 1)
    by_number = {v.version: v for v in versions.list_versions(engine, pid, "p")}
    chain, current = [], by_number[3]
    while current is not None:
        chain.append(current.version)
        current = by_number.get(current.parent_version)
    assert chain == [3, 1]


def test_list_prompts_and_missing_prompt(reg):
    engine, pid = reg
    versions.create_version(engine, pid, "b", "x")
    versions.create_version(engine, pid, "a", "y")
    labels.publish(engine, pid, "a", 1)
    listed = catalog.list_prompts(engine, pid)
    assert [(p.name, p.versions, p.published_version) for p in listed] == [("a", 1, 1), ("b", 1, None)]
    with pytest.raises(PromptNotFound, match="prompts create nope"):
        versions.list_versions(engine, pid, "nope")


def test_projects_are_isolated(reg):
    engine, pid = reg
    other = catalog.project_id(engine, "other", create=True)
    versions.create_version(engine, pid, "p", "mine")
    with pytest.raises(PromptNotFound):
        versions.get_version(engine, other, "p", 1)
    assert versions.create_version(engine, other, "p", "theirs").version == 1


def test_seed_phase1_testing_plan(db_url):
    """The original plan's phase-1 checklist, step by step."""
    from otel_llm.hashing import text_hash
    from otel_llm.storage import migrate

    # Apply migration for prompt versioning
    assert migrate.current_revision(db_url) == migrate.head_revision()
    engine = get_engine(db_url)
    pid = catalog.project_id(engine, "default", create=True)
    # Create multiple versions of a prompt
    texts = ["Answer {{q}}.", "Answer {{q}} briefly.", "Answer {{q}} briefly and kindly."]
    created = [
        versions.create_version(engine, pid, "plan", t, summary=f"step {i}") for i, t in enumerate(texts)
    ]
    assert [v.version for v in created] == [1, 2, 3]
    # Publish a version
    labels.publish(engine, pid, "plan", 2, actor="qa")
    assert [v.version for v in versions.list_versions(engine, pid, "plan") if v.published] == [2]
    # Archive a version
    versions.set_archived(engine, pid, "plan", 1)
    visible = versions.list_versions(engine, pid, "plan", include_archived=False)
    assert [v.version for v in visible] == [3, 2]
    # Verify version hash generation
    assert [v.version_hash for v in created] == [text_hash(t) for t in texts]
    assert len({v.version_hash for v in created}) == 3
    # Test version history traversal (parents, and the label history)
    by_number = {v.version: v for v in versions.list_versions(engine, pid, "plan")}
    chain, current = [], by_number[3]
    while current is not None:
        chain.append(current.version)
        current = by_number.get(current.parent_version)
    assert chain == [3, 2, 1]
    labels.publish(engine, pid, "plan", 3, actor="qa")
    history = labels.label_history(engine, pid, "plan")
    assert [(m.from_version, m.to_version) for m in history] == [(2, 3), (None, 2)]
