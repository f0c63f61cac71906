"""The SQL that keeps ``prompt_rollups`` and ``prompt_latency`` exact (``schema_prompt_rollups``).

One definition of a span's rollup key and sums, used three ways: by the triggers on ``spans``
(created by migration ``0021_prompt_rollups``, and by any later migration that re-creates
``spans``), by that migration's backfill, and by ``rekey`` when a prompt version brings a hash the
project did not track yet.

- Postgres: statement-level ``AFTER INSERT`` / ``UPDATE`` / ``DELETE`` triggers over transition
  tables, as the overview's (``0018_overview_rollups``): one statement sums a statement's signed rows
  per key into both tables, in key order. An update subtracts the old rows and adds the new ones;
  keys whose sums do not change (an update of a column the rollups do not read) are not written.
- SQLite: the same per row (``AFTER UPDATE OF`` the columns read); latency buckets are looked up in
  ``overview_latency_edges``.

Racing a new hash: ``rekey`` runs in the transaction that creates the version and, on Postgres,
first takes ``SHARE`` on ``spans`` — it waits for transactions writing spans to commit and holds new
ones back until it commits, so each call is keyed once, either by its trigger (which then sees the
hash tracked) or by the rekey (which then sees the call). SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

SUMS = ("calls", "errors", "input_tokens", "input_n", "output_tokens", "output_n", "cost_n", "cost_usd")
KEY = "project_id, prompt_name, prompt_version, system_prompt_hash, prompt_hash, day"
# Columns an update must change for the rollups to change (SQLite's UPDATE OF).
READ_COLUMNS = (
    "project_id, start_time, duration_ms, status_code, is_llm, input_tokens, output_tokens, cost_usd, "
    "prompt_name, prompt_version, prompt_hash, system_prompt_hash, replay_of, evaluation"
)
EVENTS = ("insert", "update", "delete")


def _tracked(column: str, a: str) -> str:
    """The key's hash column: the span's hash when the call is untagged and the hash tracked."""
    return (
        f"CASE WHEN {a}prompt_version IS NULL AND EXISTS (SELECT 1 FROM prompt_rollup_hashes h "
        f"WHERE h.project_id = {a}project_id AND h.hash = {a}{column}) THEN {a}{column} ELSE '' END"
    )


def _counted(a: str) -> str:
    """App calls that carry something a version could link on."""
    return (
        f"{a}is_llm AND {a}replay_of IS NULL AND {a}evaluation IS NULL AND ({a}prompt_version IS NOT NULL "
        f"OR {a}system_prompt_hash IS NOT NULL OR {a}prompt_hash IS NOT NULL)"
    )


# --- Postgres: one statement over a set of signed rows --------------------------------------------
_PG_SQL = f"""
WITH keyed AS (
    SELECT s.sign, s.project_id, coalesce(s.prompt_name, '') AS prompt_name,
        coalesce(s.prompt_version, '') AS prompt_version,
        {_tracked("system_prompt_hash", "s.")} AS system_prompt_hash,
        {_tracked("prompt_hash", "s.")} AS prompt_hash,
        (floor(extract(epoch FROM s.start_time) / 86400) * 86400)::bigint AS day,
        s.status_code, s.duration_ms, s.input_tokens, s.output_tokens, s.cost_usd
    FROM ({{rows}}) s
    WHERE {_counted("s.")} AND s.project_id IN (SELECT id FROM projects)
), linked AS (
    SELECT * FROM keyed WHERE prompt_version <> '' OR system_prompt_hash <> '' OR prompt_hash <> ''
), sums AS (
    INSERT INTO prompt_rollups AS r ({KEY}, {", ".join(SUMS)})
    SELECT {KEY}, sum(sign), sum(sign * (status_code = 'ERROR')::int), sum(sign * coalesce(input_tokens, 0)),
        sum(sign * (input_tokens IS NOT NULL)::int), sum(sign * coalesce(output_tokens, 0)),
        sum(sign * (output_tokens IS NOT NULL)::int), sum(sign * (cost_usd IS NOT NULL)::int),
        coalesce(sum(sign * cost_usd), 0)
    FROM linked
    GROUP BY {KEY}
    HAVING sum(sign) <> 0 OR sum(sign * (status_code = 'ERROR')::int) <> 0
        OR sum(sign * coalesce(input_tokens, 0)) <> 0 OR sum(sign * (input_tokens IS NOT NULL)::int) <> 0
        OR sum(sign * coalesce(output_tokens, 0)) <> 0 OR sum(sign * (output_tokens IS NOT NULL)::int) <> 0
        OR sum(sign * (cost_usd IS NOT NULL)::int) <> 0 OR coalesce(sum(sign * cost_usd), 0) <> 0
    ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET {", ".join(f"{c} = r.{c} + excluded.{c}" for c in SUMS)}
    RETURNING 1
)
INSERT INTO prompt_latency AS r ({KEY}, bucket, count)
SELECT {KEY}, least(floor(ln(greatest(duration_ms, 0.01)) * 10)::int, 230) AS bucket, sum(sign)
FROM linked
WHERE duration_ms IS NOT NULL
GROUP BY {KEY}, 7
HAVING sum(sign) <> 0
ORDER BY {KEY}, 7
ON CONFLICT ({KEY}, bucket) DO UPDATE SET count = r.count + excluded.count
"""

_PG_SOURCES = {
    "insert": "SELECT 1 AS sign, * FROM new_rows",
    "update": "SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows",
    "delete": "SELECT -1 AS sign, * FROM old_rows",
}
_PG_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def pg_upsert(rows: str) -> str:
    """The statement that adds ``rows`` (a SELECT with a ``sign`` column, then every span column)."""
    return _PG_SQL.replace("{rows}", rows)


# --- SQLite: the same per row ---------------------------------------------------------------------
_SQLITE_KEYED = """{a}project_id, coalesce({a}prompt_name, ''), coalesce({a}prompt_version, ''),
    {sys}, {ph}, CAST(strftime('%s', {a}start_time) AS INTEGER) / 86400 * 86400"""


def sqlite_upsert(alias: str, sign: int, source: str = "") -> str:
    """Both upserts for row ``alias`` (NEW or OLD in a trigger), or for every row ``alias`` of
    ``source`` (a table or a parenthesised SELECT): SQLite's upsert takes a many-row SELECT row by
    row, so the backfill and ``rekey`` are the same SQL."""
    a = f"{alias}."
    sys_hash, prompt_hash = _tracked("system_prompt_hash", a), _tracked("prompt_hash", a)
    keyed = _SQLITE_KEYED.format(a=a, sys=sys_hash, ph=prompt_hash)
    where = (
        f"{_counted(a)} AND EXISTS (SELECT 1 FROM projects WHERE id = {a}project_id) "
        f"AND ({a}prompt_version IS NOT NULL OR ({sys_hash}) <> '' OR ({prompt_hash}) <> '')"
    )
    from_ = f"FROM {source} {alias} " if source else ""
    s = str(sign)
    sums = (
        f"{s}, {s} * ({a}status_code = 'ERROR'), {s} * coalesce({a}input_tokens, 0), "
        f"{s} * ({a}input_tokens IS NOT NULL), {s} * coalesce({a}output_tokens, 0), "
        f"{s} * ({a}output_tokens IS NOT NULL), {s} * ({a}cost_usd IS NOT NULL), {s} * coalesce({a}cost_usd, 0)"
    )
    bucket = (
        f"coalesce((SELECT e.bucket FROM overview_latency_edges e WHERE e.lower_ms <= {a}duration_ms "
        "ORDER BY e.lower_ms DESC LIMIT 1), -47)"
    )
    add = ", ".join(f"{c} = {c} + excluded.{c}" for c in SUMS)
    return (
        f"INSERT INTO prompt_rollups ({KEY}, {', '.join(SUMS)}) SELECT {keyed}, {sums} {from_}WHERE {where} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {add};\n"
        f"INSERT INTO prompt_latency ({KEY}, bucket, count) SELECT {keyed}, {bucket}, {s} {from_}"
        f"WHERE {where} AND {a}duration_ms IS NOT NULL "
        f"ON CONFLICT ({KEY}, bucket) DO UPDATE SET count = count + excluded.count;\n"
    )


# --- Triggers -------------------------------------------------------------------------------------
def trigger_statements(dialect: str) -> list[str]:
    """``CREATE`` statements of the triggers on ``spans`` (and on Postgres their functions)."""
    statements = []
    for event in EVENTS:
        if dialect == "postgresql":
            statements.append(
                f"CREATE FUNCTION otel_llm_prompt_rollup_{event}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{pg_upsert(_PG_SOURCES[event])};\nRETURN NULL;\nEND\n$$"
            )
            statements.append(
                f"CREATE TRIGGER otel_llm_prompt_rollup_{event} AFTER {event.upper()} ON spans "
                f"REFERENCING {_PG_TRANSITIONS[event]} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION otel_llm_prompt_rollup_{event}()"
            )
        else:
            body = {
                "insert": sqlite_upsert("NEW", 1),
                "update": sqlite_upsert("OLD", -1) + sqlite_upsert("NEW", 1),
                "delete": sqlite_upsert("OLD", -1),
            }[event]
            on = f"UPDATE OF {READ_COLUMNS}" if event == "update" else event.upper()
            statements.append(
                f"CREATE TRIGGER otel_llm_prompt_rollup_{event} AFTER {on} ON spans BEGIN\n{body}END"
            )
    return statements


def drop_statements(dialect: str) -> list[str]:
    statements = []
    for event in EVENTS:
        if dialect == "postgresql":
            statements.append(f"DROP TRIGGER otel_llm_prompt_rollup_{event} ON spans")
            statements.append(f"DROP FUNCTION otel_llm_prompt_rollup_{event}()")
        else:
            statements.append(f"DROP TRIGGER otel_llm_prompt_rollup_{event}")
    return statements


def backfill_statements(dialect: str) -> list[str]:
    """Roll up every stored span (the migration, after tracking every version's hash)."""
    if dialect == "postgresql":
        return [pg_upsert("SELECT 1 AS sign, * FROM spans")]
    return [s for s in sqlite_upsert("s", 1, source="spans").split(";\n") if s.strip()]


# --- A new hash -----------------------------------------------------------------------------------
def track(connection: Connection, project_id: int, hash_: str) -> bool:
    """Track ``hash_`` for the project's rollups, re-keying the untagged calls already stored with it
    (subtracted under their old key, added under the new one). False when it was tracked already.
    Runs in the caller's transaction (the one creating the version)."""
    params = {"p": project_id, "h": hash_}
    tracked = text("SELECT 1 FROM prompt_rollup_hashes WHERE project_id = :p AND hash = :h")
    if connection.execute(tracked, params).first():
        return False
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("LOCK TABLE spans IN SHARE MODE"))
        if connection.execute(tracked, params).first():
            return False
    matching = (
        "SELECT {sign} AS sign, * FROM spans WHERE project_id = :p AND prompt_version IS NULL "
        "AND (system_prompt_hash = :h OR prompt_hash = :h)"
    )
    for sign in (-1, 1):
        if sign == 1:
            connection.execute(
                text("INSERT INTO prompt_rollup_hashes (project_id, hash) VALUES (:p, :h)"), params
            )
        if postgres:
            connection.execute(text(pg_upsert(matching.format(sign=sign))), params)
            continue
        source = f"({matching.format(sign=sign)})"
        for statement in sqlite_upsert("s", sign, source=source).split(";\n"):
            if statement.strip():
                connection.execute(text(statement), params)
    return True


def forget_day(connection: Connection, start: int) -> None:
    """Drop the rollups of the UTC day starting at ``start`` (Unix seconds): its partition is gone."""
    for table in ("prompt_rollups", "prompt_latency"):
        connection.execute(text(f"DELETE FROM {table} WHERE day = :day"), {"day": start})
