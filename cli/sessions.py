"""``otel-llm sessions``: conversations (traces sharing a conversation id) and their turns.

Not the console's sign-in sessions: these are the app's conversations, from
``with otel_llm.session("conv-42", user_id="u-7"):`` or another instrumentation's ``session.id``.
"""

from __future__ import annotations

import click
from otel_llm_server.cli import output
from otel_llm_server.cli.dbcheck import migrated_engine
from otel_llm_server.cli.traces import _project_id, _since_type

# The conversations service (and SQLAlchemy) is imported by each command, so that --help stays fast.

_safe = output.safe
_PROJECT = click.option("--project", help="Project [env: OTEL_LLM_PROJECT, default: default].")


@click.group()
def sessions() -> None:
    """Conversations: the traces that share a conversation id, in order.

    \b
    Example:
      otel-llm sessions list --user u-7
      otel-llm sessions show conv-42
    """


@sessions.command("list")
@_PROJECT
@click.option("--user", help="Only conversations of this end user.")
@click.option(
    "--since", type=_since_type, help="Only activity since: 30m, 12h, 7d or an ISO date/time (UTC)."
)
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--cursor", help="Continue after a previous page (printed at its end).")
@output.JSON_OPTION
@click.pass_context
def list_command(ctx, project, user, since, limit, cursor, as_json) -> None:
    """List conversations, the most recently active first, with totals and scores.

    \b
    Example:
      otel-llm sessions list
      otel-llm sessions list --user u-7 --since 7d
      otel-llm sessions list --json
    """
    from otel_llm.conversations import ConversationFilter, InvalidCursor, list_conversations

    engine = migrated_engine(ctx)
    flt = ConversationFilter(user=user, since=since)
    try:
        page = list_conversations(engine, _project_id(engine, project), flt, cursor=cursor, limit=limit)
    except InvalidCursor as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        output.print_json({"items": [c.to_dict() for c in page.items], "next_cursor": page.next_cursor})
        return
    if not page.items:
        click.echo(
            "No sessions yet. Wrap each conversation in `with otel_llm.session(conversation_id, user_id=...)`."
        )
        return
    click.echo(
        f"{'SESSION':<24} {'USER':<16} {'LAST (UTC)':<20} {'TURNS':>5} {'CALLS':>5} "
        f"{'TOKENS':>8} {'COST $':>10} {'ERR':>4}  SCORES"
    )
    for c in page.items:
        click.echo(
            _safe(
                f"{c.session_id[:24]:<24} {(c.user_id or '-')[:16]:<16} {output.iso(c.last_time):<20} "
                f"{c.turns:>5} {c.llm_calls:>5} {c.tokens:>8} {_cost(c.cost_usd):>10} {c.errors:>4}  "
                + _scores(c.scores)
            )
        )
    if page.next_cursor:
        click.echo(f"More: otel-llm sessions list --cursor {page.next_cursor} (same filters)")


@sessions.command("show")
@click.argument("session_id")
@_PROJECT
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True, help="Turns per page.")
@click.option("--cursor", help="Continue after a previous page of turns (printed at its end).")
@output.JSON_OPTION
@click.pass_context
def show(ctx, session_id, project, limit, cursor, as_json) -> None:
    """Show one conversation: its totals, then each turn (a trace) in order with the user's input,
    the answer, duration, cost and scores.

    \b
    Example:
      otel-llm sessions show conv-42
      otel-llm sessions show conv-42 --json
    """
    from otel_llm.conversations import ConversationNotFound, InvalidCursor, get_conversation, list_turns

    engine = migrated_engine(ctx)
    project_id = _project_id(engine, project)
    try:
        summary = get_conversation(engine, project_id, session_id)
        turns = list_turns(engine, project_id, session_id, cursor=cursor, limit=limit)
    except (ConversationNotFound, InvalidCursor) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        output.print_json(
            {
                **summary.to_dict(),
                "turns_page": {"items": [t.to_dict() for t in turns.items], "next_cursor": turns.next_cursor},
            }
        )
        return
    click.echo(_safe(f"Session {summary.session_id}  user {summary.user_id or '-'}"))
    click.echo(
        f"{output.iso(summary.first_time)} – {output.iso(summary.last_time)}  {summary.turns} turns, "
        f"{summary.llm_calls} LLM calls, {summary.tokens} tokens, ${_cost(summary.cost_usd)}, "
        f"{summary.errors} errors"
    )
    if summary.scores:
        click.echo(_safe(f"Scores: {_scores(summary.scores)}"))
    for t in turns.items:
        click.echo("")
        click.echo(
            _safe(
                f"#{t.number} {output.iso(t.start_time)}  {t.root_name}  trace {t.trace_id}  "
                f"{t.duration_ms:.0f} ms, {t.llm_calls} calls, {t.tokens} tokens, ${_cost(t.cost_usd)}"
                + (f", {t.errors} errors" if t.errors else "")
            )
        )
        click.echo(_safe(f"  user:   {_line(t.user_input)}"))
        click.echo(_safe(f"  answer: {_line(t.answer)}"))
        if t.scores:
            click.echo(_safe(f"  scores: {_scores(t.scores)}"))
    if turns.next_cursor:
        click.echo(f"\nMore: otel-llm sessions show {session_id} --cursor {turns.next_cursor}")


def _cost(value: float | None) -> str:
    return f"{value:.6f}" if value is not None else "-"


def _scores(summaries) -> str:
    return "  ".join(f"{s.name}={s.display()}" for s in summaries)


def _line(text: str | None, width: int = 200) -> str:
    flat = " ".join((text or "-").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
