"""Entry point of the ``otel-llm`` command. Each area registers its commands here, one line each."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from otel_llm.extras import MissingExtra, extra_for

# Command name → ("module:attribute", summary). Modules are imported only when their command runs
# (or for its own --help); `otel-llm --help` lists the summaries without importing any, so it starts
# fast. The summary is the first line of the command's help (a test keeps them equal). Each area
# adds its line here.
COMMANDS = {
    "collector": (
        "otel_llm_server.cli.collector:collector",
        "Receive spans over OTLP/HTTP (protobuf or JSON) and store them like the in-app exporter.",
    ),
    "datasets": (
        "otel_llm_server.cli.datasets:datasets_group",
        "Versioned test datasets: from JSONL/CSV files or stored spans, for experiments and evaluations.",
    ),
    "db": ("otel_llm_server.cli.db:db", "Create and upgrade the database schema."),
    "demo": (
        "otel_llm_server.cli.demo:demo",
        "Run a sample app against the local provider, store a week of its spans, and serve the console.",
    ),
    "eval": (
        "otel_llm_server.cli.evaluate:evaluate",
        "Evaluate variants on a dataset with evaluators; results with paired significance; a CI gate.",
    ),
    "experiments": (
        "otel_llm_server.cli.experiments:experiments",
        "Compare models: create experiments, run them, read results with significance.",
    ),
    "feedback": ("otel_llm_server.cli.feedback:feedback", "Feedback scores on spans and traces."),
    "keys": (
        "otel_llm_server.cli.projects:keys",
        "Create, list and revoke API keys (for the console API and the OTLP collector).",
    ),
    "mcp": (
        "otel_llm_server.cli.mcp:mcp",
        "Serve the MCP server: stored calls, traces, prompts, experiments and replays as tools for agents.",
    ),
    "mock-llm": (
        "otel_llm_server.cli.mockllm:mock_llm",
        "Serve a local LLM provider: OpenAI chat completions + responses, Anthropic messages, Gemini.",
    ),
    "prices": (
        "otel_llm_server.cli.prices:prices",
        "Model prices: look one up, set the project's own, reprice stored spans, list missing ones.",
    ),
    "projects": (
        "otel_llm_server.cli.projects:projects",
        "Create and list projects (each app or team stores its spans in one).",
    ),
    "prompts": (
        "otel_llm_server.cli.prompts:prompts",
        "Prompt versions: create, publish, label, diff, roll back, and per-version stats.",
    ),
    "replay": (
        "otel_llm_server.cli.replay:replay",
        "Replay stored LLM calls, alone or in batches, with overrides, and diff the outcome.",
    ),
    "scores": (
        "otel_llm_server.cli.scores:scores_group",
        "Scores on spans and traces: declare them, add them, list them.",
    ),
    "sessions": (
        "otel_llm_server.cli.sessions:sessions",
        "Conversations: the traces that share a conversation id, in order.",
    ),
    "traces": ("otel_llm_server.cli.traces:traces", "Browse stored traces and LLM spans."),
    "users": ("otel_llm_server.cli.users:users", "Console accounts: create, list, change roles, remove."),
    "webhooks": (
        "otel_llm_server.cli.webhooks:webhooks",
        "Webhooks: signed POSTs to your URLs when prompt versions are created, labels move, versions are archived.",
    ),
    "worker": (
        "otel_llm_server.cli.worker:worker",
        "Apply online evaluation rules: judge a share of new production spans, within daily caps.",
    ),
    "web": (
        "otel_llm_server.cli.web:web",
        "Serve the console (traces, overview, prompts, experiments, replays, settings) and /api/v1.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = entry[0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context):
        """Run the command; a missing optional dependency is named with the pip line that adds it, and a
        database error the command lets through becomes one line, not a traceback."""
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            extra = extra_for(exc.name)
            if extra is None:
                raise
            if isinstance(exc, MissingExtra):
                raise click.ClickException(str(exc)) from exc
            command = f"otel-llm {ctx.invoked_subcommand}" if ctx.invoked_subcommand else "otel-llm"
            raise click.ClickException(
                f"{command} needs {exc.name}, not installed here: pip install 'otel-llm[{extra}]'"
            ) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if "sqlalchemy" not in sys.modules:  # no database was touched: a bug, keep the traceback
                raise
            from otel_llm_server.cli.db import database_url
            from otel_llm_server.cli.dbcheck import is_database_error, unavailable

            if not is_database_error(exc):
                raise
            raise unavailable(database_url(ctx), exc) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from the summaries in ``COMMANDS`` (no command module imported)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMANDS:
                rows.append((name, _shorten(COMMANDS[name][1], limit)))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with "..." as click does."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 3, 1)].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "..."


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
