"""In the app: ``with otel_llm.experiment("bakeoff", unit_id=user_id) as variant:``.

Without ``unit_id`` the unit is the end user of the enclosing ``otel_llm.session`` block, else its
conversation (``assign_by="session"`` prefers the conversation; ``"call"`` draws anew each time, as
does a block outside any session). The unit is assigned to a variant from a hash of (experiment, unit) and the weights, so the same unit
gets the same variant while the weights stand. LLM spans in the block carry the experiment and
variant tags (through ``otel_llm.context``, the one tag mechanism) while the experiment is running.

A draft or stopped experiment serves its control, a completed one its promoted winner; neither tags
spans. An unknown experiment, or a backend that cannot be reached with nothing cached, serves
``default=`` (a config the app passes) under the name ``control``. Nothing here raises into the app.

The config is read from the database (``OTEL_LLM_DATABASE_URL``) or, when ``OTEL_LLM_API_URL`` is
set, from the console's JSON API with ``OTEL_LLM_API_KEY``; it is cached for ``cache_ttl`` seconds
(default 60) and refreshed in the background after that.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from contextvars import Token
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.context import Context

from otel_llm import pipeline, settings
from otel_llm.cache import DEFAULT_TTL_SECONDS, TTLCache
from otel_llm.context import attach_tags, detach_tags, session_id, session_user
from otel_llm.experiments import assign
from otel_llm.masking import fingerprint, mask_url, short_error

logger = logging.getLogger(__name__)

_cache = TTLCache("experiment config")
_UNKNOWN: dict[str, Any] = {"unknown": True}
API_TIMEOUT_SECONDS = 2.0
ASSIGN_BY = ("user", "session", "call")
"""What a block without ``unit_id`` is assigned by: the session's user (default), its conversation,
or each call on its own."""


@dataclass(frozen=True)
class Variant:
    """What the unit was given. ``reason``: assigned, control (not running), winner, unknown, unreachable."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)
    experiment: str = ""
    is_control: bool = False
    tagged: bool = False
    reason: str = "assigned"


class experiment:  # noqa: N801 — used like a function: ``with otel_llm.experiment(...)``
    """Assign ``unit_id`` to a variant of experiment ``name`` and tag LLM spans in the block.

    Without ``unit_id``, inside ``otel_llm.session(...)``, the unit is the session's user (else its
    conversation id); ``assign_by="session"`` assigns by the conversation first, ``"call"`` ignores
    the session. Outside a session, every block without ``unit_id`` is a new unit.

    Example::

        with otel_llm.experiment("bakeoff", unit_id=user.id) as variant:
            client.chat.completions.create(model=variant.config["model"], messages=...)

        with otel_llm.session(conversation_id, user_id=user.id), otel_llm.experiment("bakeoff") as variant:
            ...  # assigned by user.id
    """

    def __init__(
        self,
        name: str,
        unit_id: object = None,
        *,
        assign_by: str = "user",
        default: Mapping[str, Any] | None = None,
        project: str | None = None,
        database_url: str | None = None,
        api_url: str | None = None,
        api_key: str | None = None,
        cache_ttl: float = DEFAULT_TTL_SECONDS,
    ):
        self.name = name
        self.unit_id = str(unit_id) if unit_id is not None else _default_unit(name, assign_by)
        self.default = dict(default or {})
        self.project = pipeline.app_project(project)
        self.database_url = pipeline.app_database_url(database_url)
        self.api_url = settings.api_url(api_url)
        self.api_key = settings.api_key(api_key)
        self.cache_ttl = cache_ttl
        self._token: Token[Context] | None = None

    def assign(self) -> Variant:
        """The variant for this unit, without entering the block."""
        try:
            config = self._config()
        except Exception as exc:
            logger.warning(
                "otel-llm: experiment %r unavailable (%s); serving the default", self.name, short_error(exc)
            )
            return Variant("control", self.default, self.name, True, False, "unreachable")
        if config.get("unknown"):
            return Variant("control", self.default, self.name, True, False, "unknown")
        return resolve(config, self.unit_id)

    def __enter__(self) -> Variant:
        variant = self.assign()
        if variant.tagged:
            try:
                self._token = attach_tags(experiment=self.name, variant=variant.name)
            except Exception:  # never break the app over a tag
                logger.exception("otel-llm: could not tag experiment %r", self.name)
        return variant

    def __exit__(self, *_exc: object) -> None:
        if self._token is not None:
            detach_tags(self._token)
            self._token = None

    async def __aenter__(self) -> Variant:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)

    def _config(self) -> dict[str, Any]:
        source = self.api_url or self.database_url
        key = (mask_url(source), fingerprint(f"{source} {self.api_key}"), self.project, self.name)
        return _cache.get(key, self._fetch, ttl=self.cache_ttl)

    def _fetch(self) -> dict[str, Any]:
        if self.api_url:
            return _fetch_api(self.api_url, self.api_key, self.name)
        return _fetch_db(self.database_url, self.project, self.name)


def _default_unit(name: str, assign_by: str) -> str:
    """The unit of a block without ``unit_id``: from the enclosing session, else a new one."""
    if assign_by not in ASSIGN_BY:
        logger.warning(
            "otel-llm: experiment %r: assign_by=%r is not one of %s; assigning by user",
            name,
            assign_by,
            ", ".join(ASSIGN_BY),
        )
        assign_by = "user"
    user, conversation = session_user(), session_id()
    order = {"user": (user, conversation), "session": (conversation, user)}.get(assign_by, ())
    return next((unit for unit in order if unit), None) or uuid.uuid4().hex


def resolve(config: Mapping[str, Any], unit_id: str) -> Variant:
    """Pick the variant for ``unit_id`` from a config as ``service.sdk_config`` returns it."""
    name = config["name"]
    variants = config["variants"]
    if config["status"] == "running":
        chosen = assign.choose(name, unit_id, variants)
        return _variant(name, chosen, tagged=True, reason="assigned")
    if config.get("winner"):
        winner = next((v for v in variants if v["name"] == config["winner"]), None)
        if winner is not None:
            return _variant(name, winner, tagged=False, reason="winner")
    control = next(v for v in variants if v["is_control"])
    return _variant(name, control, tagged=False, reason="control")


def _variant(experiment_name: str, data: Mapping[str, Any], *, tagged: bool, reason: str) -> Variant:
    return Variant(
        name=data["name"],
        config=dict(data["config"]),
        experiment=experiment_name,
        is_control=bool(data["is_control"]),
        tagged=tagged,
        reason=reason,
    )


def _fetch_db(database_url: str | None, project: str, name: str) -> dict[str, Any]:
    from otel_llm.experiments import service
    from otel_llm.experiments.errors import ExperimentNotFound
    from otel_llm.storage.db import get_engine

    try:
        return service.sdk_config(get_engine(database_url), project, name)
    except ExperimentNotFound:
        return _UNKNOWN


def _fetch_api(api_url: str, api_key: str | None, name: str) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    url = f"{api_url.rstrip('/')}/api/v1/experiments/{name}/config"
    response = httpx.get(url, headers=headers, timeout=API_TIMEOUT_SECONDS)
    if response.status_code == 404:
        return _UNKNOWN
    response.raise_for_status()
    return dict(response.json())


def clear_cache() -> None:
    """Forget cached configs (tests; or after changing an experiment in the same process)."""
    _cache.clear()
