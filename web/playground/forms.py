"""The playground form: one or two set-ups (fields prefixed ``a-`` and ``b-``) to and from ``Setup``.

Messages are rows of role + content (``a-role-0``, ``a-content-0``, …); a row's tool calls or tool
call id travel in ``a-extra-0`` as JSON so nothing of an opened span is lost. Tools and the response
format are JSON texts, kept together. Everything here is untrusted input: ``setup_from`` hands it to
``otel_llm.playground.setup.validated``.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import MultiDict

from otel_llm.playground import PlaygroundError, Setup
from otel_llm.playground.setup import validated

ROLES = ("system", "developer", "user", "assistant", "tool")
PARAMS = ("temperature", "max_tokens", "top_p", "seed")
MAX_ROWS = 50
SIDES = ("a", "b")


def _json(text: str, what: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise PlaygroundError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None


def _messages(form: MultiDict, side: str) -> list[dict[str, Any]]:
    out = []
    for index in range(MAX_ROWS):
        role = form.get(f"{side}-role-{index}")
        if role is None:
            break
        message: dict[str, Any] = {"role": role, "content": form.get(f"{side}-content-{index}", "")}
        extra = _json(form.get(f"{side}-extra-{index}", ""), f"message {index + 1}'s tool data")
        if isinstance(extra, dict):
            message.update({k: v for k, v in extra.items() if k in ("tool_calls", "tool_call_id")})
        out.append(message)
    return out


def setup_from(form: MultiDict, side: str = "a") -> Setup:
    """Set-up ``side`` of a posted form (``PlaygroundError`` with the field's problem)."""
    prefix = f"{side}-"
    variables = {k[len(prefix) + 4 :]: v for k, v in form.items() if k.startswith(prefix + "var-")}
    return validated(
        provider=form.get(prefix + "provider", ""),
        model=form.get(prefix + "model", ""),
        messages=_messages(form, side),
        tools=_json(form.get(prefix + "tools", ""), "Tools"),
        response_format=_json(form.get(prefix + "response_format", ""), "The response format"),
        params={name: form.get(prefix + name) for name in PARAMS},
        template_format=form.get(prefix + "template_format"),
        variables=variables,
        prompt=form.get("prompt") or None,
    )


def view_of(setup: Setup) -> dict[str, Any]:
    """What the template shows for a set-up: rows (plus one empty row to add), JSON texts, variables."""
    rows = []
    for message in [*setup.messages, {"role": "user", "content": ""}]:
        extra = {k: message[k] for k in ("tool_calls", "tool_call_id") if message.get(k)}
        rows.append(
            {"role": message.get("role", "user"), "content": message.get("content", ""), "extra": extra}
        )
    variables = dict.fromkeys(setup.variable_names(), "")
    variables.update(setup.variables)
    return {
        "provider": setup.provider,
        "model": setup.model,
        "rows": rows,
        "tools": json.dumps(setup.tools, indent=2) if setup.tools else "",
        "response_format": json.dumps(setup.response_format, indent=2) if setup.response_format else "",
        "params": setup.params,
        "template_format": setup.template_format,
        "variables": variables,
        "notes": setup.notes,
    }
