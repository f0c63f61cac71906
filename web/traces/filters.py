"""Query-string → ``SpanFilter``, shared by the traces page and ``GET /api/v1/spans``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from otel_llm_server.web.errors import ApiError
from werkzeug.datastructures import MultiDict

from otel_llm.scores import ScoreError
from otel_llm.scores.listing import parse_selection
from otel_llm.traces import SORTS, STATUSES, SpanFilter

RANGES = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
TEXT_FIELDS = (
    "provider",
    "model",
    "prompt_name",
    "prompt_version",
    "experiment",
    "variant",
    "user",
    "session",
    "text",
)
SCORE_ARG = "score"  # score columns and conditions: "helpfulness>=4, exact" (otel_llm.scores.listing)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class ListQuery:
    """A parsed listing request: the filter plus sort, order, cursor and page size."""

    flt: SpanFilter
    sort: str = "time"
    descending: bool = True
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    args: dict[str, str] = field(default_factory=dict)  # the filter's own arguments, to build links


def parse_list_query(args: MultiDict, now: datetime | None = None) -> ListQuery:
    """``ApiError(400)`` with a sentence naming the bad argument on invalid input."""
    kept = {
        name: args.get(name, "").strip()
        for name in (*TEXT_FIELDS, "status", "range", "since", "until", SCORE_ARG)
    }
    kept = {k: v for k, v in kept.items() if v}
    since, until = _time_range(kept, now or datetime.now(UTC))
    status = kept.get("status", "").lower() or None
    if status and status not in STATUSES:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(STATUSES)}.")
    try:
        selected = parse_selection(kept.get(SCORE_ARG))
    except ScoreError as exc:
        raise ApiError(400, "bad_request", f"score: {exc}") from None
    flt = SpanFilter(
        since=since,
        until=until,
        status=status,
        scores=selected,
        **{name: kept.get(name) or None for name in TEXT_FIELDS},
    )
    sort = args.get("sort", "time")
    if sort not in SORTS:
        raise ApiError(400, "bad_request", f"sort must be one of {', '.join(SORTS)}.")
    order = args.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "bad_request", "order must be 'asc' or 'desc'.")
    return ListQuery(
        flt=flt,
        sort=sort,
        descending=order == "desc",
        cursor=args.get("cursor") or None,
        limit=_limit(args.get("limit")),
        args=kept,
    )


def _time_range(kept: dict[str, str], now: datetime) -> tuple[datetime | None, datetime | None]:
    preset = kept.get("range")
    if preset and preset not in RANGES and preset != "all":
        raise ApiError(400, "bad_request", f"range must be one of {', '.join(RANGES)} or all.")
    since = _parse_time(kept, "since")
    until = _parse_time(kept, "until")
    if since is None and preset in RANGES:
        since = now - RANGES[preset]
    if since and until and since >= until:
        raise ApiError(400, "bad_request", "'since' must be before 'until'.")
    return since, until


def _parse_time(kept: dict[str, str], name: str) -> datetime | None:
    raw = kept.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "bad_request", f"{name} must be an ISO 8601 time, e.g. 2026-11-27T14:00 (UTC if no offset)."
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _limit(raw: str | None) -> int:
    if not raw:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"limit must be a whole number from 1 to {MAX_LIMIT}.") from None
    if not 1 <= value <= MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return value


def parse_trace_query(args: MultiDict, now: datetime | None = None) -> ListQuery:
    """The same filters, for the traces listing (time order only: the keyset is the trace's start)."""
    if args.get("sort", "time") != "time":
        raise ApiError(400, "bad_request", "traces sort by start time only; use order=asc or desc.")
    return parse_list_query(args, now)
