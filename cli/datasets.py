"""``otel-llm datasets``: versioned test datasets from files or stored spans.

Every command calls one function of ``otel_llm.datasets`` (the service the console and the API use)
and only formats its result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from otel_llm_server.cli import output
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.errors import friendly
from otel_llm_server.cli.traces import (
    _safe,
    span_filter,
    span_filter_options,
)  # _safe: stored text never drives the terminal

from otel_llm import settings
from otel_llm.storage.vocabulary import DATASET_FORMATS, MAX_DATASET_SPANS

if TYPE_CHECKING:
    from otel_llm.datasets import DatasetItem

# The datasets service (and SQLAlchemy) is imported by each command, so that --help stays fast.
_friendly = friendly("otel_llm.datasets.errors:DatasetError")


def _open(ctx: click.Context):
    """(engine, project id) for the command's project."""
    from otel_llm.accounts import ProjectNotFound, require_project

    engine = migrated_engine(ctx)
    try:
        return engine, require_project(engine, settings.project(ctx.obj.get("project"))).id
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("datasets")
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def datasets_group(ctx: click.Context, project: str | None) -> None:
    """Versioned test datasets: from JSONL/CSV files or stored spans, for experiments and evaluations.

    \b
    Example:
      otel-llm datasets create support-qa --description "Real support questions"
      otel-llm datasets add-spans support-qa --model gpt-4o-mini --since 7d --limit 200
      otel-llm datasets show support-qa@v2
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@datasets_group.command()
@click.argument("name")
@click.option("--description", default="", help="What the dataset is for.")
@click.pass_context
@_friendly
def create(ctx, name, description):
    """Create an empty dataset NAME (version 1).

    \b
    Example:
      otel-llm datasets create support-qa --description "Real support questions"
    """
    from otel_llm import datasets

    engine, project_id = _open(ctx)
    found = datasets.create(engine, project_id, name, description, actor=output.user_name())
    click.echo(
        f"Created dataset {found.name} (v1). Add items with `otel-llm datasets import {found.name} FILE`."
    )


@datasets_group.command("import")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "file_format", type=click.Choice(DATASET_FORMATS), help="Default: from the file name."
)
@click.option(
    "--input-column",
    help="Field/column holding the input: text (one user message) or a JSON list of messages.",
)
@click.option("--expected-column", help="Field/column holding the expected output.")
@click.option(
    "--metadata-column",
    "metadata_columns",
    multiple=True,
    help="Field/column copied into the metadata (repeatable).",
)
@click.option(
    "--variable-column",
    "variable_columns",
    multiple=True,
    help="Field/column that is a prompt variable (repeatable); the input is then these variables.",
)
@click.option("--create", "create_missing", is_flag=True, help="Create the dataset if it does not exist.")
@click.pass_context
@_friendly
def import_(
    ctx,
    name,
    path,
    file_format,
    input_column,
    expected_column,
    metadata_columns,
    variable_columns,
    create_missing,
):
    """Add the items of a JSONL or CSV file to dataset NAME, as one new version (all or none).

    A JSONL line: {"input": "..."} or {"messages": [...]} or {"variables": {...}}, with optional
    "expected_output" and "metadata". A CSV file has a header row; name its columns with the flags.

    \b
    Example:
      otel-llm datasets import support-qa questions.jsonl
      otel-llm datasets import support-qa tickets.csv --input-column question \\
          --expected-column answer --metadata-column category --create
    """
    from otel_llm import datasets
    from otel_llm.datasets import files

    engine, project_id = _open(ctx)
    columns = files.Columns(input_column, expected_column, metadata_columns, variable_columns)
    items = files.parse(
        path.read_text(encoding="utf-8-sig"), file_format or files.detect_format(path.name), columns
    )
    actor = output.user_name()
    if create_missing:
        try:
            datasets.get(engine, project_id, name)
        except datasets.DatasetNotFound:
            datasets.create(engine, project_id, name, actor=actor)
    version = datasets.add_items(engine, project_id, name, items, actor=actor)
    click.echo(f"Added {len(items)} items to {name}: now v{version.number} with {version.item_count} items.")


@datasets_group.command()
@click.argument("ref", metavar="NAME[@vN]")
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: stdout).",
)
@click.pass_context
@_friendly
def export(ctx, ref, target):
    """Write the items of a dataset version as JSONL (the current version unless @vN is given);
    `datasets import` reads it back.

    \b
    Example:
      otel-llm datasets export support-qa@v3 -o support-qa.jsonl
    """
    from otel_llm import datasets
    from otel_llm.datasets import files

    engine, project_id = _open(ctx)
    name, version = datasets.parse_ref(ref)
    text = files.export_jsonl(datasets.resolve(engine, project_id, name, version))
    if target is None:
        click.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10))} items to {target}.", err=True)


@datasets_group.command("list")
@output.JSON_OPTION
@click.pass_context
@_friendly
def list_(ctx, as_json):
    """List the project's datasets with their current version and item count.

    \b
    Example:
      otel-llm datasets list --json
    """
    from otel_llm import datasets

    engine, project_id = _open(ctx)
    found = datasets.list_datasets(engine, project_id)
    if as_json:
        output.print_json([d.to_dict() for d in found])
        return
    if not found:
        click.echo("No datasets yet. Create one with `otel-llm datasets create NAME`.")
        return
    click.echo(f"{'NAME':<32} {'VERSION':>7} {'ITEMS':>7}  DESCRIPTION")
    for d in found:
        click.echo(
            _safe(f"{d.name:<32} {'v' + str(d.current_version):>7} {d.item_count:>7}  {d.description}")
        )


@datasets_group.command()
@click.argument("ref", metavar="NAME[@vN]")
@click.option("--versions", "show_versions", is_flag=True, help="List every version instead of the items.")
@output.JSON_OPTION
@click.pass_context
@_friendly
def show(ctx, ref, show_versions, as_json):
    """Show the items of a dataset version (the current one unless @vN is given), or its versions.

    \b
    Example:
      otel-llm datasets show support-qa
      otel-llm datasets show support-qa@v2 --json
      otel-llm datasets show support-qa --versions
    """
    from otel_llm import datasets

    engine, project_id = _open(ctx)
    name, number = datasets.parse_ref(ref)
    if show_versions:
        history = datasets.versions(engine, project_id, name)
        if as_json:
            output.print_json([v.to_dict() for v in history])
            return
        for v in history:
            click.echo(
                _safe(
                    f"v{v.number:<5} {output.iso(v.created_at)}  {v.item_count:>6} items  {v.change}  {v.actor}"
                )
            )
        return
    found = datasets.snapshot(engine, project_id, name, number)
    if as_json:
        data = found.dataset.to_dict() | {
            "version": found.version.to_dict(),
            "items": [i.to_dict() for i in found.items],
        }
        output.print_json(data)
        return
    click.echo(
        _safe(
            f"{found.dataset.name} v{found.version.number} of {found.dataset.current_version}: {len(found.items)} items"
        )
    )
    for item in found.items:
        click.echo(_safe(_item_line(item)))


def _item_line(item: DatasetItem) -> str:
    if item.messages is not None:
        text = item.messages[-1]["content"]
    else:
        text = json.dumps(item.variables, ensure_ascii=False)
    text = " ".join(text.split())
    expected = f"  -> {' '.join(item.expected_output.split())[:40]}" if item.expected_output else ""
    source = f"  [span {item.source_span_id}]" if item.source_span_id else ""
    return f"{item.id:>6}  {text[:60]}{expected}{source}"


@datasets_group.command("add-spans")
@click.argument("name")
@span_filter_options
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_DATASET_SPANS),
    default=200,
    show_default=True,
    help="At most this many spans, newest first.",
)
@click.pass_context
@_friendly
def add_spans(ctx, name, limit, **filters):
    """Add stored spans to dataset NAME (filters as for `traces list`): their input messages become
    the items' input, their answer the expected output, and each item links to its span.

    \b
    Example:
      otel-llm datasets add-spans support-qa --model gpt-4o-mini --since 7d --limit 200
      otel-llm datasets add-spans support-qa --prompt support-answer --status ok
    """
    from otel_llm.datasets.from_spans import add_matching

    engine, project_id = _open(ctx)
    result = add_matching(engine, project_id, name, span_filter(filters), limit, actor=output.user_name())
    for skipped in result.skipped:
        click.echo(_safe(f"skipped span {skipped['span_id']}: {skipped['reason']}"), err=True)
    if result.version is None:
        click.echo(
            f"No span added to {name} ({len(result.skipped)} skipped); check the filters with `otel-llm traces list`."
        )
        return
    click.echo(
        f"Added {result.added} spans to {name}: now v{result.version.number} with {result.version.item_count} items."
    )


@datasets_group.command()
@click.argument("name")
@click.argument("item_ids", nargs=-1, type=int, required=True)
@click.pass_context
@_friendly
def remove(ctx, name, item_ids):
    """Remove items (by id, see `datasets show`) from dataset NAME, as a new version; earlier
    versions keep them.

    \b
    Example:
      otel-llm datasets remove support-qa 12 15
    """
    from otel_llm import datasets

    engine, project_id = _open(ctx)
    version = datasets.remove_items(engine, project_id, name, item_ids, actor=output.user_name())
    click.echo(
        f"Removed {len(set(item_ids))} items from {name}: now v{version.number} with {version.item_count} items."
    )
