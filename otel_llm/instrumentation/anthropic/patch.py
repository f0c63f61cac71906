"""Patch factories for the ``anthropic`` SDK, one per wrapped method."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from otel_llm.instrumentation.anthropic.messages import BetaMessagesHandler, MessagesHandler
from otel_llm.instrumentation.common.patching import result_types
from otel_llm.instrumentation.common.telemetry import Telemetry
from otel_llm.instrumentation.common.wrap import (
    async_call,
    async_stream_manager,
    raw_stream_hook,
    sync_call,
    sync_stream_manager,
)

MESSAGES = "anthropic.resources.messages.messages"
BETA_MESSAGES = "anthropic.resources.beta.messages.messages"

_MESSAGES = MessagesHandler()
_BETA_MESSAGES = BetaMessagesHandler()


class _Never:
    """Stands for a class the SDK does not have (anthropic has no legacy raw response)."""


def sdk_types() -> SimpleNamespace:
    import anthropic
    from anthropic import _response

    return result_types(
        stream=anthropic.Stream,
        async_stream=anthropic.AsyncStream,
        legacy_response=_Never,
        api_response=_response.APIResponse,
        async_api_response=_response.AsyncAPIResponse,
    )


def messages_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _MESSAGES, sdk)


def async_messages_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _MESSAGES, sdk)


def messages_parse(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _MESSAGES, sdk)


def async_messages_parse(t: Telemetry, sdk) -> Callable:
    return async_call(t, _MESSAGES, sdk)


def messages_stream(t: Telemetry, sdk) -> Callable:
    return sync_stream_manager(t, _MESSAGES, raw_stream_hook())


def async_messages_stream(t: Telemetry, sdk) -> Callable:
    return async_stream_manager(t, _MESSAGES, raw_stream_hook())


def beta_messages_create(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _BETA_MESSAGES, sdk)


def async_beta_messages_create(t: Telemetry, sdk) -> Callable:
    return async_call(t, _BETA_MESSAGES, sdk)


def beta_messages_parse(t: Telemetry, sdk) -> Callable:
    return sync_call(t, _BETA_MESSAGES, sdk)


def async_beta_messages_parse(t: Telemetry, sdk) -> Callable:
    return async_call(t, _BETA_MESSAGES, sdk)


def beta_messages_stream(t: Telemetry, sdk) -> Callable:
    return sync_stream_manager(t, _BETA_MESSAGES, raw_stream_hook())


def async_beta_messages_stream(t: Telemetry, sdk) -> Callable:
    return async_stream_manager(t, _BETA_MESSAGES, raw_stream_hook())


PATCHES = (
    (MESSAGES, "Messages", "create", messages_create),
    (MESSAGES, "AsyncMessages", "create", async_messages_create),
    (MESSAGES, "Messages", "parse", messages_parse),
    (MESSAGES, "AsyncMessages", "parse", async_messages_parse),
    (MESSAGES, "Messages", "stream", messages_stream),
    (MESSAGES, "AsyncMessages", "stream", async_messages_stream),
    (BETA_MESSAGES, "Messages", "create", beta_messages_create),
    (BETA_MESSAGES, "AsyncMessages", "create", async_beta_messages_create),
    (BETA_MESSAGES, "Messages", "parse", beta_messages_parse),
    (BETA_MESSAGES, "AsyncMessages", "parse", async_beta_messages_parse),
    (BETA_MESSAGES, "Messages", "stream", beta_messages_stream),
    (BETA_MESSAGES, "AsyncMessages", "stream", async_beta_messages_stream),
)
