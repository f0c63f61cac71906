"""The scores service: configs, checked values, batches, per-span reads, on SQLite and Postgres."""

from __future__ import annotations

import pytest

from otel_llm import scores
from otel_llm.prompts import catalog
from otel_llm.storage.db import get_engine
from tests.span_factory import T0, emit, llm_attributes, span_pipeline


@pytest.fixture
def project(db_url):
    engine = get_engine(db_url)
    return engine, catalog.project_id(engine, "default", create=True)


def _declare(engine, pid):
    scores.define_config(
        engine, pid, "helpfulness", "numeric", min_value=1, max_value=5, description="1 bad, 5 great"
    )
    scores.define_config(engine, pid, "exact", "boolean")
    scores.define_config(engine, pid, "tone", "categorical", categories=["friendly", "rude"])


def test_a_score_on_a_stored_span_gets_its_trace_and_reads_back(db_url, tmp_path, project):
    engine, pid = project
    _declare(engine, pid)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        trace_id, span_id = emit(tracer, **llm_attributes())
    stored = scores.add_score(
        engine,
        pid,
        "helpfulness",
        4,
        span_id=span_id,
        comment="clear",
        source="human",
        author="ana@example.com",
    )
    assert (stored.trace_id, stored.span_id, stored.value, stored.display) == (trace_id, span_id, 4.0, "4")
    scores.add_score(
        engine,
        pid,
        "exact",
        "true",
        span_id=span_id,
        source="evaluator",
        source_name="exact",
        source_version="1",
    )
    scores.add_score(engine, pid, "tone", "rude", trace_id=trace_id)
    on_span = scores.scores_for_spans(engine, pid, [span_id, "ab" * 8])
    assert list(on_span) == [span_id]
    assert [(s.name, s.display, s.given_by) for s in on_span[span_id]] == [
        ("helpfulness", "4", "human"),
        ("exact", "true", "exact@1"),
    ]
    assert [(s.name, s.string_value, s.span_id) for s in scores.scores_for_trace(engine, pid, trace_id)] == [
        ("tone", "rude", None)
    ]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("helpfulness", 6, "outside the scale of score 'helpfulness': 1 to 5"),
        ("helpfulness", 0.5, "1 to 5"),
        ("helpfulness", "great", "not a number"),
        ("exact", "maybe", "true or false"),
        ("tone", "sarcastic", "use one of friendly, rude"),
        ("unknown", 1, "no score config 'unknown'"),
    ],
)
def test_values_outside_the_config_are_refused(project, name, value, message):
    engine, pid = project
    _declare(engine, pid)
    with pytest.raises(scores.ScoreError, match=message):
        scores.add_score(engine, pid, name, value, span_id="a" * 16)
    assert scores.list_scores(engine, pid) == []


def test_a_batch_is_stored_whole_or_not_at_all(project):
    engine, pid = project
    _declare(engine, pid)
    good = [
        scores.ScoreInput("exact", i % 2 == 0, span_id=f"{i + 1:016x}", source_name="exact", eval_run_id=7)
        for i in range(3)
    ]
    with pytest.raises(scores.ScoreError, match="1 to 5"):
        scores.add_scores(engine, pid, [*good, scores.ScoreInput("helpfulness", 9, span_id="f" * 16)])
    assert scores.list_scores(engine, pid) == []
    stored = scores.add_scores(engine, pid, good)
    assert [(s.span_id, s.value) for s in stored] == [(f"{i + 1:016x}", float(i % 2 == 0)) for i in range(3)]
    assert len(scores.list_scores(engine, pid, eval_run_id=7)) == 3


def test_a_span_of_another_project_is_refused(db_url, tmp_path, project):
    engine, pid = project
    with span_pipeline(db_url, tmp_path, project="other") as (tracer, _):
        trace_id, span_id = emit(tracer, **llm_attributes())
    _declare(engine, pid)
    with pytest.raises(scores.TargetNotFound):
        scores.add_score(engine, pid, "exact", True, span_id=span_id)
    with pytest.raises(scores.TargetNotFound):
        scores.add_score(engine, pid, "exact", True, trace_id=trace_id)


