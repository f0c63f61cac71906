"""Errors of the replay service. Each message is a sentence a user can act on."""

from __future__ import annotations


class ReplayError(Exception):
    """A replay that cannot be made as asked (bad input, span not replayable)."""


class SpanNotFound(ReplayError):
    def __init__(self, span_id: str):
        super().__init__(
            f"no stored span {span_id!r} in this project; list spans with `otel-llm traces list`."
        )


class NotReplayable(ReplayError):
    """The stored span does not hold what is needed to send its request again."""


class InvalidOverride(ReplayError):
    """An override that cannot be applied (unknown provider, out-of-range value, missing prompt...)."""


CAPTURE_HINT = (
    "set OTEL_LLM_CAPTURE_CONTENT=true (or pass capture_content=True to otel_llm.configure()) in the "
    "app, then replay a span recorded after that"
)
