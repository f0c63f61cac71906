"""The one path for model calls the server makes on a user's behalf: experiment runs, single and
batch replays, and later evaluations and the playground.

Make the call (through the instrumented SDK, like any app call) inside ``record``; its spans are
kept out of the app-wide pipeline and handed back, and the caller writes them into the project of
the request that caused the call, in its own transaction::

    with server_calls.record(project_id, tags={"experiment": "bakeoff", "variant": "b"}) as recording:
        client.chat.completions.create(...)
    with engine.begin() as connection:
        recording.write(connection)  # plus the caller's own rows (a replay, a run item)

Calls of different projects run at the same time in one process: each ``record`` block has its own
sink, found through the OpenTelemetry context of the thread that makes the call. A job making many
calls (a run, a batch) holds ``instrumented()`` around them, so the SDKs stay patched in between.
"""

from otel_llm.server_calls.instrumenting import instrumented
from otel_llm.server_calls.recording import Recording, record

__all__ = ["Recording", "instrumented", "record"]
