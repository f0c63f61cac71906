"""Sign-in throttling, counted in the database so it holds across threads, workers and processes.

Two limits per ``WINDOW``: ``MAX_FAILURES`` attempts for one email from one client address (a
stranger elsewhere cannot lock a colleague out), and ``MAX_CLIENT_FAILURES`` attempts from one
address across all emails (password spraying).

An attempt is *reserved* before the password is checked, by one conditional ``UPDATE`` per limit
(``… WHERE attempts < limit``): the database applies them one at a time, so however many requests
arrive at once, at most the limit get to check a password. A successful sign-in gives its
reservation back (and clears that account's count); a failure keeps it.

Example::

    wait = throttle.reserve(engine, email, address)
    if wait:
        refuse(f"try again in {wait} s")
    elif check_password(...):
        throttle.succeeded(engine, email, address)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from otel_llm.storage.schema_console import sign_in_throttle as table
from otel_llm.storage.timeutil import as_utc, now_utc

MAX_FAILURES = 10
MAX_CLIENT_FAILURES = 30
WINDOW = timedelta(minutes=15)


def account_key(email: str, address: str | None) -> str:
    return f"account:{(email or '').strip().lower()[:254]}|{address or '-'}"


def client_key(address: str | None) -> str:
    return f"client:{address or '-'}"


def reserve(engine: Engine, email: str, address: str | None, now: datetime | None = None) -> int:
    """0 when this attempt may check a password (it is now counted), else the seconds to wait."""
    now = now or now_utc()
    account, client = account_key(email, address), client_key(address)
    with engine.begin() as connection:
        if not _take(connection, account, MAX_FAILURES, now):
            return _wait(connection, account, now)
        if not _take(connection, client, MAX_CLIENT_FAILURES, now):
            _give_back(connection, account)
            return _wait(connection, client, now)
    return 0


def succeeded(engine: Engine, email: str, address: str | None) -> None:
    """A right password: forget the account's failures and return the client's reservation."""
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.key == account_key(email, address)))
        _give_back(connection, client_key(address))


def _take(connection: Connection, key: str, limit: int, now: datetime) -> bool:
    """Count one attempt under ``key`` unless ``limit`` attempts are already counted in the window."""
    _ensure_row(connection, key, now)
    expired = table.c.window_started_at <= now - WINDOW
    taken = connection.execute(
        update(table)
        .where(table.c.key == key, expired | (table.c.attempts < limit))
        .values(
            attempts=case((expired, 1), else_=table.c.attempts + 1),
            window_started_at=case((expired, now), else_=table.c.window_started_at),
        )
    ).rowcount
    return taken == 1


def _ensure_row(connection: Connection, key: str, now: datetime) -> None:
    """The row of ``key`` (0 attempts) unless it exists; concurrent creators leave exactly one."""
    if connection.execute(select(table.c.key).where(table.c.key == key)).first() is not None:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(key=key, window_started_at=now, attempts=0)
    connection.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


def _give_back(connection: Connection, key: str) -> None:
    connection.execute(
        update(table).where(table.c.key == key, table.c.attempts > 0).values(attempts=table.c.attempts - 1)
    )


def _wait(connection: Connection, key: str, now: datetime) -> int:
    query = select(table.c.window_started_at).where(table.c.key == key)
    started: datetime = connection.execute(query).scalar_one()
    return max(int((as_utc(started) + WINDOW - now).total_seconds()) + 1, 1)