def test_configs_change_but_not_the_type_of_a_name_in_use(project):
    engine, pid = project
    _declare(engine, pid)
    changed = scores.define_config(engine, pid, "helpfulness", "numeric", min_value=0, max_value=10)
    assert changed.scale == "0 to 10"
    assert [c.name for c in scores.list_configs(engine, pid)] == ["exact", "helpfulness", "tone"]
    scores.add_score(engine, pid, "exact", False, trace_id="c" * 32)
    with pytest.raises(scores.ScoreConflict, match="already has scores"):
        scores.define_config(engine, pid, "exact", "numeric")
    with pytest.raises(scores.ScoreConflict, match="delete them"):
        scores.delete_config(engine, pid, "exact")
    assert scores.ensure_config(engine, pid, "exact", "boolean").data_type == "boolean"
    with pytest.raises(scores.ScoreConflict):
        scores.ensure_config(engine, pid, "exact", "numeric")
    assert (
        scores.ensure_config(engine, pid, "judge:helpfulness", "numeric", min_value=1, max_value=5).scale
        == "1 to 5"
    )


@pytest.mark.parametrize(
    ("data_type", "definition", "message"),
    [
        ("stars", {}, "unknown score type"),
        ("numeric", {"min_value": 5, "max_value": 1}, "above the maximum"),
        ("categorical", {}, "needs its categories"),
        ("categorical", {"categories": ["a", "a"]}, "distinct"),
        ("boolean", {"min_value": 0}, "no numeric scale"),
    ],
)
def test_bad_configs_are_refused(project, data_type, definition, message):
    engine, pid = project
    with pytest.raises(scores.ScoreError, match=message):
        scores.define_config(engine, pid, "x", data_type, **definition)


def test_delete_a_score(project):
    engine, pid = project
    _declare(engine, pid)
    stored = scores.add_score(engine, pid, "helpfulness", 2, trace_id="d" * 32)
    other = catalog.project_id(engine, "other", create=True)
    with pytest.raises(scores.ScoreNotFound):
        scores.delete_score(engine, other, stored.id)
    scores.delete_score(engine, pid, stored.id)
    assert scores.list_scores(engine, pid) == []


def test_the_traces_list_shows_score_columns_and_filters_by_score(db_url, tmp_path, project):
    from otel_llm.scores.listing import parse_selection
    from otel_llm.traces import SpanFilter, list_spans

    engine, pid = project
    _declare(engine, pid)
    with span_pipeline(db_url, tmp_path) as (tracer, _):
        ids = [emit(tracer, name=f"call {i}", start_ns=T0 + i * 10**9, **llm_attributes()) for i in range(12)]
    for i, (_, span_id) in enumerate(ids):
        scores.add_score(engine, pid, "helpfulness", 1 + i % 5, span_id=span_id)
        if i % 3 == 0:
            scores.add_score(engine, pid, "exact", i % 2 == 0, span_id=span_id)
    scores.add_score(engine, pid, "tone", "rude", trace_id=ids[5][0])  # a trace score counts for its spans
    scores.add_score(engine, pid, "helpfulness", 5, span_id=ids[0][1])  # the latest one is shown

    def listed(selection: str, limit: int = 3) -> list[tuple[str, dict]]:
        flt = SpanFilter(scores=parse_selection(selection))
        seen, cursor = [], None
        while True:
            page = list_spans(engine, pid, flt, cursor=cursor, limit=limit)
            seen += [(row["name"], row["scores"]) for row in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    everything = listed("helpfulness, exact")
    assert len(everything) == 12
    assert everything[-1] == ("call 0", {"helpfulness": "5", "exact": "true"})
    assert everything[-2] == ("call 1", {"helpfulness": "2", "exact": None})
    assert [name for name, _ in listed("helpfulness>=4")] == [
        "call 9",
        "call 8",
        "call 4",
        "call 3",
        "call 0",
    ]
    assert [name for name, _ in listed("exact=true")] == ["call 6", "call 0"]
    assert [name for name, _ in listed("exact=false, helpfulness<3")] == []
    assert listed("tone=rude") == [("call 5", {"tone": "rude"})]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("helpfulness>=good", "give a number"),
        ("helpfulness>=", "not a score condition"),
        ("a b", "not a score condition"),
        (",".join(f"s{i}" for i in range(11)), "at most 10"),
    ],
)
def test_bad_score_selections_are_refused(selection, message):
    from otel_llm.scores.listing import parse_selection

    with pytest.raises(scores.ScoreError, match=message):
        parse_selection(selection)
