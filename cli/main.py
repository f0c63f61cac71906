"""Entry point of the ``otel-llm`` command. Each area registers its commands here, one line each."""

from __future__ import annotations

import importlib
import logging

import click

# Command name → "module:attribute". Modules are imported only when their command runs (or for
# --help), so `otel-llm` starts fast. Each area adds its line here.
COMMANDS = {
    "collector": "cli.collector:collector",
    "db": "cli.db:db",
    "demo": "cli.demo:demo",
    "experiments": "cli.experiments:experiments",
    "feedback": "cli.feedback:feedback",
    "keys": "cli.projects:keys",
    "mock-llm": "cli.mockllm:mock_llm",
    "projects": "cli.projects:projects",
    "prompts": "cli.prompts:prompts",
    "replay": "cli.replay:replay",
    "traces": "cli.traces:traces",
    "users": "cli.users:users",
    "web": "cli.web:web",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url", envvar="OTEL_LLM_DATABASE_URL", help="Database URL [env: OTEL_LLM_DATABASE_URL]."
)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.version_option(package_name="otel-llm")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, verbose: bool) -> None:
    """otel-llm: prompt versions, model A/B experiments and trace replay for LLM apps.

    \b
    Example:
      otel-llm demo
      otel-llm traces list --model gpt-4o-mini
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    ctx.obj = {"database_url": database_url}
