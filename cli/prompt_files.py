"""Prompt set-up files for ``otel-llm prompts create --file prompt.yaml``, the text ``prompts show``
prints for a version (messages, tools, response format, includes, referencing prompts) and the
versions ``prompts diff`` compares and how it colours their diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from otel_llm.prompts.includes import Reference
    from otel_llm.prompts.models import Version

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


def is_document(path: str | None) -> bool:
    return bool(path) and Path(path).suffix.lower() in DOCUMENT_SUFFIXES


def read_document(path: str) -> Any:
    """The parsed YAML or JSON of a set-up file."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}; give a UTF-8 YAML or JSON file.") from exc
    try:
        return json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{path} is not valid {Path(path).suffix[1:].upper()}: {exc}") from exc


def echo_content(version: Version, references: list[Reference]) -> None:
    """The version's template (or messages), tools, response format, includes and referencing prompts."""
    if version.template_format != "simple":
        click.echo(f"format: {version.template_format}")
    if version.variables:
        click.echo(f"variables: {', '.join(version.variables)}")
    for include in version.includes:
        click.echo(f"includes: {include['ref']} -> {include['name']}@v{include['version']}")
    if references:
        names = ", ".join(f"{r.name}@v{r.version} ({r.ref})" for r in references)
        click.echo(f"referenced by: {names}")
    click.echo("---")
    if version.kind != "chat":
        click.echo(version.template)
    for number, message in enumerate(version.messages, 1):
        extra = f" tool_call_id={message['tool_call_id']}" if message.get("tool_call_id") else ""
        click.echo(f"[{number}] {message['role']}{extra}:")
        click.echo(message["content"])
        if message.get("tool_calls"):
            click.echo(f"tool calls: {json.dumps(message['tool_calls'], ensure_ascii=False)}")
    for tool in version.tools:
        click.echo(f"--- tool {tool['name']}")
        click.echo(json.dumps(tool, indent=2, sort_keys=True, ensure_ascii=False))
    if version.response_format:
        click.echo(f"--- response format {version.response_format['name']}")
        click.echo(
            json.dumps(version.response_format["schema"], indent=2, sort_keys=True, ensure_ascii=False)
        )


def diff_refs(refs: tuple[str, ...]) -> tuple[str, str]:
    """``NAME@v2 NAME@v3``, ``NAME 2 3`` / ``NAME v2 staging``, or ``NAME@v2 3`` (same prompt)."""
    if len(refs) == 3 and "@" not in refs[0]:
        name, *sides = refs
    elif len(refs) == 2 and "@" in refs[0] and "@" not in refs[1]:
        name, sides = refs[0].split("@", 1)[0], [refs[0].split("@", 1)[1], refs[1]]
    elif len(refs) == 2:
        return refs[0], refs[1]
    else:
        raise click.UsageError(
            "give two versions: `otel-llm prompts diff NAME@v2 NAME@v3` or `otel-llm prompts diff NAME 2 3`."
        )
    return tuple(f"{name}@{_side(side)}" for side in sides)  # type: ignore[return-value]


def _side(side: str) -> str:
    return f"v{side}" if side.isdigit() else side


def coloured(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    if line.startswith("@@"):
        return click.style(line, fg="cyan")
    if line.startswith("+"):
        return click.style(line, fg="green")
    if line.startswith("-"):
        return click.style(line, fg="red")
    return line
