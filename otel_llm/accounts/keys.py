"""API keys: ``ollm_<prefix>_<secret>``, shown once at creation, stored as a sha256 hash only.

Why sha256 and not a slow password hash (bcrypt, scrypt): a key carries 256 bits of randomness
(``secrets.token_urlsafe(32)``), so nobody can guess it from its hash however fast the hash is;
slow hashes protect low-entropy human passwords. A fast hash also lets ``authenticate`` look the
key up by an indexed, unique column in one query on every API call and OTLP request.
The 8-character prefix is stored in clear so users can tell keys apart and revoke one by it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, false, insert, or_, select, update

from otel_llm.accounts.errors import KeyNotFound
from otel_llm.accounts.projects import require_project
from otel_llm.accounts.roles import check_role
from otel_llm.storage.schema import api_keys, projects
from otel_llm.storage.timeutil import as_utc, now_utc

TOKEN_PREFIX = "ollm_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is refreshed at most this often per key, so authentication stays one read."""


@dataclass(frozen=True)
class ApiKeyInfo:
    """Who is calling: what ``authenticate`` returns for a valid, unrevoked key."""

    id: int
    project_id: int
    project_name: str
    role: str


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: everything but the secret."""

    id: int
    project_id: int
    project_name: str
    name: str
    role: str
    prefix: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def display(self) -> str:
        """How the key starts, e.g. ``ollm_1a2b3c4d_…``."""
        return f"{TOKEN_PREFIX}{self.prefix}_…"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(engine: Engine, project_name: str, role: str, name: str = "") -> tuple[KeyInfo, str]:
    """A new key for ``project_name``: its info and the plaintext token (not retrievable later)."""
    check_role(role)
    project = require_project(engine, project_name)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    values = dict(
        project_id=project.id,
        name=(name or "").strip()[:200],
        role=role,
        prefix=prefix,
        key_hash=hash_token(token),
        created_at=now_utc(),
    )
    with engine.begin() as connection:
        key_id = connection.execute(insert(api_keys).values(**values).returning(api_keys.c.id)).scalar_one()
    return _get(engine, key_id), token


def list_keys(engine: Engine, project_name: str, include_revoked: bool = True) -> list[KeyInfo]:
    project = require_project(engine, project_name)
    stmt = _key_select().where(api_keys.c.project_id == project.id).order_by(api_keys.c.id)
    if not include_revoked:
        stmt = stmt.where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as connection:
        return [_key(r) for r in connection.execute(stmt)]


def revoke_key(engine: Engine, key: int | str, project_name: str | None = None) -> KeyInfo:
    """Revoke a key given its id, its prefix or its displayed start (``ollm_<prefix>``).

    Revoking twice is harmless (the first revocation time is kept). ``KeyNotFound`` when nothing
    (or, for a prefix, more than one key) matches.
    """
    matches = _find(engine, key, project_name)
    if len(matches) != 1:
        what = "no key matches" if not matches else f"{len(matches)} keys match"
        hint = "" if not matches else " (an id, or ollm_<prefix> for a prefix)"
        raise KeyNotFound(f"{what} {key!r}; `otel-llm keys list --project P` shows ids and prefixes{hint}.")
    found = matches[0]
    if not found.revoked:
        with engine.begin() as connection:
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == found.id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now_utc())
            )
    return _get(engine, found.id)


def authenticate(engine: Engine, token: str | None) -> ApiKeyInfo | None:
    """The caller behind ``token``, or None for an unknown, malformed or revoked key."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    stmt = (
        select(api_keys.c.id, api_keys.c.project_id, api_keys.c.role, api_keys.c.last_used_at)
        .add_columns(api_keys.c.revoked_at, projects.c.name.label("project_name"))
        .join(projects, projects.c.id == api_keys.c.project_id)
        .where(api_keys.c.key_hash == hash_token(token))
    )
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    if row is None or row.revoked_at is not None:
        return None
    _touch(engine, row.id, as_utc(row.last_used_at))
    return ApiKeyInfo(id=row.id, project_id=row.project_id, project_name=row.project_name, role=row.role)


def key_actor(token: str, info: ApiKeyInfo) -> str:
    """Who acts with ``token``, for audit fields: ``key:<prefix>`` (never the secret)."""
    prefix = token.split("_")[1] if token.count("_") >= 2 else str(info.id)
    return f"key:{prefix}"


def _touch(engine: Engine, key_id: int, last_used: datetime | None) -> None:
    """Record use, at most once per ``LAST_USED_RESOLUTION`` (the WHERE keeps concurrent callers to one write)."""
    now = now_utc()
    cutoff = now - LAST_USED_RESOLUTION
    if last_used is not None and last_used > cutoff:
        return
    with engine.begin() as connection:
        connection.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .where(or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < cutoff))
            .values(last_used_at=now)
        )


def _find(engine: Engine, key: int | str, project_name: str | None) -> list[KeyInfo]:
    stmt = _key_select()
    text = str(key).strip()
    if isinstance(key, int):
        stmt = stmt.where(api_keys.c.id == key)
    elif text.isdigit():
        # Prefixes are hex, so "12407851" may be a prefix as well as an id: both match (two keys
        # matching is reported, and ``ollm_12407851`` names the prefix alone).
        by_id = api_keys.c.id == int(text) if int(text) < 2**31 else false()
        stmt = stmt.where(or_(by_id, api_keys.c.prefix == text))
    else:
        prefix = text.removeprefix(TOKEN_PREFIX).split("_", 1)[0].rstrip("…")
        stmt = stmt.where(api_keys.c.prefix == prefix)
    if project_name is not None:
        stmt = stmt.where(api_keys.c.project_id == require_project(engine, project_name).id)
    with engine.connect() as connection:
        return [_key(r) for r in connection.execute(stmt)]


def _get(engine: Engine, key_id: int) -> KeyInfo:
    with engine.connect() as connection:
        return _key(connection.execute(_key_select().where(api_keys.c.id == key_id)).one())


def _key_select() -> Select:
    return select(api_keys, projects.c.name.label("project_name")).join(
        projects, projects.c.id == api_keys.c.project_id
    )


def _key(row) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        project_id=row.project_id,
        project_name=row.project_name,
        name=row.name,
        role=row.role,
        prefix=row.prefix,
        created_at=as_utc(row.created_at),
        last_used_at=as_utc(row.last_used_at),
        revoked_at=as_utc(row.revoked_at),
    )
