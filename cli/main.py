"""Entry point of the ``otel-llm`` command. Each area registers its commands here, one line each."""

from __future__ import annotations

import logging

import click

from cli import collector as collector_commands
from cli import db as db_commands
from cli import demo as demo_commands
from cli import experiments as experiment_commands
from cli import feedback as feedback_commands
from cli import mockllm as mockllm_commands
from cli import projects as project_commands
from cli import prompts as prompt_commands
from cli import replay as replay_commands
from cli import traces as traces_commands
from cli import users as users_commands
from cli import web as web_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


main.add_command(db_commands.db)
main.add_command(collector_commands.collector)
main.add_command(demo_commands.demo)
main.add_command(mockllm_commands.mock_llm)
main.add_command(users_commands.users)
main.add_command(web_commands.web)
main.add_command(prompt_commands.prompts)
main.add_command(experiment_commands.experiments)
main.add_command(feedback_commands.feedback)
main.add_command(traces_commands.traces)
main.add_command(project_commands.projects)
main.add_command(project_commands.keys)
main.add_command(replay_commands.replay)
