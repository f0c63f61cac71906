"""Every `otel-llm` command answers --help with an example, as the brief promises."""

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from otel_llm_server.cli.main import COMMANDS, main


def _walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...]):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _walk(command, click.Context(command, parent=ctx, info_name=name), (*prefix, name))


ALL = list(_walk(main, click.Context(main, info_name="otel-llm"), ()))


def test_every_registered_module_loads():
    assert {path[0] for path, _ in ALL} >= set(COMMANDS)


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) for p, _ in ALL])
def test_help_has_an_example(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`otel-llm {' '.join(path)} --help` shows no example"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_summary_is_the_commands_own_first_line(name):
    ctx = click.Context(main, info_name="otel-llm")
    assert COMMANDS[name][1] == main.get_command(ctx, name).get_short_help_str(limit=10_000)


def test_top_level_help_lists_every_command_without_importing_them():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from otel_llm_server.cli.main import COMMANDS, main\n"
        "out = CliRunner().invoke(main, ['--help']).output\n"
        "assert all(name in out for name in COMMANDS), out\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic', 'flask', 'otel_llm_server.cli.')))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "otel_llm_server.cli.main"


# What a command's --help must not load: the database layer, the console, statistics, provider SDKs.
# Each costs a user a visibly slow help (SQLAlchemy alone is about 0.2 s), and none is needed to
# print the options.
HEAVY = ("sqlalchemy", "alembic", "flask", "scipy", "openai", "anthropic")
_GROUP_HELP = """
import sys
import click
from click.testing import CliRunner
from otel_llm_server.cli.main import main

def helps(command, path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    if isinstance(command, click.Group):
        for name in command.list_commands(click.Context(command)):
            helps(command.get_command(click.Context(command), name), [*path, name])

helps(main.get_command(click.Context(main), sys.argv[1]), [sys.argv[1]])
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))))
"""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_group_and_command_help_load_no_database_layer(name):
    """`otel-llm GROUP --help` and `otel-llm GROUP CMD --help`, in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", _GROUP_HELP, name, *HEAVY], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"`otel-llm {name} … --help` imports {result.stdout.strip()}"


_READ = """
import sys
from otel_llm_server.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("sqlalchemy.dialects.postgresql" in sys.modules)
"""


@pytest.mark.parametrize("command", ["traces list", "prompts list", "experiments list", "projects list"])
def test_read_commands_on_sqlite_do_not_load_the_postgres_dialect(command, tmp_path):
    """~20 ms of every read command's start: the schema keeps Postgres-only index options and JSONB
    until a Postgres connection or a schema comparison needs them."""
    env = {**os.environ, "OTEL_LLM_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run(
        [sys.executable, "-c", _READ, *command.split()], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stdout + result.stderr
