"""``otel-llm users``: console accounts and their role in each project."""

from __future__ import annotations

import json
import sys

import click
from otel_llm_server.cli.dbcheck import migrated_engine

from otel_llm.storage.vocabulary import ROLES

# The users service (and SQLAlchemy) is imported by each command, so that --help stays fast.


def _engine(ctx: click.Context):
    return migrated_engine(ctx)


def _run(call, *args):
    """Call a users-service function, turning its errors into sentences for the terminal."""
    try:
        return call(*args)
    except ValueError as exc:  # AccountError is one
        raise click.ClickException(str(exc)) from exc


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    from otel_llm.accounts import users as users_service
    from otel_llm.accounts.errors import AccountError

    try:
        return users_service.check_password(password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


ROLE_OPTION = click.option(
    "--role", type=click.Choice(ROLES), default="viewer", show_default=True, help="Role in the project."
)


@click.group()
def users() -> None:
    """Console accounts: create, list, change roles, remove.

    \b
    Example:
      otel-llm users create ada@example.com --project default --role admin
      otel-llm users list
    """


@users.command()
@click.argument("email")
@click.option("--project", "-p", required=True, help="Project the user joins.")
@ROLE_OPTION
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def create(ctx: click.Context, email: str, project: str, role: str, password_stdin: bool) -> None:
    """Create an account for EMAIL with ROLE in PROJECT (asks for the password twice, hidden).

    \b
    Example:
      otel-llm users create ada@example.com --project default --role admin
      echo "$PASSWORD" | otel-llm users create ci@example.com -p default --password-stdin
    """
    from otel_llm.accounts import users as users_service

    engine = _engine(ctx)
    _run(users_service.check_new_user, engine, email, project, role)  # before asking for a password
    password = _read_password(password_stdin)
    member = _run(users_service.create_user, engine, email, password, project, role)
    click.echo(f"Created {member.email}: {member.role} in {member.project_name}. Sign in at the console.")


@users.command("list")
@click.option("--project", "-p", help="Only members of this project.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_users(ctx: click.Context, project: str | None, as_json: bool) -> None:
    """List accounts and their role in each project.

    \b
    Example:
      otel-llm users list
      otel-llm users list --project default --json
    """
    from otel_llm.accounts import users as users_service

    rows = _run(users_service.list_memberships, _engine(ctx), project)
    if as_json:
        click.echo(json.dumps([{"email": m.email, "project": m.project_name, "role": m.role} for m in rows]))
        return
    if not rows:
        click.echo("No users yet; add one with `otel-llm users create EMAIL --project P --role admin`.")
        return
    width = max(len(m.email) for m in rows)
    for m in rows:
        click.echo(f"{m.email:<{width}}  {m.project_name:<20}  {m.role}")


@users.command("set-role")
@click.argument("email")
@click.option("--project", "-p", required=True, help="Project.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="New role.")
@click.pass_context
def set_role(ctx: click.Context, email: str, project: str, role: str) -> None:
    """Give EMAIL the ROLE in PROJECT (adding them to the project if needed).

    \b
    Example:
      otel-llm users set-role ada@example.com --project default --role editor
    """
    from otel_llm.accounts import users as users_service

    member = _run(users_service.set_role, _engine(ctx), email, project, role)
    click.echo(f"{member.email} is now {member.role} in {member.project_name}.")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def set_password(ctx: click.Context, email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL.

    \b
    Example:
      otel-llm users set-password ada@example.com
    """
    from otel_llm.accounts import users as users_service

    password = _read_password(password_stdin)
    _run(users_service.set_password, _engine(ctx), email, password)
    click.echo(f"Password of {email} changed.")


@users.command()
@click.argument("email")
@click.option("--project", "-p", help="Only take the user out of this project (default: delete the account).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove(ctx: click.Context, email: str, project: str | None, yes: bool) -> None:
    """Remove EMAIL from PROJECT, or delete the account entirely.

    \b
    Example:
      otel-llm users remove ada@example.com --project default
      otel-llm users remove ada@example.com --yes
    """
    from otel_llm.accounts import users as users_service

    if project is None and not yes:
        click.confirm(f"Delete the account {email} and all its memberships?", abort=True)
    _run(users_service.remove_user, _engine(ctx), email, project)
    click.echo(f"Removed {email} from {project}." if project else f"Deleted the account {email}.")
