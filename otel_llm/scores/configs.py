"""Score configs: a project declares each score name once, with its type and scale.

A ``numeric`` config may bound its scale (``min_value``/``max_value``, inclusive; either may be
open); a ``boolean`` one takes true/false; a ``categorical`` one lists its categories. Every score is
checked against its config (``ScoreConfig.check``) before it is stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from otel_llm.scores.bind import reading, writing
from otel_llm.scores.errors import ScoreConfigNotFound, ScoreConflict, ScoreError
from otel_llm.storage.db import is_postgres
from otel_llm.storage.schema_scores import DATA_TYPES, score_configs, scores
from otel_llm.storage.timeutil import as_utc, now_utc

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$")
MAX_CATEGORIES = 100
MAX_CATEGORY = 100
MAX_DESCRIPTION = 2_000
TRUE_WORDS = {"true", "yes", "1", "pass"}
FALSE_WORDS = {"false", "no", "0", "fail"}


@dataclass(frozen=True)
class ScoreConfig:
    id: int
    name: str
    data_type: str
    min_value: float | None
    max_value: float | None
    categories: tuple[str, ...]
    description: str
    created_by: str
    created_at: datetime | None
    updated_at: datetime | None

    def check(self, value: Any) -> tuple[float | None, str | None]:
        """``(value, string_value)`` to store for ``value``; ``ScoreError`` naming the scale if not."""
        if self.data_type == "boolean":
            flag = _boolean(self.name, value)
            return (1.0 if flag else 0.0), ("true" if flag else "false")
        if self.data_type == "categorical":
            text = str(value).strip() if isinstance(value, str | int | float) else None
            if text not in self.categories:
                raise ScoreError(
                    f"{value!r} is not a category of score {self.name!r}; use one of {', '.join(self.categories)}."
                )
            return None, text
        number = check_number(self.name, value)
        if not self._in_scale(number):
            raise ScoreError(f"{number:g} is outside the scale of score {self.name!r}: {self.scale}.")
        return number, None

    def _in_scale(self, number: float) -> bool:
        low_ok = self.min_value is None or number >= self.min_value
        return low_ok and (self.max_value is None or number <= self.max_value)

    @property
    def scale(self) -> str:
        """The accepted values in words: ``1 to 5``, ``at least 0``, ``true or false``, ``good, bad``."""
        if self.data_type == "boolean":
            return "true or false"
        if self.data_type == "categorical":
            return ", ".join(self.categories)
        low, high = self.min_value, self.max_value
        if low is not None and high is not None:
            return f"{low:g} to {high:g}"
        if low is not None:
            return f"at least {low:g}"
        return f"at most {high:g}" if high is not None else "any number"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "categories": list(self.categories),
            "description": self.description,
            "scale": self.scale,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ScoreError(f"score {name!r} is true or false; {value!r} is neither.")


def check_number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ScoreError(f"score {name!r} must be a number, e.g. 4, not {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ScoreError(f"{value!r} is not a number; score {name!r} takes a number, e.g. 4.") from None
    if not math.isfinite(number):
        raise ScoreError(f"score {name!r} must be a finite number.")
    return number


def check_name(name: Any) -> str:
    text = str(name or "").strip()
    if not NAME.match(text):
        raise ScoreError(
            f"{name!r} is not a score name; use letters, digits and _ . : / - (at most 100), "
            "e.g. helpfulness or judge:helpfulness."
        )
    return text


def _check_definition(
    data_type: str, min_value: Any, max_value: Any, categories: Iterable[Any] | None
) -> tuple[float | None, float | None, list[str] | None]:
    if data_type not in DATA_TYPES:
        raise ScoreError(f"unknown score type {data_type!r}; use one of {', '.join(DATA_TYPES)}.")
    if data_type != "numeric" and (min_value is not None or max_value is not None):
        raise ScoreError(f"a {data_type} score has no numeric scale; drop the minimum and maximum.")
    low = None if min_value is None else check_number("minimum", min_value)
    high = None if max_value is None else check_number("maximum", max_value)
    if low is not None and high is not None and low > high:
        raise ScoreError(f"the minimum {low:g} is above the maximum {high:g}.")
    if data_type != "categorical":
        if categories:
            raise ScoreError(f"a {data_type} score has no categories; drop them or use --type categorical.")
        return low, high, None
    return None, None, _check_categories(categories)


def _check_categories(categories: Iterable[Any] | None) -> list[str]:
    names = [str(c).strip() for c in categories or ()]
    if not names or any(not n or len(n) > MAX_CATEGORY for n in names):
        raise ScoreError(
            "a categorical score needs its categories, e.g. good, bad (each at most 100 characters)."
        )
    if len(set(names)) != len(names) or len(names) > MAX_CATEGORIES:
        raise ScoreError(f"categories must be distinct and at most {MAX_CATEGORIES}.")
    return names


def define_config(
    bind,
    project_id: int,
    name: str,
    data_type: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    categories: Sequence[str] | None = None,
    description: str = "",
    actor: str = "",
) -> ScoreConfig:
    """Declare score ``name`` or change its declaration; the type of a name in use cannot change."""
    name = check_name(name)
    low, high, cats = _check_definition(data_type, min_value, max_value, categories)
    description = str(description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ScoreError(f"the description is at most {MAX_DESCRIPTION:,} characters.")
    values = {"data_type": data_type, "min_value": low, "max_value": high, "categories": cats}
    values["description"] = description
    with writing(bind) as conn:
        existing = _row(conn, project_id, name)
        if existing is None:
            conn.execute(
                insert(score_configs).values(project_id=project_id, name=name, created_by=actor, **values)
            )
        else:
            if existing.data_type != data_type and _in_use(conn, project_id, name):
                raise ScoreConflict(
                    f"score {name!r} is {existing.data_type} and already has scores; "
                    "give the new type another name."
                )
            stmt = update(score_configs).where(score_configs.c.id == existing.id)
            conn.execute(stmt.values(updated_at=now_utc(), **values))
        return _to_config(_row(conn, project_id, name))


def ensure_config(bind, project_id: int, name: str, data_type: str, **definition: Any) -> ScoreConfig:
    """The config of ``name``, declared with ``definition`` if the project has none yet (for
    evaluators and feedback; safe when two writers declare it at once); ``ScoreConflict`` if it
    exists with another type."""
    name = check_name(name)
    with writing(bind) as conn:
        row = _row(conn, project_id, name)
        if row is None:
            try:
                with _retry_point(conn):
                    return define_config(conn, project_id, name, data_type, **definition)
            except IntegrityError:  # declared meanwhile by another writer
                row = _row(conn, project_id, name)
    if row.data_type != data_type:
        raise ScoreConflict(f"score {name!r} is declared {row.data_type}, not {data_type}; use another name.")
    return _to_config(row)


def _retry_point(conn: Connection) -> AbstractContextManager[Any]:
    """Where a unique violation can be recovered from inside the caller's transaction.

    Postgres aborts the whole transaction on an error, so a savepoint is needed. SQLite undoes only
    the failed statement and keeps the transaction; and a savepoint there would be worse than none:
    pysqlite emits no BEGIN before a SAVEPOINT, so releasing it would commit the declaration even
    when the caller's transaction is rolled back afterwards (a refused score would leave it behind).
    """
    return conn.begin_nested() if is_postgres(conn.engine) else nullcontext()


def get_config(bind, project_id: int, name: str) -> ScoreConfig:
    with reading(bind) as conn:
        row = _row(conn, project_id, str(name))
    if row is None:
        raise ScoreConfigNotFound(str(name))
    return _to_config(row)


def configs_by_name(conn, project_id: int, names: Iterable[str]) -> dict[str, ScoreConfig]:
    """The configs of ``names`` that exist, in one query."""
    wanted = sorted(set(names))
    stmt = select(score_configs).where(
        score_configs.c.project_id == project_id, score_configs.c.name.in_(wanted)
    )
    return {r.name: _to_config(r) for r in conn.execute(stmt)}


def list_configs(bind, project_id: int) -> list[ScoreConfig]:
    """Every score config of the project, by name."""
    stmt = (
        select(score_configs).where(score_configs.c.project_id == project_id).order_by(score_configs.c.name)
    )
    with reading(bind) as conn:
        return [_to_config(r) for r in conn.execute(stmt)]


def delete_config(bind, project_id: int, name: str) -> None:
    """Remove a config that has no scores (``ScoreConflict`` otherwise)."""
    with writing(bind) as conn:
        if _row(conn, project_id, str(name)) is None:
            raise ScoreConfigNotFound(str(name))
        if _in_use(conn, project_id, name):
            raise ScoreConflict(f"score {name!r} has scores; delete them before its config.")
        conn.execute(
            delete(score_configs).where(
                score_configs.c.project_id == project_id, score_configs.c.name == name
            )
        )


def _row(conn, project_id: int, name: str):
    stmt = select(score_configs).where(score_configs.c.project_id == project_id, score_configs.c.name == name)
    return conn.execute(stmt).first()


def _in_use(conn, project_id: int, name: str) -> bool:
    stmt = select(scores.c.id).where(scores.c.project_id == project_id, scores.c.name == name)
    return conn.execute(stmt.limit(1)).first() is not None


def _to_config(row) -> ScoreConfig:
    return ScoreConfig(
        id=row.id,
        name=row.name,
        data_type=row.data_type,
        min_value=row.min_value,
        max_value=row.max_value,
        categories=tuple(row.categories or ()),
        description=row.description or "",
        created_by=row.created_by or "",
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )
