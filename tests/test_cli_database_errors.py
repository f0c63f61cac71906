"""§7: with the database unreachable, missing or not migrated, every command that needs it prints
one line (its URL with the password masked, what to do) and exits non-zero; no traceback.

The commands are found by walking ``cli/main.py``'s ``COMMANDS``, so a new command is covered
(or has to be listed below with its reason) as soon as it is registered."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import COMMANDS, main

from otel_llm.storage.db import get_engine

PASSWORD = "pw-Never-Shown-42"

# Commands that never open the database.
NO_DATABASE = {("mock-llm",)}
# Commands whose job is to create or migrate the database: a missing file or an empty database is
# what they fix (an unreachable server is still one line).
CREATE_DATABASE = {("db", "upgrade"), ("demo",)}
# Reports the schema's state, up to date or not (test_db_current_on_an_empty_database_says_so).
REPORTS_REVISION = {("db", "current")}
# The collector starts while its database is unreachable (requests are spooled, docs/deployment.md):
# that case prints a warning and serves, so it is checked separately below.
STARTS_WHILE_UNREACHABLE = {("collector",)}


# Arguments that get past each command's own input checks to the point where it opens the database.
VALID_ARGS = {
    ("datasets", "add-spans"): ["support-qa", "--since", "7d"],
    ("datasets", "create"): ["support-qa"],
    ("datasets", "export"): ["support-qa@v1"],
    ("datasets", "import"): ["support-qa", "{file}"],
    ("datasets", "remove"): ["support-qa", "1"],
    ("datasets", "show"): ["support-qa"],
    ("prompts", "diff"): ["support@v1", "support@v2"],
    ("prices", "reprice"): ["--since", "7d"],
    ("experiments", "add-cases"): ["bakeoff", "--test-case", "hello"],
    ("experiments", "create"): ["bakeoff", "--variant", "name=a,provider=openai,model=gpt-4o-mini"],
    ("feedback", "add"): ["5f1c0e2a9b3d4c71", "1"],
    ("projects", "retention"): ["support-bot", "30"],
    ("scores", "add"): ["5f1c0e2a9b3d4c71", "helpfulness", "4"],
    ("scores", "delete"): ["1"],
    ("scores", "config", "set"): ["helpfulness", "--type", "numeric"],
    ("sessions", "show"): ["conv-42"],
    ("prompts", "archive"): ["support@v1"],
    ("prompts", "create"): ["support", "--file", "{file}"],
    ("prompts", "duplicate"): ["support@v1"],
    ("prompts", "label"): ["support@v1", "staging"],
    ("prompts", "publish"): ["support@v1"],
    ("users", "remove"): ["ada@example.com", "--yes"],
    ("webhooks", "add"): ["https://example.com/hook"],
}


def _leaves(command: click.Command, path: tuple[str, ...]):
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


def _all_commands():
    ctx = click.Context(main)
    for name in sorted(COMMANDS):
        yield from _leaves(main.get_command(ctx, name), (name,))


def _value(param: click.Parameter, tmp: Path) -> str:
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "1"
    if isinstance(kind, click.Path | click.File):
        path = tmp / "input.json"
        path.write_text("{}")
        return str(path)
    return "x"


def _args(path: tuple[str, ...], command: click.Command, tmp: Path) -> list[str]:
    """Values for the required arguments and options, valid where the command checks them first."""
    if path in VALID_ARGS:
        (tmp / "template.txt").write_text("You help {{customer}}.")
        return [a.replace("{file}", str(tmp / "template.txt")) for a in VALID_ARGS[path]]
    args, options = [], []
    for param in command.params:
        if isinstance(param, click.Argument) and param.required:
            args.append(_value(param, tmp))
        elif isinstance(param, click.Option) and param.required and not param.is_flag:
            options += [param.opts[0], _value(param, tmp)]
    return [*options, *args]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def unreachable_url() -> str:
    return f"postgresql://ada:{PASSWORD}@127.0.0.1:{_closed_port()}/otel"


@pytest.fixture
def unmigrated_url(pg_server_url, tmp_path) -> str:
    """An empty Postgres database (it exists, has no tables), reached with a password in the URL."""
    from sqlalchemy.engine import make_url

    url = make_url(pg_server_url).set(password=PASSWORD)
    name = f"otel_llm_unmigrated_{tmp_path.name[-20:].lower().replace('-', '_')}"
    with get_engine(pg_server_url).connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with get_engine(pg_server_url).connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _check(url: str, command: tuple[str, ...], args: list[str], tmp: Path, expected: str) -> None:
    result = CliRunner().invoke(
        main, ["--database-url", url, *command, *args], input="password-123\npassword-123\ny\n"
    )
    shown = " ".join(command)
    assert result.exit_code != 0, f"{shown}: exit 0 with {result.output!r}"
    assert isinstance(result.exception, SystemExit), f"{shown}: traceback {result.exception!r}"
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, f"{shown}: {result.output!r}"
    assert PASSWORD not in result.output, f"{shown} shows the password: {result.output!r}"
    assert expected in errors[0], f"{shown}: {errors[0]!r}"
    assert "Traceback" not in result.output


def test_every_command_says_in_one_line_that_the_server_is_unreachable(unreachable_url, tmp_path):
    checked = []
    for command, cli_command in _all_commands():
        if command in NO_DATABASE or command in STARTS_WHILE_UNREACHABLE:
            continue
        expected = "cannot upgrade the database" if command in CREATE_DATABASE else "cannot use the database"
        _check(unreachable_url, command, _args(command, cli_command, tmp_path), tmp_path, expected)
        checked.append(command)
    assert "postgresql://ada:***@127.0.0.1" in _output(unreachable_url, ("traces", "list"))
    assert {c[0] for c in checked} == set(COMMANDS) - {"mock-llm", "collector"}
    assert len(checked) > 40


def test_every_command_says_the_sqlite_file_is_missing(tmp_path):
    missing = tmp_path / "nowhere" / "otel.db"
    for command, cli_command in _all_commands():
        if command in NO_DATABASE or command in CREATE_DATABASE:
            continue
        _check(
            f"sqlite:///{missing}",
            command,
            _args(command, cli_command, tmp_path),
            tmp_path,
            f"no database at {missing}",
        )
        assert not missing.exists() and not missing.parent.exists()


def test_every_command_says_the_database_needs_migrating(unmigrated_url, tmp_path):
    for command, cli_command in _all_commands():
        if command in NO_DATABASE | CREATE_DATABASE | REPORTS_REVISION:
            continue
        _check(
            unmigrated_url,
            command,
            _args(command, cli_command, tmp_path),
            tmp_path,
            "run `otel-llm db upgrade`",
        )


def test_db_current_on_an_empty_database_says_so(unmigrated_url):
    result = CliRunner().invoke(main, ["--database-url", unmigrated_url, "db", "current"])
    assert result.exit_code == 0 and "(empty)" in result.output and "otel-llm db upgrade" in result.output


def test_the_collector_starts_while_unreachable_with_a_masked_warning(unreachable_url):
    from otel_llm_server.cli.collector import _prepare_database

    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        _prepare_database(unreachable_url, upgrade=False)
    warning = err.getvalue().decode()
    assert warning.startswith("WARNING: database postgresql://ada:***@") and PASSWORD not in warning


def test_a_real_process_prints_no_traceback(unreachable_url, tmp_path):
    for args in (["traces", "list"], ["users", "list"], ["web"], ["db", "upgrade"], ["demo", "--no-serve"]):
        done = subprocess.run(
            [sys.executable, "-m", "otel_llm_server.cli", "--database-url", unreachable_url, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: cannot"), done.stderr
        assert "Traceback" not in done.stderr and PASSWORD not in done.stderr + done.stdout


def _output(url: str, command: tuple[str, ...]) -> str:
    return CliRunner().invoke(main, ["--database-url", url, *command]).output
