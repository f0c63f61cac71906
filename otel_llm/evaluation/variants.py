"""What an evaluation run compares: variants given as ``NAME:key=value,…``.

``a:model=gpt-4o-mini`` · ``b:model=claude-haiku-4-5,temperature=0.2`` · ``c:prompt=support@v3``.
Keys: ``model`` (required), ``provider`` (default: the provider whose models are named like the
model), ``temperature``, ``max_tokens``, ``prompt`` (a registry reference; default: the run's
``--prompt``) and ``system_prompt``. Each variant is prepared once per run: its prompt reference
resolved to a version, which each item renders (``experiments.calls.render_prompt``) and whose tags
its spans carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from otel_llm import providers
from otel_llm.evaluation.errors import EvaluationError
from otel_llm.experiments.calls import PreparedVariant

if TYPE_CHECKING:
    from otel_llm.prompts.models import Version

_KEYS = ("model", "provider", "temperature", "max_tokens", "prompt", "system_prompt")


@dataclass(frozen=True)
class Variant:
    name: str
    config: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, **self.config}


def parse(text: str) -> Variant:
    name, sep, rest = (text or "").strip().partition(":")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise EvaluationError(
            f"variant {text!r}: write it as NAME:model=…[,key=value…], e.g. 'a:model=gpt-4o-mini'."
        )
    config: dict[str, Any] = {}
    for part in rest.split(","):
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq or key not in _KEYS:
            raise EvaluationError(
                f"variant {name!r}: {part.strip()!r} is not one of {', '.join(k + '=' for k in _KEYS)}."
            )
        config[key] = value.strip()
    if not config.get("model") and not config.get("prompt"):
        raise EvaluationError(f"variant {name!r} needs a model (model=…) or a prompt whose config names one.")
    for key, kind in (("temperature", float), ("max_tokens", int)):
        if key in config:
            try:
                config[key] = kind(config[key])
            except ValueError:
                raise EvaluationError(f"variant {name!r}: {key} {config[key]!r} is not a number.") from None
    if config.get("model"):
        _with_provider(name, config)
    return Variant(name, config)


def _with_provider(name: str, config: dict[str, Any]) -> None:
    config["provider"] = config.get("provider") or providers.provider_for_model(config["model"]) or "openai"
    try:
        providers.check_provider(config["provider"])
    except providers.UnknownProvider as exc:
        raise EvaluationError(f"variant {name!r}: {exc}") from exc


def parse_all(texts: list[str] | tuple[str, ...]) -> list[Variant]:
    found = [parse(t) for t in texts]
    if not found:
        raise EvaluationError("give at least one --variant (two to compare).")
    names = [v.name for v in found]
    if len(set(names)) != len(names):
        raise EvaluationError("variant names must differ.")
    return found


@dataclass(frozen=True)
class Prepared:
    """A variant ready to call, with its prompt version (if any)."""

    call: PreparedVariant
    version: Version | None
    prompt: dict[str, Any] | None  # {"name", "version"}

    @property
    def name(self) -> str:
        return self.call.name


def prepare(engine: Engine, project_id: int, variant: Variant, run_prompt: str | None) -> Prepared:
    ref = variant.config.get("prompt") or run_prompt
    if not ref:
        return Prepared(
            PreparedVariant(variant.name, variant.config, variant.config.get("system_prompt"), {}), None, None
        )
    from otel_llm.prompts import names, versions
    from otel_llm.prompts.errors import PromptError

    try:
        version = versions.resolve(engine, project_id, names.parse_ref(ref), strict_label=True)
    except PromptError as exc:
        raise EvaluationError(f"variant {variant.name!r}: prompt {ref!r}: {exc}") from exc
    tags = {
        "prompt_name": version.name,
        "prompt_version": version.version,
        "prompt_hash": version.version_hash,
    }
    config = dict(variant.config)
    if not config.get("model"):
        if not (version.config or {}).get("model"):
            raise EvaluationError(
                f"variant {variant.name!r}: prompt {ref!r} names no model in its config; add model=…."
            )
        config["model"] = version.config["model"]
        config["provider"] = config.get("provider") or version.config.get("provider")
        _with_provider(variant.name, config)
    call = PreparedVariant(variant.name, config, None, tags)
    return Prepared(call, version, {"name": version.name, "version": version.version})


def check_credentials(prepared: list[Prepared], base_url: str | None) -> None:
    for provider in sorted({p.call.config["provider"] for p in prepared}):
        try:
            providers.check_credentials(provider, base_url)
        except providers.MissingCredentials as exc:
            raise EvaluationError(str(exc)) from exc
