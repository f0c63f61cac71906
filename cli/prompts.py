"""``otel-llm prompts``: the prompt registry from the terminal.

Every command calls one function of ``otel_llm.prompts`` (the same ones the console and the SDK
use) and only formats its result.
"""

from __future__ import annotations

import json
import sys

import click
from otel_llm_server.cli import output, prompt_files
from otel_llm_server.cli.db import db_engine
from otel_llm_server.cli.errors import friendly

from otel_llm import settings
from otel_llm.prompts.errors import PromptError
from otel_llm.prompts.names import parse_ref, parse_version, require_version
from otel_llm.storage.vocabulary import MOVER_ROLES

# The registry's modules (and SQLAlchemy) are imported by each command, so that --help stays fast.


def _project(ctx: click.Context, *, create: bool = False) -> int:
    from otel_llm.prompts import catalog

    name = settings.project(ctx.obj.get("project"))
    return catalog.project_id(db_engine(ctx), name, create=create)


_friendly = friendly(PromptError)  # registry errors become ClickExceptions carrying their sentence


def _ref(text: str, example: str = "{name}@v3") -> tuple[str, int]:
    ref = parse_ref(text)
    return ref.name, require_version(ref, example)


def _author(author: str | None) -> str:
    return author or output.user_name()


_print_json = output.print_json
AUTHOR_OPTION = click.option("--author", help="Who made the change [default: your user name].")
JSON_OPTION = output.JSON_OPTION


