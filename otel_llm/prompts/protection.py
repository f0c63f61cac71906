"""Protected labels: the labels (``production`` by default) that only a named role moves.

Each project has one policy: its protected labels and the least role that may move them (``admin``
unless the project names ``editor``). A project that never set one gets ``DEFAULT_POLICY``. Every
label move (publish, label, unlabel, rollback) checks it inside the prompt's transaction through
:func:`check_move`; a caller below the role gets :class:`ProtectedLabel`, which the API answers with
403 and the console flashes.

Callers with database access (the CLI, scripts, the SDK) act as the operator, i.e. ``admin``, as
they already do for ``otel-llm users`` and ``otel-llm keys``; the console passes the caller's role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from otel_llm.accounts.roles import ROLES, role_at_least
from otel_llm.prompts.errors import InvalidInput, PromptError
from otel_llm.prompts.locking import write_transaction
from otel_llm.prompts.models import _jsonable
from otel_llm.prompts.names import PRODUCTION, validate_label
from otel_llm.storage.schema_webhooks import label_policies
from otel_llm.storage.timeutil import as_utc, now_utc
from otel_llm.storage.vocabulary import MOVER_ROLES

OPERATOR_ROLE = "admin"
"""The role of a caller with database access (CLI, scripts): it may move every label."""
MAX_PROTECTED = 20


class ProtectedLabel(PromptError):
    """A caller below the project's mover role tried to move a protected label."""

    code = "forbidden"


@dataclass(frozen=True)
class LabelPolicy:
    protected_labels: tuple[str, ...] = (PRODUCTION,)
    mover_role: str = "admin"
    updated_by: str = ""
    updated_at: datetime | None = None
    is_default: bool = field(default=True, compare=False)

    def protects(self, label: str) -> bool:
        return label in self.protected_labels

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "protected_labels": list(self.protected_labels),
                "mover_role": self.mover_role,
                "updated_by": self.updated_by,
                "updated_at": self.updated_at,
                "default": self.is_default,
            }
        )


DEFAULT_POLICY = LabelPolicy()


def get_policy(engine: Engine, project_id: int) -> LabelPolicy:
    with engine.connect() as connection:
        return policy_of(connection, project_id)


def policy_of(connection: Connection, project_id: int) -> LabelPolicy:
    row = connection.execute(select(label_policies).where(label_policies.c.project_id == project_id)).first()
    if row is None:
        return DEFAULT_POLICY
    return LabelPolicy(
        tuple(row.protected_labels or ()), row.mover_role, row.updated_by, as_utc(row.updated_at), False
    )


def set_policy(
    engine: Engine, project_id: int, labels: Iterable[str], mover_role: str = "admin", actor: str = ""
) -> LabelPolicy:
    """Protect exactly ``labels`` (may be empty) and let ``mover_role`` and above move them."""
    cleaned = _clean_labels(labels)
    if mover_role not in MOVER_ROLES:
        raise InvalidInput(
            f"invalid role {mover_role!r} for protected labels; use one of {', '.join(MOVER_ROLES)} "
            "(viewers never move labels)."
        )
    values = {
        "protected_labels": cleaned,
        "mover_role": mover_role,
        "updated_by": (actor or "").strip()[:320],
        "updated_at": now_utc(),
    }
    with write_transaction(engine) as connection:
        connection.execute(delete(label_policies).where(label_policies.c.project_id == project_id))
        connection.execute(insert(label_policies).values(project_id=project_id, **values))
        return policy_of(connection, project_id)


def parse_labels(text: str) -> list[str]:
    """``"production, release"`` → the labels, for forms and CLI options (blank: none)."""
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def _clean_labels(labels: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for label in labels:
        label = validate_label(label)
        if label not in cleaned:
            cleaned.append(label)
    if len(cleaned) > MAX_PROTECTED:
        raise InvalidInput(f"too many protected labels ({len(cleaned)}); protect at most {MAX_PROTECTED}.")
    return cleaned


def check_move(connection: Connection, project_id: int, name: str, label: str, role: str) -> None:
    """Raise :class:`ProtectedLabel` when ``role`` may not move ``label`` of prompt ``name``."""
    policy = policy_of(connection, project_id)
    if not policy.protects(label) or role_at_least(role, policy.mover_role):
        return
    shown = role if role in ROLES else "unknown"
    raise ProtectedLabel(
        f"the {label!r} label of {name!r} is protected: only {policy.mover_role}s move it, and you are "
        f"{shown}; ask an admin to move it, or to change the protected labels in Settings → Labels."
    )
