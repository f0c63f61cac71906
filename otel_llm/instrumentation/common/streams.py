"""Proxies around SDK streams and raw responses that end the call's span exactly once.

A stream's span ends when the stream is exhausted, closed (directly or by its context manager),
fails, or is garbage-collected after the consumer left it (``break``, exception). Our context is
never current while the app consumes chunks: the proxies only observe.
"""

from __future__ import annotations

import logging
from typing import Any

import wrapt

from otel_llm.instrumentation.common.call import Accumulator, LLMCall

logger = logging.getLogger(__name__)


def _end(call: LLMCall, accumulator: Accumulator, error: BaseException | None) -> None:
    if call.ended:
        return
    try:
        accumulator.finish(call)
    except Exception:
        logger.debug("otel-llm: reading the stream's result failed", exc_info=True)
    call.finish(error)


def _feed(call: LLMCall, accumulator: Accumulator, chunk: Any) -> None:
    """One chunk arrived: note the first chunk's time and accumulate it. Never raises."""
    try:
        if call.first_chunk_ns is None:
            call.chunk_arrived()
        accumulator.add(chunk)
    except Exception:
        logger.debug("otel-llm: reading a chunk failed", exc_info=True)


class StreamProxy(wrapt.ObjectProxy):
    """A sync SDK ``Stream`` that feeds each chunk to the call's accumulator."""

    def __init__(self, stream: Any, call: LLMCall, accumulator: Accumulator) -> None:
        super().__init__(stream)
        self._self_call = call
        self._self_accumulator = accumulator

    def __iter__(self):
        return self

    def __next__(self):
        try:
            chunk = self.__wrapped__.__next__()
        except StopIteration:
            _end(self._self_call, self._self_accumulator, None)
            raise
        except BaseException as exc:
            _end(self._self_call, self._self_accumulator, exc)
            raise
        _feed(self._self_call, self._self_accumulator, chunk)
        return chunk

    def __enter__(self):
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            return self.__wrapped__.__exit__(exc_type, exc, tb)
        finally:
            _end(self._self_call, self._self_accumulator, None)

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            _end(self._self_call, self._self_accumulator, None)

    def __del__(self) -> None:
        _end(self._self_call, self._self_accumulator, None)


class AsyncStreamProxy(wrapt.ObjectProxy):
    """An ``AsyncStream`` that feeds each chunk to the call's accumulator."""

    def __init__(self, stream: Any, call: LLMCall, accumulator: Accumulator) -> None:
        super().__init__(stream)
        self._self_call = call
        self._self_accumulator = accumulator

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            chunk = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            _end(self._self_call, self._self_accumulator, None)
            raise
        except BaseException as exc:
            _end(self._self_call, self._self_accumulator, exc)
            raise
        _feed(self._self_call, self._self_accumulator, chunk)
        return chunk

    async def __aenter__(self):
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, tb)
        finally:
            _end(self._self_call, self._self_accumulator, None)

    async def close(self) -> None:
        try:
            await self.__wrapped__.close()
        finally:
            _end(self._self_call, self._self_accumulator, None)

    def __del__(self) -> None:
        _end(self._self_call, self._self_accumulator, None)


def wrap_result(call: LLMCall, result: Any, sdk) -> Any:
    """What the app gets back: streams and raw responses proxied, complete responses recorded."""
    if not isinstance(result, sdk.OBSERVED):  # a complete response: the common case, one check
        call.respond(result)
        return result
    try:
        if isinstance(result, sdk.STREAM):
            return StreamProxy(result, call, call.handler.accumulator(call))
        if isinstance(result, sdk.ASYNC_STREAM):
            return AsyncStreamProxy(result, call, call.handler.accumulator(call))
        if isinstance(result, sdk.LEGACY_RESPONSE):
            return _legacy(call, result, sdk)
        if isinstance(result, sdk.API_RESPONSE):
            return RawResponseProxy(result, call, sdk)
        if isinstance(result, sdk.ASYNC_API_RESPONSE):
            return AsyncRawResponseProxy(result, call, sdk)
    except Exception:
        logger.debug("otel-llm: wrapping the result failed", exc_info=True)
    call.respond(result)
    return result


def _legacy(call: LLMCall, response: Any, sdk) -> Any:
    """``with_raw_response``: the body is already read, so a complete response is parsed now (the SDK
    caches it for the app's own ``.parse()``); a stream is proxied when the app parses it."""
    if getattr(response, "_stream", False):
        return RawResponseProxy(response, call, sdk)
    call.respond(response.parse())
    return response


class RawResponseProxy(wrapt.ObjectProxy):
    """``with_streaming_response`` / a raw streamed response: recorded when the app calls ``.parse()``,
    ended when it closes the response (or drops it)."""

    def __init__(self, response: Any, call: LLMCall, sdk) -> None:
        super().__init__(response)
        self._self_call = call
        self._self_sdk = sdk
        self._self_parsed = None

    def parse(self, *args, **kwargs):
        parsed = self.__wrapped__.parse(*args, **kwargs)
        if self._self_parsed is None and not args and not kwargs:
            self._self_parsed = wrap_result(self._self_call, parsed, self._self_sdk)
        return self._self_parsed if not args and not kwargs else parsed

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            if not isinstance(self._self_parsed, StreamProxy):
                self._self_call.finish()

    def __del__(self) -> None:
        if not isinstance(self._self_parsed, StreamProxy):
            self._self_call.finish()


class AsyncRawResponseProxy(wrapt.ObjectProxy):
    def __init__(self, response: Any, call: LLMCall, sdk) -> None:
        super().__init__(response)
        self._self_call = call
        self._self_sdk = sdk
        self._self_parsed = None

    async def parse(self, *args, **kwargs):
        parsed = await self.__wrapped__.parse(*args, **kwargs)
        if self._self_parsed is None and not args and not kwargs:
            self._self_parsed = wrap_result(self._self_call, parsed, self._self_sdk)
        return self._self_parsed if not args and not kwargs else parsed

    async def close(self) -> None:
        try:
            await self.__wrapped__.close()
        finally:
            if not isinstance(self._self_parsed, AsyncStreamProxy):
                self._self_call.finish()

    def __del__(self) -> None:
        if not isinstance(self._self_parsed, AsyncStreamProxy):
            self._self_call.finish()
