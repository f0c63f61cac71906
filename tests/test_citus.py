"""``otel-llm db citus``: the Citus variants of the rollup trigger functions (``otel_llm.storage.citus``).

CI has no Citus, so the variants are installed on plain Postgres (the Citus check bypassed) and the
rollup scenarios of the overview, prompt and experiment tests run over them unchanged: the figures
must stay exact. docs/deployment.md records the run on a real Citus cluster."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import main
from sqlalchemy import text

from otel_llm.storage import citus, writer
from otel_llm.storage.db import get_engine
from tests import test_experiments_rollup as experiment_tests
from tests import test_overview_rollups as overview_tests
from tests import test_prompt_rollups as prompt_tests

FUNCTIONS = {
    "otel_llm_experiment_feedback_rollup()",
    "otel_llm_experiment_feedback_unroll()",
    "otel_llm_experiment_rollup()",
    "otel_llm_overview_delete()",
    "otel_llm_overview_insert()",
    "otel_llm_overview_update()",
    "otel_llm_prompt_rollup_delete()",
    "otel_llm_prompt_rollup_insert()",
    "otel_llm_prompt_rollup_update()",
}


def _install(url: str) -> None:
    first = citus.install_variants(get_engine(url), require_citus=False)
    assert {r.function for r in first if r.changed} == FUNCTIONS
    again = citus.install_variants(get_engine(url), require_citus=False)
    assert {r.function for r in again} == FUNCTIONS and not any(r.changed for r in again)
    with get_engine(url).connect() as connection:
        bodies = connection.execute(
            text(
                "SELECT prosrc FROM pg_proc WHERE proname LIKE 'otel_llm_%' AND prorettype = 'trigger'::regtype"
            )
        ).scalars()
        for body in bodies:
            assert citus.MARKER in body
            for name in ("new_rows", "old_rows", "new_scores", "old_scores"):
                # the transition table is read once, into jsonb; every other read is of the jsonb
                assert body.count(f"FROM {name} t)") == body.count(f"_{name} jsonb :=")


def test_overview_rollups_stay_exact_over_the_citus_variants(pg_url):
    _install(pg_url)
    with get_engine(pg_url).begin() as connection:
        ids = writer.ensure_project(connection, "alpha"), writer.ensure_project(connection, "beta")
    overview_tests.test_rollups_equal_spans_through_inserts_repricing_and_deletes(pg_url, ids)


def test_prompt_rollups_stay_exact_over_the_citus_variants(pg_url, monkeypatch):
    _install(pg_url)
    engine = get_engine(pg_url)
    with engine.begin() as connection:
        project = engine, writer.ensure_project(connection, "alpha")
    prompt_tests.test_rollups_equal_spans_through_writes_new_versions_and_deletes(
        pg_url, project, monkeypatch
    )


def test_experiment_rollups_pair_scores_stored_first_over_the_citus_variants(pg_url):
    _install(pg_url)
    experiment_tests.test_scores_stored_before_their_spans_are_counted_when_the_spans_arrive(pg_url)


def test_experiment_rollups_take_a_deleted_score_back_over_the_citus_variants(pg_url):
    _install(pg_url)
    experiment_tests.test_only_user_feedback_counts_and_a_deleted_score_is_taken_back(pg_url)


def test_a_transition_table_used_other_than_in_from_is_refused():
    definition = (
        "CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
        "BEGIN\n    PERFORM 1 WHERE EXISTS (TABLE new_rows);\n    RETURN NULL;\nEND\n$function$\n"
    )
    with pytest.raises(citus.CitusError, match="uses transition table new_rows other than in FROM"):
        citus.citus_variant(definition, "spans", ("new_rows",))


def test_an_alias_of_the_transition_table_is_kept():
    definition = (
        "CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
        "BEGIN\n    PERFORM 1 FROM new_rows s JOIN old_rows ON true WHERE s.x = old_rows.x;\n"
        "    RETURN NULL;\nEND\n$function$\n"
    )
    variant = citus.citus_variant(definition, "spans", ("new_rows", "old_rows"))
    assert "FROM jsonb_populate_recordset(NULL::spans, _new_rows) s JOIN" in variant
    assert "JOIN jsonb_populate_recordset(NULL::spans, _old_rows) AS old_rows ON true" in variant


def test_without_citus_the_command_refuses_and_changes_nothing(pg_url):
    result = CliRunner().invoke(main, ["--database-url", pg_url, "db", "citus"])
    assert result.exit_code == 1
    assert "the citus extension is not installed in this database" in result.output
    assert "`otel-llm db citus` is only for a Citus coordinator" in result.output
    with get_engine(pg_url).connect() as connection:
        marked = connection.execute(
            text("SELECT count(*) FROM pg_proc WHERE prosrc LIKE :m"), {"m": f"%{citus.MARKER}%"}
        ).scalar_one()
    assert marked == 0