@click.group()
@click.option("--project", "-p", help="Project [env: OTEL_LLM_PROJECT; default: default].")
@click.pass_context
def prompts(ctx: click.Context, project: str | None) -> None:
    """Prompt versions: create, publish, label, diff, roll back, and per-version stats.

    \b
    Example:
      otel-llm prompts create support-agent --file support.txt --summary "first version"
      otel-llm prompts publish support-agent@v1
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


@prompts.command()
@click.argument("name")
@click.argument("source", required=False, metavar="[-]")
@click.option(
    "--file",
    "-f",
    "path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Template file; a .yaml/.yml/.json file is a whole set-up (messages, tools, response_format).",
)
@click.option("--format", "template_format", help="Template format: simple ({{var}}, default) or jinja2.")
@click.option("--summary", "-m", default="", help="What changed in this version.")
@click.option("--tag", "tags", multiple=True, help="A tag for the version (repeatable).")
@click.option("--config", "config_json", help='Model config as JSON, e.g. \'{"model": "gpt-4o-mini"}\'.')
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def create(ctx, name, source, path, template_format, summary, tags, config_json, author, as_json) -> None:
    """Store a new version of prompt NAME from --file F, or from stdin with -.

    A YAML or JSON file holds a whole set-up: messages (a chat prompt) or template, tools,
    response_format, format and model parameters (see docs/prompts.md).

    \b
    Example:
      otel-llm prompts create support-agent --file support.txt -m "shorter greeting"
      echo "You help {{customer}}." | otel-llm prompts create support-agent - --tag tone
      otel-llm prompts create support-agent -f s.txt --config '{"model": "gpt-4o-mini"}'
      otel-llm prompts create support-chat --file support-chat.yaml -m "adds the order tool"
    """
    from otel_llm.prompts import setup, versions
    from otel_llm.prompts.content import parse_config

    if prompt_files.is_document(path) and source is None:
        content = setup.from_document(prompt_files.read_document(path))
        content["config"] = content["config"] | parse_config(config_json)
        content["template_format"] = template_format or content["template_format"]
    else:
        content = {"template": _read_template(source, path), "config": parse_config(config_json)}
        content["template_format"] = template_format
    project_id = _project(ctx, create=True)
    version = versions.create_version(
        db_engine(ctx), project_id, name, summary=summary, tags=tags, author=_author(author), **content
    )
    if as_json:
        return _print_json(version.to_dict())
    click.echo(f"Created {version.name}@v{version.version} (hash {version.shown_hash[:12]}).")


def _read_template(source: str | None, path: str | None) -> str:
    if source not in (None, "-"):
        raise click.UsageError(
            f"unexpected argument {source!r}; give the template with --file F or - for stdin."
        )
    if (source is None) == (path is None):
        raise click.UsageError(
            "give the template either with --file F or as - (read stdin), not both or neither."
        )
    if source == "-" or path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}; give a UTF-8 text file.") from exc


@prompts.command("list")
@JSON_OPTION
@click.pass_context
@_friendly
def list_prompts(ctx, as_json) -> None:
    """List the project's prompts with their latest and published versions.

    \b
    Example:
      otel-llm prompts list
      otel-llm -p shop prompts list --json
    """
    from otel_llm.prompts import catalog

    found = catalog.list_prompts(db_engine(ctx), _project(ctx))
    if as_json:
        return _print_json([p.to_dict() for p in found])
    if not found:
        return click.echo("No prompts yet. Create one with `otel-llm prompts create NAME --file F`.")
    for p in found:
        published = f"v{p.published_version}" if p.published_version else "-"
        others = ", ".join(f"{k}=v{v}" for k, v in p.labels.items() if k != "production")
        click.echo(
            f"{p.name:30} {p.versions:3} versions  latest v{p.latest_version}  published {published}  {others}"
        )


@prompts.command("versions")
@click.argument("name")
@click.option("--hide-archived", is_flag=True, help="Leave archived versions out.")
@JSON_OPTION
@click.pass_context
@_friendly
def list_versions(ctx, name, hide_archived, as_json) -> None:
    """List the versions of NAME, newest first, with labels.

    \b
    Example:
      otel-llm prompts versions support-agent
    """
    from otel_llm.prompts import versions

    found = versions.list_versions(db_engine(ctx), _project(ctx), name, include_archived=not hide_archived)
    if as_json:
        return _print_json([v.to_dict() for v in found])
    for v in found:
        marks = " ".join([*(f"[{label}]" for label in v.labels), "(archived)" if v.archived else ""]).strip()
        when = output.iso(v.created_at)
        click.echo(
            f"v{v.version:<4} {when}  {v.author or '-':12} {v.shown_hash[:12]}  {marks}  {v.change_summary}"
        )


@prompts.command()
@click.argument("ref", metavar="NAME[@vN|@label]")
@JSON_OPTION
@click.pass_context
@_friendly
def show(ctx, ref, as_json) -> None:
    """Show one version: the published one by default, or @vN, @label, @latest.

    \b
    Example:
      otel-llm prompts show support-agent
      otel-llm prompts show support-agent@v3 --json
      otel-llm prompts show support-agent@staging
    """
    from otel_llm.prompts import includes, versions

    version = versions.resolve(db_engine(ctx), _project(ctx), parse_ref(ref))
    if as_json:
        references = includes.referencing(db_engine(ctx), _project(ctx), version.name)
        return _print_json(version.to_dict() | {"referenced_by": [r.to_dict() for r in references]})
    labels_text = ", ".join(version.labels) or "-"
    click.echo(
        f"{version.name}@v{version.version}  labels: {labels_text}{'  (archived)' if version.archived else ''}"
    )
    click.echo(
        f"hash: {version.shown_hash}  parent: {version.parent_version or '-'}  author: {version.author or '-'}"
    )
    if version.change_summary:
        click.echo(f"summary: {version.change_summary}")
    if version.tags:
        click.echo(f"tags: {', '.join(version.tags)}")
    if version.config:
        click.echo(f"config: {json.dumps(version.config, sort_keys=True)}")
    prompt_files.echo_content(version, includes.referencing(db_engine(ctx), _project(ctx), version.name))


@prompts.command()
@click.argument("refs", nargs=-1, required=True, metavar="NAME@vA NAME@vB | NAME A B")
@JSON_OPTION
@click.pass_context
@_friendly
def diff(ctx, refs, as_json) -> None:
    """Unified diff of two versions (template, then config); coloured on a terminal.

    \b
    Example:
      otel-llm prompts diff support-agent@v2 support-agent@v3
      otel-llm prompts diff support-agent 2 3
      otel-llm prompts diff support-agent@production support-agent@staging
    """
    from otel_llm.prompts import diff as prompt_diff
    from otel_llm.prompts import versions

    a, b = prompt_files.diff_refs(refs)
    engine, project_id = db_engine(ctx), _project(ctx)
    left = versions.resolve(engine, project_id, parse_ref(a))
    right = versions.resolve(engine, project_id, parse_ref(b))
    lines = prompt_diff.unified(left, right)
    if as_json:
        return _print_json({"a": left.to_dict(), "b": right.to_dict(), "diff": lines})
    if not lines:
        return click.echo(f"{a} and {b} have the same template and config.")
    for line in lines:
        click.echo(prompt_files.coloured(line))  # click strips the colour when stdout is not a terminal


def _print_move(move, what: str, name: str, as_json: bool) -> None:
    if as_json:
        return _print_json({"prompt": name, **move.to_dict()})
    if not move.changed:
        return click.echo(f"{what} already points at v{move.to_version}; nothing changed.")
    before = f"v{move.from_version}" if move.from_version else "nothing"
    after = f"v{move.to_version}" if move.to_version else "nothing"
    click.echo(f"{what}: {before} → {after}.")


@prompts.command()
@click.argument("ref", metavar="NAME@vN")
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def publish(ctx, ref, author, as_json) -> None:
    """Publish version N: move the production label to it.

    \b
    Example:
      otel-llm prompts publish support-agent@v3
    """
    from otel_llm.prompts import labels

    name, number = _ref(ref, "otel-llm prompts publish {name}@v3")
    move = labels.publish(db_engine(ctx), _project(ctx), name, number, _author(author))
    _print_move(move, f"{name} production", name, as_json)


@prompts.command()
@click.argument("ref", metavar="NAME@vN")
@click.argument("label")
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def label(ctx, ref, label, author, as_json) -> None:
    """Point LABEL (e.g. staging) at version N; `production` publishes.

    \b
    Example:
      otel-llm prompts label support-agent@v4 staging
    """
    from otel_llm.prompts import labels

    name, number = _ref(ref, "otel-llm prompts label {name}@v3 staging")
    move = labels.set_label(db_engine(ctx), _project(ctx), name, number, label, _author(author))
    _print_move(move, f"{name} {label}", name, as_json)


@prompts.command()
@click.argument("name")
@click.argument("label")
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def unlabel(ctx, name, label, author, as_json) -> None:
    """Remove LABEL from prompt NAME (production cannot be removed).

    \b
    Example:
      otel-llm prompts unlabel support-agent staging
    """
    from otel_llm.prompts import labels

    move = labels.remove_label(db_engine(ctx), _project(ctx), name, label, _author(author))
    _print_move(move, f"{name} {label}", name, as_json)


@prompts.command()
@click.argument("name")
@click.option("--to", "to", help="Version to publish instead of the previous one, e.g. v2.")
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def rollback(ctx, name, to, author, as_json) -> None:
    """Publish the version that was published before the current one (or --to vN).

    \b
    Example:
      otel-llm prompts rollback support-agent
      otel-llm prompts rollback support-agent --to v2
    """
    from otel_llm.prompts import labels

    target = parse_version(to) if to else None
    move = labels.rollback(db_engine(ctx), _project(ctx), name, _author(author), to=target)
    _print_move(move, f"{name} production (rollback)", name, as_json)


@prompts.command()
@click.argument("ref", metavar="NAME@vN")
@click.option("--undo", is_flag=True, help="Restore an archived version.")
@JSON_OPTION
@click.pass_context
@_friendly
def archive(ctx, ref, undo, as_json) -> None:
    """Archive (hide) version N; the published version cannot be archived.

    \b
    Example:
      otel-llm prompts archive support-agent@v1
      otel-llm prompts archive support-agent@v1 --undo
    """
    from otel_llm.prompts import versions

    name, number = _ref(ref, "otel-llm prompts archive {name}@v1")
    version = versions.set_archived(db_engine(ctx), _project(ctx), name, number, archived=not undo)
    if as_json:
        return _print_json(version.to_dict())
    click.echo(f"{name}@v{number} is {'archived' if version.archived else 'restored'}.")


@prompts.command()
@click.argument("ref", metavar="NAME@vN")
@AUTHOR_OPTION
@JSON_OPTION
@click.pass_context
@_friendly
def duplicate(ctx, ref, author, as_json) -> None:
    """Make a new version with the template and config of version N.

    \b
    Example:
      otel-llm prompts duplicate support-agent@v2
    """
    from otel_llm.prompts import versions

    name, number = _ref(ref, "otel-llm prompts duplicate {name}@v2")
    version = versions.duplicate_version(db_engine(ctx), _project(ctx), name, number, _author(author))
    if as_json:
        return _print_json(version.to_dict())
    click.echo(f"Created {name}@v{version.version} from v{number}.")


@prompts.command()
@click.argument("name")
@click.option("--since", default="7d", show_default=True, help="Time window: 30m, 24h, 7d, 2w or all.")
@click.option("--user", help="Only this end user's calls (user.id / enduser.id, otel_llm.session).")
@JSON_OPTION
@click.pass_context
@_friendly
def stats(ctx, name, since, user, as_json) -> None:
    """Per-version calls, success rate, feedback, p50/p95 latency, tokens and cost.

    \b
    Example:
      otel-llm prompts stats support-agent --since 24h
      otel-llm prompts stats support-agent --user customer-7
    """
    from otel_llm.prompts import metrics as prompt_metrics

    window = prompt_metrics.parse_window(since)
    rows = prompt_metrics.version_metrics(db_engine(ctx), _project(ctx), name, since=window, user=user)
    if as_json:
        return _print_json({"since": since, "versions": [m.to_dict() for m in rows]})
    click.echo(
        f"{'version':8}{'calls':>7}{'success':>9}{'feedback':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'in tok':>8}{'out tok':>8}{'cost $':>10}"
    )
    for m in rows:
        click.echo(
            f"v{m.version:<7}{m.calls:>7}{_pct(m.success_rate):>9}{_num(m.avg_feedback, 2):>10}"
            f"{_num(m.p50_ms, 0):>9}{_num(m.p95_ms, 0):>9}{_num(m.avg_input_tokens, 0):>8}"
            f"{_num(m.avg_output_tokens, 0):>8}{_num(m.avg_cost_usd, 5):>10}"
        )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@prompts.command()
@click.argument("name")
@JSON_OPTION
@click.pass_context
@_friendly
def history(ctx, name, as_json) -> None:
    """Every label move of NAME (who, when, from, to), newest first.

    \b
    Example:
      otel-llm prompts history support-agent
    """
    from otel_llm.prompts import labels

    moves = labels.label_history(db_engine(ctx), _project(ctx), name)
    if as_json:
        return _print_json([m.to_dict() for m in moves])
    if not moves:
        return click.echo(f"No label has been set on {name} yet.")
    for m in moves:
        when = output.iso(m.created_at)
        before = f"v{m.from_version}" if m.from_version else "-"
        after = f"v{m.to_version}" if m.to_version else "-"
        click.echo(f"{when}  {m.actor or '-':12} {m.action:9} {m.label:12} {before} → {after}")


@prompts.command("protected-labels")
@click.option("--set", "labels_text", help="Protect exactly these labels (comma-separated; '' for none).")
@click.option("--role", type=click.Choice(MOVER_ROLES), help="Least role that moves them [default: admin].")
@JSON_OPTION
@click.pass_context
@_friendly
def protected_labels(ctx, labels_text, role, as_json) -> None:
    """Show or set the protected labels (production by default) and the role that moves them.

    In the console and the API, a caller below that role is refused (403). The CLI acts with the
    database's rights, as an admin.

    \b
    Example:
      otel-llm prompts protected-labels
      otel-llm prompts protected-labels --set production,release --role admin
    """
    from otel_llm.prompts import protection

    engine, project_id = db_engine(ctx), _project(ctx)
    policy = protection.get_policy(engine, project_id)
    if labels_text is not None or role is not None:
        chosen = protection.parse_labels(labels_text) if labels_text is not None else policy.protected_labels
        policy = protection.set_policy(
            engine, project_id, chosen, role or policy.mover_role, output.user_name()
        )
    if as_json:
        return _print_json(policy.to_dict())
    shown = ", ".join(policy.protected_labels) or "no label"
    click.echo(f"Protected: {shown}; moved by {policy.mover_role}s and above.")
