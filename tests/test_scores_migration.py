"""Migration 0010_scores moves feedback into scores and back, nothing lost, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from otel_llm import scores
from otel_llm.feedback import Target, add_feedback, list_feedback
from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine

BEFORE = "0010_scores-1"
FEEDBACK = [
    # id, project, trace, span, score, comment, source
    (1, 1, "a" * 32, "b" * 16, 0.9, "good answer", "sdk"),
    (2, 1, "a" * 32, None, -1.0, None, "cli"),
    (5, 2, None, "c" * 16, 1.0, "from the console", "console"),
    (7, 1, "d" * 32, "e" * 16, 0.0, "", "api"),
]


def _seed_feedback(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, name) VALUES (1, 'default'), (2, 'other')"))
        for row in FEEDBACK:
            conn.execute(
                text(
                    "INSERT INTO feedback (id, project_id, trace_id, span_id, score, comment, source, created_at)"
                    " VALUES (:id, :p, :t, :s, :score, :comment, :source, :at)"
                ),
                dict(zip(("id", "p", "t", "s", "score", "comment", "source"), row, strict=True))
                | {"at": datetime(2026, 11, 1, 12, row[0], tzinfo=UTC)},
            )


def _feedback_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, project_id, trace_id, span_id, score, comment, source FROM feedback ORDER BY id")
        )
        return [tuple(r) for r in rows]


def test_feedback_becomes_user_feedback_scores_and_comes_back(empty_db_url):
    migrate.upgrade(empty_db_url, BEFORE)
    engine = get_engine(empty_db_url)
    _seed_feedback(engine)

    migrate.upgrade(empty_db_url)
    stored = scores.list_scores(engine, 1)
    assert [(s.id, s.name, s.value, s.comment, s.source, s.source_name) for s in stored] == [
        (7, "user_feedback", 0.0, "", "api", "api"),
        (2, "user_feedback", -1.0, None, "human", "cli"),
        (1, "user_feedback", 0.9, "good answer", "api", "sdk"),
    ]
    assert stored[-1].created_at == datetime(2026, 11, 1, 12, 1, tzinfo=UTC)
    assert [c.name for c in scores.list_configs(engine, 2)] == ["user_feedback"]
    on_trace = list_feedback(engine, 1, Target("a" * 32, None))
    assert [(f.id, f.score, f.source) for f in on_trace] == [(2, -1.0, "cli"), (1, 0.9, "sdk")]
    added = add_feedback(engine, 2, Target(None, "f" * 16), 0.5, "after the move", source="console")
    assert added.id > 7  # new ids continue after the moved ones

    migrate.downgrade(empty_db_url, BEFORE)
    assert _feedback_rows(engine) == [
        *[(i, p, t, s, score, comment, source) for i, p, t, s, score, comment, source in FEEDBACK],
        (added.id, 2, None, "f" * 16, 0.5, "after the move", "console"),
    ]
    migrate.upgrade(empty_db_url)
    assert len(scores.list_scores(engine, 1)) + len(scores.list_scores(engine, 2)) == 5
