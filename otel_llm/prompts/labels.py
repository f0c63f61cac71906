"""Labels: movable pointers to versions. Publishing moves ``production``.

Each move happens under the prompt's lock and appends a row to ``prompt_label_history`` (who, when,
from, to) in the same transaction, so the history is complete and there is always at most one
published version. An archived version cannot be labelled (so it cannot be published).

Rollback walks the publish history back like a browser's Back button: publishing v1, v2, v3 then
rolling back twice leaves v1 published; moving ``production`` to a version seen earlier in that history
cuts the history back to it.

Protected labels (``protection``): every move takes the caller's ``role`` (default: the operator's,
``admin``, for callers with database access) and is refused below the project's mover role. Every
change queues a ``prompt.label_moved`` webhook event in the same transaction (``otel_llm.webhooks``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from otel_llm.prompts import store
from otel_llm.prompts.errors import Conflict, InvalidInput
from otel_llm.prompts.locking import locked_prompt
from otel_llm.prompts.models import LabelMove
from otel_llm.prompts.names import PRODUCTION, validate_label, validate_name
from otel_llm.prompts.protection import OPERATOR_ROLE, check_move
from otel_llm.storage.schema_prompts import prompt_label_history, prompt_labels, prompt_versions
from otel_llm.storage.timeutil import as_utc, now_utc
from otel_llm.webhooks import events


def publish(
    engine: Engine, project_id: int, name: str, version: int, actor: str = "", *, role: str = OPERATOR_ROLE
) -> LabelMove:
    """Make ``version`` the published one (the ``production`` label)."""
    return set_label(engine, project_id, name, version, PRODUCTION, actor, role=role)


def set_label(
    engine: Engine,
    project_id: int,
    name: str,
    version: int,
    label: str,
    actor: str = "",
    *,
    role: str = OPERATOR_ROLE,
) -> LabelMove:
    """Point ``label`` at ``version``. Returns the move (``changed`` False if it pointed there already)."""
    name, label = validate_name(name), validate_label(label)
    action = "publish" if label == PRODUCTION else "label"
    with locked_prompt(engine, project_id, name) as (connection, pid):
        check_move(connection, project_id, name, label, role)
        return _notify(
            connection, project_id, name, _move(connection, pid, name, label, version, action, actor)
        )


def remove_label(
    engine: Engine, project_id: int, name: str, label: str, actor: str = "", *, role: str = OPERATOR_ROLE
) -> LabelMove:
    """Delete ``label``. ``production`` cannot be removed: publish another version instead."""
    name, label = validate_name(name), validate_label(label)
    if label == PRODUCTION:
        raise InvalidInput(
            f"the production label cannot be removed; publish another version (`otel-llm prompts publish "
            f"{name}@vN`) or roll back (`otel-llm prompts rollback {name}`)."
        )
    with locked_prompt(engine, project_id, name) as (connection, pid):
        check_move(connection, project_id, name, label, role)
        current = store.label_target(connection, pid, label)
        if current is None:
            raise Conflict(f"prompt {name!r} has no label {label!r}.")
        connection.execute(
            delete(prompt_labels).where(prompt_labels.c.prompt_id == pid, prompt_labels.c.label == label)
        )
        return _notify(
            connection, project_id, name, _record(connection, pid, label, "unlabel", current, None, actor)
        )


def rollback(
    engine: Engine,
    project_id: int,
    name: str,
    actor: str = "",
    to: int | None = None,
    *,
    role: str = OPERATOR_ROLE,
) -> LabelMove:
    """Publish the version published before the current one (or ``to``)."""
    name = validate_name(name)
    with locked_prompt(engine, project_id, name) as (connection, pid):
        check_move(connection, project_id, name, PRODUCTION, role)
        if to is None:
            to = _previous_published(connection, pid, name)
        return _notify(
            connection, project_id, name, _move(connection, pid, name, PRODUCTION, to, "rollback", actor)
        )


def label_history(engine: Engine, project_id: int, name: str, label: str | None = None) -> list[LabelMove]:
    """Every label move of ``name``, newest first (optionally of one label only)."""
    name = validate_name(name)
    with engine.connect() as connection:
        pid = store.prompt_id(connection, project_id, name)
        return [_to_move(r) for r in _history_rows(connection, pid, label, newest_first=True)]


def _notify(connection: Connection, project_id: int, name: str, move: LabelMove) -> LabelMove:
    if move.changed:
        events.label_moved(connection, project_id, name, move)
    return move


def _move(
    connection: Connection, pid: int, name: str, label: str, version: int, action: str, actor: str
) -> LabelMove:
    row = store.version_row(connection, pid, name, version)
    if row.archived:
        raise Conflict(
            f"{name}@v{version} is archived and cannot be "
            f"{'published' if label == PRODUCTION else 'labelled'}; restore it first "
            f"(`otel-llm prompts archive {name}@v{version} --undo`)."
        )
    current = store.label_target(connection, pid, label)
    if current == version:
        return LabelMove(label, action, current, version, actor, None, changed=False)
    if current is None:
        connection.execute(insert(prompt_labels).values(prompt_id=pid, label=label, version=version))
    else:
        connection.execute(
            update(prompt_labels)
            .where(prompt_labels.c.prompt_id == pid, prompt_labels.c.label == label)
            .values(version=version, updated_at=func.now())
        )
    return _record(connection, pid, label, action, current, version, actor)


def _record(
    connection: Connection,
    pid: int,
    label: str,
    action: str,
    from_version: int | None,
    to_version: int | None,
    actor: str,
) -> LabelMove:
    actor = (actor or "").strip()[:200]
    created_at = now_utc()
    connection.execute(
        insert(prompt_label_history).values(
            prompt_id=pid,
            label=label,
            action=action,
            from_version=from_version,
            to_version=to_version,
            actor=actor,
            created_at=created_at,
        )
    )
    return LabelMove(label, action, from_version, to_version, actor, created_at)


def _previous_published(connection: Connection, pid: int, name: str) -> int:
    stack: list[int] = []
    for row in _history_rows(connection, pid, PRODUCTION, newest_first=False):
        if row.to_version is None:
            continue
        if row.to_version in stack:
            del stack[stack.index(row.to_version) + 1 :]
        else:
            stack.append(row.to_version)
    archived = _archived_versions(connection, pid)
    candidates = [v for v in stack[:-1] if v not in archived]
    if not candidates:
        raise Conflict(
            f"prompt {name!r} has no earlier published version to roll back to; "
            f"name one with `otel-llm prompts rollback {name} --to vN`."
        )
    return candidates[-1]


def _archived_versions(connection: Connection, pid: int) -> set[int]:
    stmt = select(prompt_versions.c.version).where(
        prompt_versions.c.prompt_id == pid, prompt_versions.c.archived.is_(True)
    )
    return set(connection.execute(stmt).scalars())


def _history_rows(connection: Connection, pid: int, label: str | None, *, newest_first: bool):
    stmt = select(prompt_label_history).where(prompt_label_history.c.prompt_id == pid)
    if label is not None:
        stmt = stmt.where(prompt_label_history.c.label == label)
    order = prompt_label_history.c.id.desc() if newest_first else prompt_label_history.c.id
    return connection.execute(stmt.order_by(order)).all()


def _to_move(row) -> LabelMove:
    return LabelMove(
        row.label, row.action, row.from_version, row.to_version, row.actor, as_utc(row.created_at)
    )
