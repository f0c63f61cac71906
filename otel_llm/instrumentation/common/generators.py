"""SDK methods that return a generator: the request is sent when the app first reads the stream.

(``google-genai``'s ``generate_content_stream``; its async form returns an async generator once
awaited.) The span starts when the method is called; our context is current while the generator
runs the SDK's code (sending the request, reading a chunk), so a span another instrumentation
starts there is recognised as the same call, and never while the app's own code runs between
chunks. The span ends when the generator is exhausted, fails, is closed or is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry import context as otel_context

from otel_llm.instrumentation.common.call import Handler, start_call
from otel_llm.instrumentation.common.streams import AsyncStreamProxy, StreamProxy, _end, _feed
from otel_llm.instrumentation.common.telemetry import Telemetry


def sync_generator_call(telemetry: Telemetry, handler: Handler) -> Callable:
    """Wrapper of a sync SDK method that returns a generator of chunks."""

    def wrapper(wrapped, instance, args, kwargs):
        call = start_call(telemetry, handler, kwargs, True)
        if call is None:
            return wrapped(*args, **kwargs)
        token = otel_context.attach(call.context)
        try:
            generator = wrapped(*args, **kwargs)
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        return GeneratorProxy(generator, call, handler.accumulator(call))

    return wrapper


def async_generator_call(telemetry: Telemetry, handler: Handler) -> Callable:
    """Wrapper of an async SDK method whose awaited result is an async generator of chunks."""

    async def wrapper(wrapped, instance, args, kwargs):
        call = start_call(telemetry, handler, kwargs, True)
        if call is None:
            return await wrapped(*args, **kwargs)
        token = otel_context.attach(call.context)
        try:
            generator = await wrapped(*args, **kwargs)
        except BaseException as exc:
            call.finish(exc)
            raise
        finally:
            otel_context.detach(token)
        return AsyncGeneratorProxy(generator, call, handler.accumulator(call))

    return wrapper


class GeneratorProxy(StreamProxy):
    def __next__(self):
        call = self._self_call
        token = otel_context.attach(call.context)
        try:
            chunk = self.__wrapped__.__next__()
        except StopIteration:
            _end(call, self._self_accumulator, None)
            raise
        except BaseException as exc:
            _end(call, self._self_accumulator, exc)
            raise
        finally:
            otel_context.detach(token)
        _feed(call, self._self_accumulator, chunk)
        return chunk


class AsyncGeneratorProxy(AsyncStreamProxy):
    async def __anext__(self):
        call = self._self_call
        token = otel_context.attach(call.context)
        try:
            chunk = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            _end(call, self._self_accumulator, None)
            raise
        except BaseException as exc:
            _end(call, self._self_accumulator, exc)
            raise
        finally:
            otel_context.detach(token)
        _feed(call, self._self_accumulator, chunk)
        return chunk

    async def aclose(self) -> None:
        try:
            await self.__wrapped__.aclose()
        finally:
            _end(self._self_call, self._self_accumulator, None)

    async def close(self) -> None:
        await self.aclose()
