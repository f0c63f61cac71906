"""Every `otel-llm` command answers --help with an example, as the brief promises."""

import click
import pytest
from click.testing import CliRunner

from cli.main import COMMANDS, main


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
