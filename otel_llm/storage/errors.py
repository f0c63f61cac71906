"""Telling a bad batch from an unreachable database.

A write can fail because the database is away (connection refused, restarting, locked, schema not
migrated yet) — then the batch should wait in the spool and be retried — or because some span in it
cannot be stored (a value out of range, a NUL byte in text, an unserialisable attribute) — then
retrying the same batch would fail forever, so the writer isolates the bad spans instead.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import TYPE_CHECKING, TypeGuard

from sqlalchemy import exc as sa_exc

if TYPE_CHECKING:
    from psycopg import Error as PsycopgError

# SQLSTATE classes meaning "this data", not "this server": 22 data exception, 23 integrity violation.
_DATA_SQLSTATE_CLASSES = ("22", "23")
_DATA_PYTHON_ERRORS = (TypeError, ValueError, OverflowError, KeyError, UnicodeError)


def is_data_error(exc: BaseException) -> bool:
    """True when retrying the same rows cannot succeed (the rows are at fault, not the database)."""
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return False
        return _driver_data_error(exc.orig)
    if isinstance(exc, sqlite3.Error) or _is_psycopg_error(exc):  # the COPY path talks to psycopg directly
        return _driver_data_error(exc)
    if isinstance(exc, sa_exc.StatementError):  # a value SQLAlchemy could not bind
        return True
    if isinstance(exc, sa_exc.SQLAlchemyError):  # pool timeouts, disconnects
        return False
    return isinstance(exc, _DATA_PYTHON_ERRORS)


def _is_psycopg_error(exc: BaseException | None) -> TypeGuard[PsycopgError]:
    """psycopg is the optional ``[postgres]`` extra: none of its errors exists before it is imported."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


def _driver_data_error(orig: BaseException | None) -> bool:
    if _is_psycopg_error(orig):
        if orig.sqlstate:
            return orig.sqlstate[:2] in _DATA_SQLSTATE_CLASSES
        psycopg = sys.modules["psycopg"]
        return isinstance(orig, psycopg.DataError | psycopg.IntegrityError)  # raised client-side
    if isinstance(orig, sqlite3.Error):
        return isinstance(orig, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.InterfaceError)
    return isinstance(orig, _DATA_PYTHON_ERRORS)


def is_schema_missing(exc: BaseException) -> bool:
    """True when the tables are not there: the database was never migrated (`otel-llm db upgrade`)."""
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if _is_psycopg_error(orig):
        return orig.sqlstate == "42P01"  # undefined_table
    return isinstance(orig, sqlite3.OperationalError) and "no such table" in str(orig)
