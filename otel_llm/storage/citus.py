"""Citus: the rollup triggers' functions rewritten so that Citus can run them (``otel-llm db citus``).

Every statement-level trigger on ``spans`` and ``scores`` reads its transition tables (``new_rows``,
``old_rows``, ``new_scores``, ``old_scores``) in the same query as a distributed table, which Citus
cannot execute (``executor could not find named tuplestore "new_rows"``). The Citus variant of such a
function first reads each transition table into ``jsonb``, in a query that touches no Citus table,
then runs the same statements over ``jsonb_populate_recordset(NULL::<table>, …)`` instead of the
transition table. Plain Postgres keeps the original functions: the round trip costs every write.

The variant is derived from the function's current definition (``pg_get_functiondef``), not rebuilt
from the migrations' SQL constants: the triggers are found in the catalog (every trigger that has a
transition table), so a later migration's change to a function, or a new trigger, is rewritten as
installed instead of replaced by a stale copy. The rewrite only replaces ``FROM``/``JOIN`` of a
transition table; any other use of its name is refused (``CitusError``) rather than guessed at, and
Postgres checks the rewritten function when it is created. A rewritten function carries
``MARKER``, so running it again changes nothing. A later ``otel-llm db upgrade`` that re-creates a
function brings the plain one back; run ``otel-llm db citus`` again after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

MARKER = "-- otel-llm citus variant: transition tables read into jsonb first"

_TRIGGERS_SQL = """
SELECT DISTINCT p.oid::regprocedure::text AS function, t.tgrelid::regclass::text AS tbl,
    t.tgnewtable AS new_table, t.tgoldtable AS old_table
FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND t.tgparentid = 0
    AND (t.tgnewtable IS NOT NULL OR t.tgoldtable IS NOT NULL) {not_shard}
ORDER BY 1
"""
# On Citus, the triggers' copies on the shards placed on this node are left out (same functions).
_NOT_SHARD = (
    "AND t.tgrelid::regclass::text NOT IN (SELECT shard_name(logicalrelid, shardid) FROM pg_dist_shard)"
)
# Words that may follow a FROM item without being its alias (reserved and join keywords).
_NOT_ALIAS = {
    "where", "group", "having", "window", "order", "limit", "offset", "fetch", "for", "union",
    "intersect", "except", "on", "using", "cross", "join", "inner", "left", "right", "full",
    "natural", "lateral", "returning", "into", "as", "tablesample", "with", "and", "or", "then",
}  # fmt: skip


class CitusError(ValueError):
    """The database cannot be prepared for Citus."""


class CitusMissing(CitusError):
    """The ``citus`` extension is not installed in the database."""


@dataclass(frozen=True)
class Rewritten:
    function: str  # e.g. otel_llm_overview_insert()
    table: str  # the table whose trigger calls it
    transition_tables: tuple[str, ...]
    changed: bool  # False when it already was the Citus variant


def citus_installed(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first()
    return found is not None


def install_variants(engine: Engine, require_citus: bool = True) -> list[Rewritten]:
    """Replace every statement-level trigger function that reads a transition table with its Citus
    variant, in one transaction; returns each function, changed or already done.
    ``require_citus=False`` installs them on plain Postgres (tests)."""
    with engine.begin() as connection:
        if require_citus and not citus_installed(connection):
            raise CitusMissing(
                "the citus extension is not installed in this database (CREATE EXTENSION citus on a "
                "Citus coordinator first); plain Postgres keeps the original triggers"
            )
        on_citus = citus_installed(connection)
        if on_citus:  # CREATE FUNCTION is propagated to the workers
            connection.execute(text("SET LOCAL citus.enable_unsafe_triggers = on"))
        triggers = _TRIGGERS_SQL.format(not_shard=_NOT_SHARD if on_citus else "")
        done = []
        for function, table, new, old in connection.execute(text(triggers)).all():
            names = tuple(n for n in (new, old) if n)
            definition = connection.execute(
                text("SELECT pg_get_functiondef(CAST(:f AS regprocedure))"), {"f": function}
            ).scalar_one()
            if MARKER in definition:
                done.append(Rewritten(function, table, names, changed=False))
                continue
            connection.exec_driver_sql(citus_variant(definition, table, names))
            done.append(Rewritten(function, table, names, changed=True))
        return done


def citus_variant(definition: str, table: str, transition_tables: tuple[str, ...]) -> str:
    """``definition`` (``pg_get_functiondef`` of a plpgsql trigger function) with each transition
    table read into a jsonb variable first and used through ``jsonb_populate_recordset``."""
    head, sep, rest = definition.partition("AS $function$\n")
    body, end, tail = rest.rpartition("$function$")
    if not sep or not end or "LANGUAGE plpgsql" not in head:
        raise CitusError(f"cannot rewrite {_name(definition)}: not a plpgsql function as expected")
    declarations = []
    for name in transition_tables:
        body = _replace_reads(body, name, f"jsonb_populate_recordset(NULL::{table}, _{name})", definition)
        declarations.append(f"    _{name} jsonb := (SELECT coalesce(jsonb_agg(t), '[]') FROM {name} t);\n")
    if not re.match(r"\s*(DECLARE|BEGIN)\b", body, re.IGNORECASE):
        raise CitusError(f"cannot rewrite {_name(definition)}: its body does not start with DECLARE or BEGIN")
    # plpgsql accepts a repeated DECLARE, so this goes in front of the body's own declarations.
    return f"{head}{sep}{MARKER}\nDECLARE\n{''.join(declarations)}{body}{end}{tail}"


def _replace_reads(body: str, name: str, source: str, definition: str) -> str:
    pattern = re.compile(
        rf"\b(FROM|JOIN)(\s+){name}\b(?!\.)(\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?", re.IGNORECASE
    )

    def replace(match: re.Match[str]) -> str:
        alias = match.group(4)
        if alias is not None and alias.lower() not in _NOT_ALIAS:  # keep the query's own alias
            return f"{match.group(1)}{match.group(2)}{source}{match.group(3)}"
        following = match.group(3) or ""
        return f"{match.group(1)}{match.group(2)}{source} AS {name}{following}"

    rewritten = pattern.sub(replace, body)
    leftover = re.sub(rf"\bAS {name}\b", "", rewritten)
    if re.search(rf"(?<![_.]){name}\b(?!\.)", leftover):
        raise CitusError(
            f"cannot rewrite {_name(definition)}: it uses transition table {name} other than in FROM or JOIN"
        )
    return rewritten


def _name(definition: str) -> str:
    match = re.search(r"FUNCTION\s+(\S+\(\))", definition)
    return match.group(1) if match else "a trigger function"
