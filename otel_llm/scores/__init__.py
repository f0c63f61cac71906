"""Scores: named, typed judgements on spans and traces, from people, API callers and evaluators.

A project declares each score name once (``define_config``): ``numeric`` with an optional scale
(e.g. 1 to 5), ``boolean``, or ``categorical`` with its categories. ``add_score`` checks a value
against its config — a number outside the scale or an unknown category is refused with a
``ScoreError`` naming what is accepted — and stores it with its comment, source (``human``, ``api``,
``evaluator``), source name/version (``exact``/``1``) and author. ``add_scores`` stores an
evaluator's batch in one transaction; every function takes an engine or a connection (then the
caller's transaction is used). Feedback (``otel_llm.feedback``) is the score ``user_feedback``.

    from otel_llm import scores

    scores.define_config(engine, project_id, "helpfulness", "numeric", min_value=1, max_value=5)
    scores.add_score(engine, project_id, "helpfulness", 4, span_id="3f2a9c1d5e6b7a80",
                     source="human", source_name="console", author="ana@example.com")
    scores.add_scores(conn, project_id, [scores.ScoreInput("exact", True, span_id=…,
                      source_name="exact", source_version="1", eval_run_id=run_id)])
    scores.scores_for_spans(engine, project_id, ["3f2a9c1d5e6b7a80"])  # {span_id: [Score, …]}
"""

from otel_llm.scores.configs import (
    ScoreConfig,
    check_name,
    define_config,
    delete_config,
    ensure_config,
    get_config,
    list_configs,
)
from otel_llm.scores.errors import (
    ScoreConfigNotFound,
    ScoreConflict,
    ScoreError,
    ScoreNotFound,
    TargetNotFound,
)
from otel_llm.scores.store import (
    Score,
    ScoreInput,
    add_score,
    add_scores,
    delete_score,
    get_score,
    list_scores,
    scores_for_spans,
    scores_for_trace,
)
from otel_llm.scores.targets import Target, make_target, parse_target

__all__ = [
    "Score",
    "ScoreConfig",
    "ScoreConfigNotFound",
    "ScoreConflict",
    "ScoreError",
    "ScoreInput",
    "ScoreNotFound",
    "Target",
    "TargetNotFound",
    "add_score",
    "add_scores",
    "check_name",
    "define_config",
    "delete_config",
    "delete_score",
    "ensure_config",
    "get_config",
    "get_score",
    "list_configs",
    "list_scores",
    "make_target",
    "parse_target",
    "scores_for_spans",
    "scores_for_trace",
]
