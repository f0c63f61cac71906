"""The datasets service on SQLite and Postgres: versions made by every edit, and any version resolved
to exactly its items afterwards."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from otel_llm import datasets
from otel_llm.datasets import (
    DatasetExists,
    DatasetNotFound,
    InvalidItem,
    ItemNotFound,
    ItemSpec,
    VersionNotFound,
)
from otel_llm.storage.db import get_engine
from otel_llm.storage.writer import ensure_project


def _project(url, name="default") -> int:
    with get_engine(url).begin() as conn:
        return ensure_project(conn, name)


def _q(text, expected=None, **more):
    return ItemSpec(messages=[{"role": "user", "content": text}], expected_output=expected, **more)


def _texts(items):
    return [i.messages[0]["content"] if i.messages else i.variables for i in items]


def test_every_edit_makes_a_version_and_old_versions_resolve_unchanged(db_url):
    engine, pid = get_engine(db_url), _project(db_url)
    created = datasets.create(engine, pid, "support-qa", "questions", [_q("a", "A"), _q("b")], actor="ana")
    assert (created.current_version, created.item_count) == (1, 2)

    v2 = datasets.add_items(engine, pid, "support-qa", [ItemSpec(variables={"question": "c"})], actor="ana")
    first, second, third = datasets.resolve(engine, pid, "support-qa")
    v3, changed = datasets.update_item(engine, pid, "support-qa", first.id, _q("a2", "A2"))
    v4 = datasets.remove_items(engine, pid, "support-qa", [second.id])

    assert [v2.number, v3.number, v4.number] == [2, 3, 4]
    assert changed.id != first.id and changed.replaces_id == first.id
    assert _texts(datasets.resolve(engine, pid, "support-qa", 1)) == ["a", "b"]
    assert _texts(datasets.resolve(engine, pid, "support-qa", 2)) == ["a", "b", {"question": "c"}]
    assert _texts(datasets.resolve(engine, pid, "support-qa", 3)) == ["b", {"question": "c"}, "a2"]
    assert _texts(datasets.resolve(engine, pid, "support-qa")) == [{"question": "c"}, "a2"]
    assert datasets.resolve(engine, pid, "support-qa", 1)[0].expected_output == "A"
    history = datasets.versions(engine, pid, "support-qa")
    assert [(v.number, v.item_count) for v in history] == [(4, 2), (3, 3), (2, 3), (1, 2)]
    assert history[-1].actor == "ana" and history[0].change == f"removed item {second.id}"


def test_a_run_resolves_the_version_id_it_recorded(db_url):
    engine, pid = get_engine(db_url), _project(db_url)
    datasets.create(engine, pid, "qa", items=[_q("a")])
    recorded = datasets.snapshot(engine, pid, "qa")
    datasets.add_items(engine, pid, "qa", [_q("b")])
    with engine.connect() as conn:
        again = datasets.snapshot_by_version_id(conn, pid, recorded.version.id)
    assert again.version.number == 1 and _texts(again.items) == ["a"]


def test_datasets_belong_to_one_project(db_url):
    engine = get_engine(db_url)
    mine, theirs = _project(db_url, "mine"), _project(db_url, "theirs")
    datasets.create(engine, mine, "qa", items=[_q("secret")])
    datasets.create(engine, theirs, "qa", items=[_q("other")])  # the same name in another project
    assert _texts(datasets.resolve(engine, theirs, "qa")) == ["other"]
    item = datasets.resolve(engine, mine, "qa")[0]
    with pytest.raises(ItemNotFound):
        datasets.remove_items(engine, theirs, "qa", [item.id])
    assert [d.name for d in datasets.list_datasets(engine, mine)] == ["qa"]
    with pytest.raises(DatasetNotFound):
        datasets.get(engine, _project(db_url, "third"), "qa")


def test_mistakes_are_refused_in_words_and_change_nothing(db_url):
    engine, pid = get_engine(db_url), _project(db_url)
    datasets.create(engine, pid, "qa", items=[_q("a")])
    with pytest.raises(DatasetExists, match="already exists"):
        datasets.create(engine, pid, "qa")
    with pytest.raises(InvalidItem, match="either"):
        datasets.add_items(engine, pid, "qa", [_q("ok"), ItemSpec()])
    with pytest.raises(InvalidItem, match="role"):
        datasets.add_items(engine, pid, "qa", [ItemSpec(messages=[{"role": "robot", "content": "x"}])])
    with pytest.raises(InvalidItem, match="16 hex"):
        datasets.add_items(engine, pid, "qa", [_q("x", source_span_id="nope")])
    with pytest.raises(VersionNotFound, match="versions are 1 to 1"):
        datasets.resolve(engine, pid, "qa", 7)
    with pytest.raises(ItemNotFound, match="no item 999"):
        datasets.remove_items(engine, pid, "qa", [999])
    assert datasets.get(engine, pid, "qa").current_version == 1
    assert _texts(datasets.resolve(engine, pid, "qa")) == ["a"]


def test_a_removed_item_cannot_be_changed_or_removed_again(db_url):
    engine, pid = get_engine(db_url), _project(db_url)
    datasets.create(engine, pid, "qa", items=[_q("a"), _q("b")])
    first = datasets.resolve(engine, pid, "qa")[0]
    datasets.remove_items(engine, pid, "qa", [first.id])
    with pytest.raises(ItemNotFound):
        datasets.update_item(engine, pid, "qa", first.id, _q("again"))
    with pytest.raises(ItemNotFound):
        datasets.remove_items(engine, pid, "qa", [first.id])


def test_references_name_a_version():
    assert datasets.parse_ref("support-qa") == ("support-qa", None)
    assert datasets.parse_ref("support-qa@v3") == ("support-qa", 3)
    with pytest.raises(datasets.DatasetError):
        datasets.parse_ref("bad name@v1")


def test_concurrent_edits_take_turns_and_every_version_is_exact(db_url):
    engine, pid = get_engine(db_url), _project(db_url)
    datasets.create(engine, pid, "qa")
    start = threading.Barrier(6)

    def add(n):
        start.wait()
        return datasets.add_items(engine, pid, "qa", [_q(f"q{n}")])

    with ThreadPoolExecutor(6) as pool:
        made = list(pool.map(add, range(6)))

    assert sorted(v.number for v in made) == [2, 3, 4, 5, 6, 7]
    for version in made:  # each version holds the items added up to it, as its count says
        assert (
            len(datasets.resolve(engine, pid, "qa", version.number))
            == version.item_count
            == version.number - 1
        )
