"""Prompt metrics' rollups: app calls linked to prompts, summed per UTC day and link key, with their
latencies counted in the overview's log-spaced buckets (``otel_llm/prompts/metrics.py`` reads them).

A span links to a version by its tags (``prompt_name`` + ``prompt_version``) or, untagged, by a hash
equal to a version's ``version_hash`` (``otel_llm/prompts/metrics.py`` says which). The key keeps
what that needs: ``prompt_name`` (``''`` when absent), ``prompt_version`` (``''`` when untagged) and,
for untagged calls only, ``system_prompt_hash`` and ``prompt_hash`` — each kept only when it is a
*tracked* hash (``prompt_rollup_hashes``: every ``version_hash`` the project's prompts have had),
else ``''``. So apps whose system prompts differ on every call add no row per call; an untagged call
with no tracked hash is not rolled up at all (no version can claim it).

Triggers on ``spans`` (created by migration ``0021_prompt_rollups``; their SQL is
``otel_llm/storage/prompt_rollups.py``) keep both tables exact as spans are written, updated and
deleted. A new
``version_hash`` is tracked when the version is created, and the untagged calls already stored with
that hash are re-keyed then (``prompt_rollups.track``). Only app traffic counts: LLM calls
that are neither replays nor evaluation calls. After deletes a row may hold zeros.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Integer, PrimaryKeyConstraint, String, Table

from otel_llm.storage.schema_core import metadata

KEY = ("project_id", "prompt_name", "prompt_version", "system_prompt_hash", "prompt_hash", "day")


def _key() -> list[Column]:
    return [
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        Column("prompt_name", String(200), nullable=False),
        Column("prompt_version", String(32), nullable=False),
        Column("system_prompt_hash", String(64), nullable=False),
        Column("prompt_hash", String(64), nullable=False),
        Column("day", BigInteger, nullable=False),  # Unix seconds of the UTC day's start
    ]


prompt_rollups = Table(
    "prompt_rollups",
    metadata,
    *_key(),
    *[
        Column(name, BigInteger, nullable=False)
        for name in ("calls", "errors", "input_tokens", "input_n", "output_tokens", "output_n", "cost_n")
    ],
    Column("cost_usd", Float, nullable=False),  # sum of the known costs; cost_n of them
    PrimaryKeyConstraint(*KEY, name="pk_prompt_rollups"),
)

prompt_latency = Table(
    "prompt_latency",
    metadata,
    *_key(),
    Column("bucket", Integer, nullable=False),  # as overview_latency's buckets
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint(*KEY, "bucket", name="pk_prompt_latency"),
)

prompt_rollup_hashes = Table(
    "prompt_rollup_hashes",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("project_id", "hash", name="pk_prompt_rollup_hashes"),
)
