"""A playground set-up and where it comes from.

A ``Setup`` is a chat request in the prompt registry's chat form (``otel_llm.prompts.chat``: messages
``{role, content, tool_calls?, tool_call_id?}``, tools ``{name, description, parameters}``, a JSON
Schema response format) plus the provider, model and parameters, and the template format and
variables when it came from a prompt version. ``from_span`` rebuilds it from a stored LLM span (the
same request replay would send, through the provider adapters' neutral form), ``from_version`` from
a prompt version; ``validated`` checks what a form sent (untrusted input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from otel_llm import providers
from otel_llm.playground.errors import PlaygroundError
from otel_llm.prompts import chat, formats
from otel_llm.prompts.errors import PromptError
from otel_llm.prompts.names import parse_ref
from otel_llm.prompts.versions import get_version, resolve
from otel_llm.providers.neutral import PARAMS
from otel_llm.replay.errors import ReplayError
from otel_llm.replay.request import from_span as request_from_span
from otel_llm.traces import get_span

NUMBER_PARAMS = {"temperature": float, "top_p": float, "max_tokens": int, "seed": int}


@dataclass
class Setup:
    provider: str
    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    response_format: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    template_format: str = formats.SIMPLE
    variables: dict[str, str] = field(default_factory=dict)
    prompt: str | None = None  # the prompt it was opened from, "Save as new version" adds to it
    prompt_version: int | None = None
    source_span_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def variable_names(self) -> list[str]:
        """Every variable the messages use, in order of first use."""
        found: list[str] = []
        for message in self.messages:
            for name in formats.variables(self.template_format, message.get("content") or ""):
                if name not in found:
                    found.append(name)
        return found

    def config(self) -> dict[str, Any]:
        """The model parameters as a prompt version's config."""
        return {"model": self.model, **self.params}


def from_span(engine: Engine, project_id: int, span_id: str) -> Setup:
    """The set-up of stored span ``span_id``: its request, as replay would send it."""
    row = get_span(engine, project_id, span_id)
    if row is None:
        raise PlaygroundError(f"no span {span_id} in this project.")
    try:
        request = request_from_span(row)
        neutral = request.adapter.to_neutral(request.api, request.params)
    except (ReplayError, providers.CannotTranslate) as exc:
        raise PlaygroundError(f"span {span_id} cannot be opened in the playground: {exc}") from exc
    shape = chat.from_neutral(neutral)
    config = dict(shape["config"])
    return Setup(
        provider=request.provider,
        model=str(config.pop("model", "") or row.get("request_model") or ""),
        messages=shape["messages"],
        tools=shape["tools"],
        response_format=shape["response_format"],
        params=_params(config),
        source_span_id=row["span_id"],
        notes=list(request.notes) + list(neutral.dropped),
    )


def from_version(engine: Engine, project_id: int, name: str, version: int | str | None = None) -> Setup:
    """The set-up of a prompt version (a number, a label, or the latest when None)."""
    try:
        if isinstance(version, int):
            found = get_version(engine, project_id, name, version)
        else:
            found = resolve(engine, project_id, parse_ref(f"{name}@{version}" if version else name))
    except PromptError as exc:
        raise PlaygroundError(str(exc)) from exc
    if found.kind == "chat":
        messages = [dict(m) for m in found.messages]
    else:
        messages = [{"role": "system", "content": found.template}, {"role": "user", "content": ""}]
    config = dict(found.config)
    model = str(config.pop("model", "") or "")
    setup = Setup(
        provider=str(config.pop("provider", "") or providers.provider_for_model(model) or _first_provider()),
        model=model,
        messages=messages,
        tools=[dict(t) for t in found.tools],
        response_format=dict(found.response_format) if found.response_format else None,
        params=_params(config),
        template_format=found.template_format,
        prompt=found.name,
        prompt_version=found.version,
    )
    setup.variables = dict.fromkeys(setup.variable_names(), "")
    return setup


def _first_provider() -> str:
    return next(iter(providers.adapters()))


def _params(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k in PARAMS and k != "stream" and v is not None}


def validated(
    *,
    provider: str,
    model: str,
    messages: Any,
    tools: Any = None,
    response_format: Any = None,
    params: dict[str, Any] | None = None,
    template_format: str | None = None,
    variables: dict[str, Any] | None = None,
    prompt: str | None = None,
) -> Setup:
    """A set-up from what a form or an API call sent; ``PlaygroundError`` says what is wrong."""
    if provider not in providers.names():
        raise PlaygroundError(
            f"unknown provider {provider!r}; choose one of: {', '.join(providers.names())}."
        )
    if not (model or "").strip():
        raise PlaygroundError("give a model.")
    try:
        checked = chat.validate_messages(
            [m for m in messages or [] if (m.get("content") or m.get("tool_calls"))]
        )
        tool_list = chat.validate_tools(tools or [])
        schema = chat.validate_response_format(response_format)
        fmt = formats.validate_format(template_format)
    except PromptError as exc:
        raise PlaygroundError(str(exc)) from exc
    if not checked:
        raise PlaygroundError("give at least one message.")
    return Setup(
        provider=provider,
        model=model.strip(),
        messages=checked,
        tools=tool_list,
        response_format=schema,
        params=_checked_params(params or {}),
        template_format=fmt,
        variables={str(k): str(v) for k, v in (variables or {}).items()},
        prompt=prompt or None,
    )


def _checked_params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in NUMBER_PARAMS.items():
        value = params.get(name)
        if value in (None, ""):
            continue
        try:
            out[name] = kind(value)
        except (TypeError, ValueError):
            raise PlaygroundError(f"{name} must be a number, not {value!r}.") from None
    low, high = providers.temperature_bounds()
    if "temperature" in out and not low <= out["temperature"] <= high:
        raise PlaygroundError(f"temperature must be between {low:g} and {high:g}.")
    if "max_tokens" in out and out["max_tokens"] < 1:
        raise PlaygroundError("max_tokens must be at least 1.")
    return out
