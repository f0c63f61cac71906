"""Generic wrapt wrappers: span around one SDK method call, made current only during the call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import wrapt
from opentelemetry import context as otel_context

from otel_llm.instrumentation.common import record
from otel_llm.instrumentation.common.call import Handler, LLMCall, start_call
from otel_llm.instrumentation.common.streams import AsyncStreamProxy, StreamProxy, wrap_result
from otel_llm.instrumentation.common.telemetry import Telemetry

logger = logging.getLogger(__name__)


def sync_call(telemetry: Telemetry, handler: Handler, sdk) -> Callable:
    """Wrapper of a sync SDK method that sends one request (``create``, ``parse``)."""

    def wrapper(wrapped, instance, args, kwargs):
        call = start_call(telemetry, handler, kwargs, bool(kwargs.get("stream")), instance)
        if call is None:
            return wrapped(*args, **kwargs)
        token = otel_context.attach(call.context)
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        return wrap_result(call, result, sdk)

    return wrapper


def async_call(telemetry: Telemetry, handler: Handler, sdk) -> Callable:
    """Wrapper of an async SDK method that sends one request."""

    async def wrapper(wrapped, instance, args, kwargs):
        call = start_call(telemetry, handler, kwargs, bool(kwargs.get("stream")), instance)
        if call is None:
            return await wrapped(*args, **kwargs)
        token = otel_context.attach(call.context)
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        return wrap_result(call, result, sdk)

    return wrapper


StreamHook = Callable[[Any, LLMCall], None]
"""Installs our stream proxy inside the helper stream that ``__enter__`` returned."""


def sync_stream_manager(telemetry: Telemetry, handler: Handler, hook: StreamHook) -> Callable:
    """Wrapper of a ``.stream()`` helper that returns a context manager; the request is sent on enter."""

    def wrapper(wrapped, instance, args, kwargs):
        _materialise(kwargs)
        manager = wrapped(*args, **kwargs)
        return StreamManagerProxy(
            manager, lambda: start_call(telemetry, handler, kwargs, True, instance), hook
        )

    return wrapper


def async_stream_manager(telemetry: Telemetry, handler: Handler, hook: StreamHook) -> Callable:
    def wrapper(wrapped, instance, args, kwargs):
        _materialise(kwargs)
        manager = wrapped(*args, **kwargs)
        return AsyncStreamManagerProxy(
            manager, lambda: start_call(telemetry, handler, kwargs, True, instance), hook
        )

    return wrapper


def _materialise(kwargs: dict[str, Any]) -> None:
    """Before the helper keeps the arguments: iterators become lists both it and the record see."""
    try:
        record.materialise(kwargs)
    except Exception:
        logger.debug("otel-llm: materialising arguments failed", exc_info=True)


def _install(hook: StreamHook, stream: Any, call: LLMCall) -> None:
    try:
        hook(stream, call)
    except Exception:
        logger.debug("otel-llm: observing the helper stream failed", exc_info=True)
        call.finish()


class StreamManagerProxy(wrapt.ObjectProxy):
    def __init__(self, manager: Any, start: Callable[[], LLMCall | None], hook: StreamHook) -> None:
        super().__init__(manager)
        self._self_start = start
        self._self_hook = hook
        self._self_call: LLMCall | None = None

    def __enter__(self):
        call = self._self_call = self._self_start()
        if call is None:
            return self.__wrapped__.__enter__()
        token = otel_context.attach(call.context)
        try:
            stream = self.__wrapped__.__enter__()
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        _install(self._self_hook, stream, call)
        return stream

    def __exit__(self, exc_type, exc, tb):
        try:
            return self.__wrapped__.__exit__(exc_type, exc, tb)
        finally:
            if self._self_call is not None:
                self._self_call.finish()


class AsyncStreamManagerProxy(wrapt.ObjectProxy):
    def __init__(self, manager: Any, start: Callable[[], LLMCall | None], hook: StreamHook) -> None:
        super().__init__(manager)
        self._self_start = start
        self._self_hook = hook
        self._self_call: LLMCall | None = None

    async def __aenter__(self):
        call = self._self_call = self._self_start()
        if call is None:
            return await self.__wrapped__.__aenter__()
        token = otel_context.attach(call.context)
        try:
            stream = await self.__wrapped__.__aenter__()
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        _install(self._self_hook, stream, call)
        return stream

    async def __aexit__(self, exc_type, exc, tb):
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, tb)
        finally:
            if self._self_call is not None:
                self._self_call.finish()


def raw_stream_hook(attribute: str = "_raw_stream") -> StreamHook:
    """Hook for helper streams that read an SDK ``Stream`` kept in ``attribute``: that stream is
    replaced by our proxy before the first read, so the helper's events and final message keep working."""

    def hook(stream: Any, call: LLMCall) -> None:
        raw = getattr(stream, attribute)
        proxy_type = AsyncStreamProxy if hasattr(raw, "__anext__") else StreamProxy
        setattr(stream, attribute, proxy_type(raw, call, call.handler.accumulator(call)))

    return hook
