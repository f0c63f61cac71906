"""Migration 0009_datasets with rows, on SQLite and Postgres: experiments' test cases move into
datasets and back, nothing lost, run results still pointing at the cases they ran."""

from sqlalchemy import text

from otel_llm.experiments import service
from otel_llm.experiments.validation import case_from_text
from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine

BEFORE = "0007_sessions"


def _seed_old_schema(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, name) VALUES (1, 'default')"))
        for eid, name in ((1, "bakeoff"), (2, "empty")):
            conn.execute(
                text(
                    "INSERT INTO experiments (id, project_id, name, status, primary_metric) "
                    "VALUES (:id, 1, :name, 'draft', 'latency_ms')"
                ),
                {"id": eid, "name": name},
            )
        for cid, content, reference in ((5, "Hello", "Hi!"), (9, "Bye", None)):
            conn.execute(
                text(
                    "INSERT INTO experiment_test_cases (id, experiment_id, messages, reference_output) "
                    "VALUES (:id, 1, :messages, :reference)"
                ),
                {
                    "id": cid,
                    "messages": f'[{{"role": "user", "content": "{content}"}}]',
                    "reference": reference,
                },
            )
        conn.execute(
            text(
                "INSERT INTO experiment_runs (id, experiment_id, status, repeat) VALUES (3, 1, 'completed', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO experiment_run_items (run_id, test_case_id, variant, repeat_index, ok, duration_ms) "
                "VALUES (3, 9, 'a', 0, :ok, 12.5)"
            ),
            {"ok": True},
        )


def _rows(engine, sql):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_test_cases_become_a_dataset_and_come_back(empty_db_url):
    migrate.upgrade(empty_db_url, BEFORE)
    engine = get_engine(empty_db_url)
    _seed_old_schema(engine)

    migrate.upgrade(empty_db_url)

    assert _rows(engine, "SELECT name, current_version FROM datasets") == [("bakeoff-cases", 1)]
    cases = service.list_test_cases(engine, "default", "bakeoff")
    assert [(c.id, c.messages[0]["content"], c.reference_output) for c in cases] == [
        (5, "Hello", "Hi!"),
        (9, "Bye", None),
    ]
    assert service.get_experiment(engine, "default", "bakeoff").dataset == "bakeoff-cases"
    assert service.get_experiment(engine, "default", "empty").test_case_count == 0
    (run_version,) = _rows(
        engine,
        "SELECT v.number FROM experiment_runs r JOIN dataset_versions v ON v.id = r.dataset_version_id",
    )
    assert run_version == (1,)
    # New items get fresh ids after the kept ones (the Postgres sequence moved past them).
    assert service.add_test_cases(engine, "default", "bakeoff", [case_from_text("Thanks")]) == 3
    added = service.list_test_cases(engine, "default", "bakeoff")[-1]
    assert added.id > 9

    migrate.downgrade(empty_db_url, BEFORE)

    assert _rows(
        engine, "SELECT id, experiment_id, reference_output FROM experiment_test_cases ORDER BY id"
    ) == [
        (5, 1, "Hi!"),
        (9, 1, None),
        (added.id, 1, None),
    ]
    assert _rows(engine, "SELECT run_id, test_case_id, duration_ms FROM experiment_run_items") == [
        (3, 9, 12.5)
    ]
    assert _rows(engine, "SELECT name FROM experiments ORDER BY id") == [("bakeoff",), ("empty",)]
    migrate.upgrade(empty_db_url)  # and up again from the restored rows
    assert len(service.list_test_cases(engine, "default", "bakeoff")) == 3
