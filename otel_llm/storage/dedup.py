"""One call, one stored span: duplicate spans are dropped before storage, their children re-parented.

A model call may be described by several spans: ours, another instrumentation's (official GenAI,
OpenInference, OpenLLMetry) and the SDK's own (the Anthropic SDK's native spans). ``LLMSpanProcessor``
marks all but one ``otel_llm.duplicate`` as they start (ours is kept when present, else the
outermost). Before a batch is stored, ``resolve``:

- drops the marked spans, and, among spans nobody marked (OTLP from an app without our processor),
  a model-call span whose parent in the same batch is a model-call span of the same call (the outer
  one is kept, unless the inner one is ours);
- points each kept span whose parent was dropped at the dropped span's nearest kept ancestor. Spans
  dropped in recent batches are remembered (a bounded map per process), for children exported after
  their duplicate parent;
- returns, for children stored in earlier batches (a child usually ends, and is exported, before its
  parent), the moves that ``reparent_stored`` applies in the same transaction;
- without our processor, spans exported one by one: the inner span of a call, stored first, is
  deleted when its outer span arrives (``_stored_inner_calls``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from otel_llm import attributes as attrs
from otel_llm.storage.foreign import provider_name
from otel_llm.storage.normalize import SpanRecord

if TYPE_CHECKING:
    from sqlalchemy import Connection

CALL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
_PROVIDER_NAMES = (attrs.GEN_AI_PROVIDER_NAME, attrs.GEN_AI_SYSTEM, "llm.provider", "llm.system")
_REMEMBERED = 10_000
_MAX_HOPS = 64

Key = tuple[str, str]  # (trace id, span id)


@dataclass
class Moves:
    """Changes to spans already stored: the parent the children of each dropped span get, and
    stored spans found to duplicate a newer one (``stale``, deleted)."""

    parents: dict[Key, str | None] = field(default_factory=dict)
    stale: list[Key] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.parents or self.stale)


_lock = threading.Lock()
# Both keyed by project too: spans dropped recently -> their parent; stored model-call spans of
# apps without our processor, by (trace, parent) -> (span id, provider).
_recent: OrderedDict[tuple[object, str, str], str | None] = OrderedDict()
_calls: OrderedDict[tuple[object, str, str], tuple[str, str | None]] = OrderedDict()


def provider_of(attributes: Mapping[str, Any]) -> str | None:
    """The provider a span names, as the conventions spell it."""
    for name in _PROVIDER_NAMES:
        value = attributes.get(name)
        if value:
            return provider_name(value)
    return None


def same_call(attributes: Mapping[str, Any], provider: str | None) -> bool:
    """A model-call span (not e.g. an agent span) whose provider, if it names one, is ``provider``."""
    is_call = (
        str(attributes.get(attrs.GEN_AI_OPERATION_NAME)) in CALL_OPERATIONS  # stored data: any type
        or attributes.get(attrs.OPENINFERENCE_SPAN_KIND) == "LLM"
        or attributes.get("llm.request.type") in ("chat", "completion")  # older OpenLLMetry
    )
    other = provider_of(attributes)
    return is_call and (other is None or provider is None or _namespace(other) == _namespace(provider))


def _namespace(provider: str) -> str:
    """``gcp.gemini`` and ``gcp.gen_ai`` (another instrumentation's name for either Google backend)
    are one provider here; names without a namespace stand for themselves."""
    return provider.split(".", 1)[0]


def resolve(records: Sequence[SpanRecord], project: object) -> tuple[list[SpanRecord], Moves]:
    """The records of ``project`` (its id or name) to store (duplicates dropped, parents re-pointed
    past them) and what to change in spans already stored."""
    dropped = _duplicates(records)
    with _lock:
        for (trace_id, span_id), parent in dropped.items():
            _remember(_recent, (project, trace_id, span_id), parent)
        known = _Known(project, dropped)
        moves = Moves({key: known.kept_ancestor(key[0], parent) for key, parent in dropped.items()})
        kept = [known.reparented(r) for r in records if (r.trace_id, r.span_id) not in dropped]
        _stored_inner_calls(kept, project, moves)
    return kept, moves


def reparent_stored(connection: Connection, project_id: int, moves: Moves) -> None:
    """Delete the stored spans ``resolve`` found to be duplicates, and point stored children of
    dropped spans at the parents it chose."""
    # SQLAlchemy here only: the span processor imports this module for provider_of and same_call,
    # and an app's (or a command's) instrumentation must not load the database layer for them.
    from sqlalchemy import bindparam, delete, update

    from otel_llm.storage.schema import spans

    key = (spans.c.project_id == project_id, spans.c.trace_id == bindparam("b_trace"))
    if moves.stale:
        stale = delete(spans).where(*key, spans.c.span_id == bindparam("b_span"))
        connection.execute(stale, [{"b_trace": t, "b_span": s} for t, s in moves.stale])
    if moves.parents:
        where = (*key, spans.c.parent_span_id == bindparam("b_old"))
        moved = update(spans).where(*where).values(parent_span_id=bindparam("b_new"))
        params = [{"b_trace": t, "b_old": s, "b_new": new} for (t, s), new in moves.parents.items()]
        connection.execute(moved, params)


def _remember(memory: OrderedDict, key: Any, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > _REMEMBERED:
        memory.popitem(last=False)


def _stored_inner_calls(kept: list[SpanRecord], project: object, moves: Moves) -> None:
    """Spans of one call exported one by one by an app without our processor: the inner one (the
    SDK's, inside an instrumentation's) arrives and is stored first. When its outer span arrives,
    the stored inner one is deleted and its children moved under the outer one. Only spans outside
    experiments are remembered as inner candidates, so the rollups never count a deleted span."""
    for record in kept:
        if not same_call(record.attributes, None) or record.attributes.get(attrs.DUPLICATE):
            continue
        inner = _calls.pop((project, record.trace_id, record.span_id), None)
        if inner is not None and same_call(record.attributes, inner[1]):
            moves.stale.append((record.trace_id, inner[0]))
            moves.parents[(record.trace_id, inner[0])] = record.span_id
            _remember(_recent, (project, record.trace_id, inner[0]), record.span_id)
    in_batch = {(r.trace_id, r.span_id) for r in kept}
    for record in kept:
        a = record.attributes
        if (
            record.parent_span_id
            and (record.trace_id, record.parent_span_id) not in in_batch
            and record.scope_name != attrs.OUR_SCOPE
            and not a.get(attrs.EXPERIMENT)
            and not a.get(attrs.DUPLICATE)
            and same_call(a, None)
        ):
            _remember(
                _calls, (project, record.trace_id, record.parent_span_id), (record.span_id, provider_of(a))
            )


def _duplicates(records: Sequence[SpanRecord]) -> dict[Key, str | None]:
    """Dropped span -> its parent: spans marked duplicate, and same-call pairs in the batch."""
    dropped = {
        (r.trace_id, r.span_id): r.parent_span_id for r in records if r.attributes.get(attrs.DUPLICATE)
    }
    by_id = {(r.trace_id, r.span_id): r for r in records}
    for record in records:
        parent = by_id.get((record.trace_id, record.parent_span_id or ""))
        if parent is None or (record.trace_id, record.span_id) in dropped or not _nested_call(parent, record):
            continue
        inner_is_ours = record.scope_name == attrs.OUR_SCOPE and parent.scope_name != attrs.OUR_SCOPE
        drop = parent if inner_is_ours else record
        dropped.setdefault((drop.trace_id, drop.span_id), drop.parent_span_id)
    return dropped


def _nested_call(outer: SpanRecord, inner: SpanRecord) -> bool:
    if outer.attributes.get(attrs.DUPLICATE):
        return False
    return same_call(outer.attributes, None) and same_call(inner.attributes, provider_of(outer.attributes))


class _Known:
    """Spans dropped in this batch and, for the same project, in recent ones (caller holds ``_lock``)."""

    def __init__(self, project: object, dropped: Mapping[Key, str | None]) -> None:
        self.project = project
        self.dropped = dropped

    def kept_ancestor(self, trace_id: str, parent: str | None) -> str | None:
        for _ in range(_MAX_HOPS):
            key = (trace_id, parent or "")
            if key in self.dropped:
                parent = self.dropped[key]
            elif (self.project, *key) in _recent:
                parent = _recent[(self.project, *key)]
            else:
                break
        return parent

    def reparented(self, record: SpanRecord) -> SpanRecord:
        parent = self.kept_ancestor(record.trace_id, record.parent_span_id)
        return record if parent == record.parent_span_id else replace(record, parent_span_id=parent)
