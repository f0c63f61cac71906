"""Serialising changes to one prompt, so concurrent writers never race.

Every change (new version, label move, archive) runs inside ``locked_prompt``: on Postgres a
transaction holding ``SELECT … FOR UPDATE`` on the prompt's row, on SQLite a ``BEGIN IMMEDIATE``
transaction (the database-wide write lock, taken before the first read so that no two writers read
the same "latest version"). The unique constraints on (prompt, version) and (prompt, label) stay as a
backstop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select

from otel_llm.prompts.errors import PromptNotFound
from otel_llm.storage.db import insert_ignore
from otel_llm.storage.schema_prompts import prompts


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that serialises with every other registry writer on SQLite."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")  # we issue BEGIN ourselves
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            with contextlib.suppress(Exception):  # keep the original error if the connection is gone
                connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


@contextmanager
def locked_prompt(
    engine: Engine, project_id: int, name: str, *, create: bool = False
) -> Iterator[tuple[Connection, int]]:
    """``(connection, prompt_id)`` with the prompt locked until the block ends (and committed then).

    ``create=True`` makes the prompt if it does not exist; otherwise a missing prompt raises
    ``PromptNotFound``.
    """
    with write_transaction(engine) as connection:
        prompt_id = _lock_row(connection, project_id, name)
        if prompt_id is None and create:
            connection.execute(insert_ignore(connection, prompts).values(project_id=project_id, name=name))
            prompt_id = _lock_row(connection, project_id, name)
        if prompt_id is None:
            raise PromptNotFound(
                f"prompt {name!r} does not exist; create it with `otel-llm prompts create {name} --file F`."
            )
        yield connection, prompt_id


def _lock_row(connection: Connection, project_id: int, name: str) -> int | None:
    stmt = select(prompts.c.id).where(prompts.c.project_id == project_id, prompts.c.name == name)
    if connection.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return connection.execute(stmt).scalar()
